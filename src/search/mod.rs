//! Search: a query string in, [`SearchResults`](results::SearchResults) out.
//!
//! The flow of one search ([`run`]): the query is parsed ([`query`]), its
//! words analysed and expanded ([`words`], with stop words and synonyms
//! from the index's rules, [`vocabulary`], and prefixes and typos from the
//! term dictionaries, [`typos`]), the tier queries built ([`ranking`], with the
//! unions of [`union`] and the bonuses of [`bonus`], each term asked only of
//! the segments that hold its field, [`held`]), the
//! tiers' sections merged ([`collect`]), each hit read and its snippets cut
//! ([`snippet`]) and linked ([`links`]), and a suggestion made when nothing matched ([`suggest`]).
//! Reading one article with a query's words marked ([`reading`]) runs the
//! same flow on that article alone.
//!
//! What a search looks up at a cost is remembered across searches by the
//! open index's [`caches`]. [`options`] and [`results`] are the contract
//! with callers: the JSON is the serde form of the results.

pub(crate) mod bonus;
pub(crate) mod caches;
pub(crate) mod collect;
pub(crate) mod coverage;
pub(crate) mod fusion;
pub(crate) mod held;
pub(crate) mod links;
pub(crate) mod meaning;
pub(crate) mod options;
pub(crate) mod query;
pub(crate) mod ranking;
pub(crate) mod reading;
pub(crate) mod results;
pub(crate) mod run;
pub(crate) mod sections;
pub(crate) mod snippet;
pub(crate) mod statistics;
pub(crate) mod suggest;
pub(crate) mod typos;
pub(crate) mod union;
pub(crate) mod vocabulary;
pub(crate) mod words;
