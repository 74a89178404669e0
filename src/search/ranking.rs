//! The queries a search runs: one per tier, built from the query's units
//! (see [`units`]), with the field boosts and the `--article` /
//! `--section` filters.
//!
//! Each unit is looked for in the section's body (its headings and text,
//! one BM25 score, as SQLite FTS5 scores a row) and in the article title (a
//! small boost, [`TITLE_BOOST`]). A section whose own headings hold every
//! unit gets a bonus ([`HEADINGS_BOOST`]), so that a query naming a topic
//! lands on the section about it, and in a question each unit found in a
//! section's headings adds a little ([`HEADING_WORD`]): `what causes facial
//! twitching` lands on *Cause*. Units found near each other, in query
//! order, add a little too ([`NEIGHBOURS`]). In the typo tier a typo'd variant
//! counts less the further it is from the word typed, and a synonym counts
//! a little less than the words typed ([`SYNONYM_WEIGHT`]).
//!
//! The relaxed tiers (no section has every unit, or too few do) rank by how
//! much of the query a section covers: each unit found adds its rarity
//! times [`COVERAGE`] to its BM25 score, a little less in a long section
//! than in a short one (see [`super::coverage`]), so that a section with
//! the rare words of a question comes before one with many of its common
//! words. For a question they rank every section, those with every unit
//! among them, which keep their heading bonus (see `run.rs`).
//!
//! Stop words decide nothing on their own, but a section where one follows
//! or precedes its neighbour in the query, as typed, gains a little
//! ([`STOP_WORD_NEIGHBOUR`]): `vitamin a` ranks *vitamin A* first.

use std::ops::Bound;
use std::ops::Range;

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, EmptyQuery, Occur, PhraseQuery,
    Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};

use super::bonus::{Bonus, WithBonuses};
use super::coverage::Covered;
use super::held::Held;
use super::options::SearchOptions;
use super::query::Scope;
use super::union::any_of;
use super::vocabulary::Synonym;
use super::words::{self, Word};
use crate::analysis::tokens::fold;
use crate::ingest::article::LABEL_SEPARATOR;
use crate::store::schema::Fields;

/// How much a match in the article title counts against one in the body.
///
/// The boosts and weights here were chosen with the relevance benchmarks
/// (`bench/relevance.rs`, `bench/questions.rs`): body-word queries lose
/// from large title and heading boosts, queries that name a section gain
/// from a heading bonus.
pub const TITLE_BOOST: f32 = 0.3;
/// How much more a section counts when its own headings hold every unit of
/// the query (the headings also count as ordinary words of the section).
pub const HEADINGS_BOOST: f32 = 2.0;
/// How much each unit found in a section's headings adds (a BM25 score in
/// the headings) to a question (a query with stop words), in the tiers
/// that want every unit. A question names its topic with a word the
/// heading of the section that answers has (`what causes ...`, *Cause*);
/// keywords copied from a text do not: there it cost the known-item
/// benchmark 0.03, and in the relaxed tiers the question benchmark 0.01.
pub const HEADING_WORD: f32 = 1.0;
/// In the relaxed tiers, what each unit found adds, times its rarity.
pub const COVERAGE: f32 = 1.0;
/// How much a synonym counts against the words as typed.
pub const SYNONYM_WEIGHT: f32 = 0.8;
/// How much a section having a query word as typed (not only a form of
/// it that stems alike) counts, as a BM25 score of the word in `words`.
/// Measured in one session at 0, 0.3, 0.6 and 1.0: the known-item
/// benchmark's text-word MRR@10 0.736, 0.772, 0.793, 0.805, its headings
/// 0.963, 0.961, 0.958, 0.953; the question benchmark (words alone) 0.353,
/// 0.359, 0.359, 0.353; the multilingual one (bench/languages.rs) gains
/// in every language up to 0.6. Typo'd queries do not move.
pub const EXACT_FORM: f32 = 0.6;
/// How much a longer word the last word of a search as the user types
/// starts (`hemif` → *hemifacial*) counts against the word as typed, when
/// that is a word too: `nerve` typed whole ranks *nerve* above *nervous*,
/// as it does once the user types the space after it.
pub const COMPLETION: f32 = 0.5;
/// How much a stop word next to its neighbour, as typed, counts.
pub const STOP_WORD_NEIGHBOUR: f32 = 0.5;
/// How much two units of the query found within [`NEIGHBOUR_SLOP`] words
/// of each other, in order, count (a BM25 score of the pair).
pub const NEIGHBOURS: f32 = 0.5;
/// How many words may come between two [`NEIGHBOURS`].
pub const NEIGHBOUR_SLOP: u32 = 2;

/// Which words a tier matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tier {
    /// Words as typed (after stemming), prefixes expanded.
    Exact,
    /// Also the words' typo'd variants.
    Typos,
}

/// What a section must have: one wanted word that is no stop word, or a
/// run of words a synonym group has (with the group's other entries).
#[derive(Clone, Debug)]
pub(crate) struct Unit {
    /// Its words, as a range of the query's words (stop words included).
    pub(crate) words: Range<usize>,
    /// The synonyms that may stand for it, as index terms.
    pub(crate) alternatives: Vec<Vec<String>>,
}

/// What the relaxed tiers weigh units by: how rare index terms are in the
/// body field (the inverse document frequency of the rarest), and the
/// body's average length, in tokens.
pub(crate) struct Weights<'a> {
    pub(crate) rarity: &'a dyn Fn(&[String]) -> f32,
    /// The inverse document frequency of a body term, `None` when it
    /// cannot be read.
    pub(crate) idf: &'a dyn Fn(&str) -> Option<f32>,
    pub(crate) average_length: f32,
}

impl Unit {
    /// The terms of the unit's own words that it must have: all but its
    /// stop words (all of them for a run of stop words alone).
    pub(crate) fn own_terms(&self, words: &[Word]) -> Vec<String> {
        let run = &words[self.words.clone()];
        let all_stop = run.iter().all(|w| w.stop);
        run.iter()
            .filter(|w| !w.stop || all_stop)
            .flat_map(|w| w.terms.iter().cloned())
            .collect()
    }
}

/// The units of a query: its synonym runs and its other wanted words that
/// are not stop words, in query order, with no rarity yet.
pub(crate) fn units(words: &[Word], synonyms: &[Synonym]) -> Vec<Unit> {
    let mut units: Vec<Unit> = synonyms
        .iter()
        .map(|s| Unit {
            words: s.first..s.first + s.len,
            alternatives: s.alternatives.clone(),
        })
        .collect();
    for (i, w) in words.iter().enumerate() {
        let in_run = synonyms
            .iter()
            .any(|s| (s.first..s.first + s.len).contains(&i));
        if !w.exclude && !w.stop && !in_run {
            units.push(Unit {
                words: i..i + 1,
                alternatives: vec![],
            });
        }
    }
    units.sort_by_key(|u| u.words.start);
    units
}

/// The inverse document frequency BM25 gives a term found in `docs` of
/// `total` sections.
pub(crate) fn idf(docs: u64, total: u64) -> f32 {
    let (n, total) = (docs as f32, total as f32);
    (1.0 + (total - n + 0.5) / (n + 0.5)).ln()
}

/// The query of one tier: every unit (`Occur::Must`, or `Occur::Should`
/// for the relaxed tiers, which add each unit's coverage), the heading
/// bonuses, the stop words' neighbours, the excluded words and the filters.
pub(crate) fn tier(
    f: Fields,
    words: &[Word],
    units: &[Unit],
    occur: Occur,
    filters: &[Box<dyn Query>],
    tier: Tier,
    weights: &Weights,
) -> WithBonuses {
    let mut wanted: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for unit in units {
        let fields = fields_for(f, scope(words, unit));
        if occur == Occur::Should {
            wanted.push((
                Occur::Should,
                coverage(f, words, unit, &fields, tier, weights),
            ));
        }
        wanted.push((occur, unit_query(f, words, unit, &fields, tier)));
    }
    let mut parts: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Must, Box::new(BooleanQuery::new(wanted)))];
    // What a section that has the units may earn on top, looked up at
    // the sections they lead to.
    let mut bonuses: Vec<Bonus> = Vec::new();
    // The heading bonuses: a section whose own headings hold every
    // unscoped unit is what a query naming a topic is after, and each one
    // they hold says something.
    let unscoped: Vec<&Unit> = units.iter().filter(|u| scope(words, u).is_none()).collect();
    let headings = [(f.headings, HEADINGS_BOOST)];
    let in_headings: Vec<(Occur, Box<dyn Query>)> = unscoped
        .iter()
        .map(|u| (Occur::Must, unit_query(f, words, u, &headings, tier)))
        .collect();
    if !in_headings.is_empty() {
        bonuses.push(Bonus::new(Box::new(BooleanQuery::new(in_headings))));
    }
    let question = words::is_question(words);
    for unit in unscoped.iter().filter(|_| occur == Occur::Must && question) {
        let bonus = unit_query(f, words, unit, &[(f.headings, HEADING_WORD)], tier);
        bonuses.push(Bonus::new(bonus));
    }
    if occur == Occur::Should && question {
        // In a relaxed tier, a section with every unit gets the heading
        // bonus it would have had in the tiers that want every unit.
        let all: Vec<(Occur, Box<dyn Query>)> = units
            .iter()
            .map(|u| {
                let fields = fields_for(f, scope(words, u));
                (Occur::Must, unit_query(f, words, u, &fields, Tier::Exact))
            })
            .collect();
        let every = ConstScoreQuery::new(Box::new(BooleanQuery::new(all)), 0.0);
        let mut bonus: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(every))];
        for unit in &unscoped {
            let in_headings =
                unit_query(f, words, unit, &[(f.headings, HEADING_WORD)], Tier::Exact);
            bonus.push((Occur::Should, in_headings));
        }
        bonuses.push(Bonus::new(Box::new(BooleanQuery::new(bonus))));
    }
    // A section with a word as typed, not only another form of it (the
    // stemmers conflate forms), counts a little more.
    for word in exact_forms(words, units) {
        bonuses.push(Bonus::new(Box::new(BoostQuery::new(
            term_query(f.words, word.raw()),
            EXACT_FORM,
        ))));
    }
    for [a, b] in neighbours(words, units) {
        let terms = vec![
            Term::from_field_text(f.body, &a.terms[0]),
            Term::from_field_text(f.body, &b.terms[0]),
        ];
        let mut near = PhraseQuery::new(terms);
        near.set_slop(NEIGHBOUR_SLOP);
        let near = Box::new(BoostQuery::new(Box::new(near), NEIGHBOURS));
        let terms = [a.terms[0].as_str(), b.terms[0].as_str()];
        bonuses.push(phrase_bonus(near, NEIGHBOURS, &terms, weights));
    }
    for pair in stop_word_neighbours(words) {
        let texts: Vec<&str> = pair
            .iter()
            .flat_map(|w| &w.terms)
            .map(String::as_str)
            .collect();
        let terms: Vec<Term> = texts
            .iter()
            .map(|t| Term::from_field_text(f.body, t))
            .collect();
        let phrase = Box::new(BoostQuery::new(
            Box::new(PhraseQuery::new(terms)),
            STOP_WORD_NEIGHBOUR,
        ));
        bonuses.push(phrase_bonus(phrase, STOP_WORD_NEIGHBOUR, &texts, weights));
    }
    for excluded in exclusions(f, words) {
        parts.push((Occur::MustNot, excluded));
    }
    for filter in filters {
        parts.push((Occur::Must, filter.box_clone()));
    }
    WithBonuses::new(Box::new(BooleanQuery::new(parts)), bonuses)
}

/// A phrase of `terms` in the body, boosted by `boost`, as a bonus with
/// its bound.
fn phrase_bonus(phrase: Box<dyn Query>, boost: f32, terms: &[&str], weights: &Weights) -> Bonus {
    let idf: Option<f32> = terms.iter().map(|t| (weights.idf)(t)).sum();
    Bonus::bm25(phrase, boost, idf)
}

/// What the query's excluded words (`-tinnitus`) match: no hit may.
pub(crate) fn exclusions(f: Fields, words: &[Word]) -> Vec<Box<dyn Query>> {
    words
        .iter()
        .filter(|w| w.exclude)
        .map(|w| word_query(f, w, &fields_for(f, w.scope), Tier::Exact))
        .collect()
}

/// The scope of a unit: a synonym run is never scoped.
fn scope(words: &[Word], unit: &Unit) -> Option<Scope> {
    match unit.words.len() {
        1 => words[unit.words.start].scope,
        _ => None,
    }
}

/// A unit in the given fields: its words (every one of a run but its stop
/// words; a run of stop words alone as a phrase), or one of its synonyms.
pub(crate) fn unit_query(
    f: Fields,
    words: &[Word],
    unit: &Unit,
    fields: &[(Field, f32)],
    tier: Tier,
) -> Box<dyn Query> {
    let run = &words[unit.words.clone()];
    let own: Box<dyn Query> = match run {
        [word] => word_query(f, word, fields, tier),
        _ if run.iter().all(|w| w.stop) => {
            let terms: Vec<String> = run.iter().flat_map(|w| w.terms.clone()).collect();
            in_fields(fields, |field| field_query(field, &terms))
        }
        _ => Box::new(BooleanQuery::new(
            run.iter()
                .filter(|w| !w.stop)
                .map(|w| (Occur::Must, word_query(f, w, fields, tier)))
                .collect(),
        )),
    };
    if unit.alternatives.is_empty() {
        return own;
    }
    let mut either: Vec<Box<dyn Query>> = vec![own];
    for terms in &unit.alternatives {
        let synonym = in_fields(fields, |field| field_query(field, terms));
        either.push(Box::new(BoostQuery::new(synonym, SYNONYM_WEIGHT)));
    }
    any_of(either)
}

/// What finding a unit adds in a relaxed tier: [`COVERAGE`] times the
/// rarity of the best of its alternatives found (its own words, prefix
/// expansions, typo'd variants weighted down by distance, synonyms by
/// [`SYNONYM_WEIGHT`]), whatever their frequency in the section.
fn coverage(
    f: Fields,
    words: &[Word],
    unit: &Unit,
    fields: &[(Field, f32)],
    tier: Tier,
    weights: &Weights,
) -> Box<dyn Query> {
    let rarity = weights.rarity;
    let mut found: Vec<Box<dyn Query>> = Vec::new();
    let mut add = |query: Box<dyn Query>, score: f32| {
        let covered = Covered::new(query, COVERAGE * score, f.body, weights.average_length);
        found.push(Box::new(covered));
    };
    match &words[unit.words.clone()] {
        [word] => {
            match &word.prefixed {
                Some(terms) => {
                    for t in terms {
                        let t = std::slice::from_ref(t);
                        add(in_fields(fields, |field| field_query(field, t)), rarity(t));
                    }
                }
                None if !word.other_languages => add(
                    in_fields(fields, |field| field_query(field, &word.terms)),
                    rarity(&word.terms),
                ),
                None => {
                    // Each language's terms in its own articles.
                    for &(field, boost) in fields {
                        for (terms, query) in in_languages(f, field, word) {
                            add(Box::new(BoostQuery::new(query, boost)), rarity(&terms));
                        }
                    }
                }
            }
            if tier == Tier::Typos {
                for (t, distance) in &word.typos {
                    let t = std::slice::from_ref(t);
                    let query = in_fields(fields, |field| field_query(field, t));
                    add(query, rarity(t) / (1.0 + f32::from(*distance)));
                }
            }
        }
        _ => {
            let own = Unit {
                words: unit.words.clone(),
                alternatives: vec![],
            };
            add(
                unit_query(f, words, &own, fields, tier),
                rarity(&unit.own_terms(words)),
            );
        }
    }
    for terms in &unit.alternatives {
        let query = in_fields(fields, |field| field_query(field, terms));
        add(query, rarity(terms) * SYNONYM_WEIGHT);
    }
    Box::new(DisjunctionMaxQuery::new(found))
}

/// `query` for each of `fields`, boosted, any of them.
fn in_fields(fields: &[(Field, f32)], query: impl Fn(Field) -> Box<dyn Query>) -> Box<dyn Query> {
    any_of(
        fields
            .iter()
            .map(|&(field, boost)| Box::new(BoostQuery::new(query(field), boost)) as Box<dyn Query>)
            .collect(),
    )
}

/// The pairs of units, in query order, that are single words of one term
/// (neither scoped nor a prefix): found near each other (see
/// [`NEIGHBOURS`]) they are likelier to be about what the query asks.
fn neighbours<'a>(words: &'a [Word], units: &[Unit]) -> Vec<[&'a Word; 2]> {
    let single: Vec<&Word> = units
        .iter()
        .filter(|u| u.words.len() == 1)
        .map(|u| &words[u.words.start])
        .filter(|w| w.scope.is_none() && w.prefixed.is_none() && w.terms.len() == 1)
        .collect();
    single.windows(2).map(|pair| [pair[0], pair[1]]).collect()
}

/// The single-word units that are plain words (neither scoped nor a
/// prefix, of one term): what [`EXACT_FORM`] rewards as typed.
fn exact_forms<'a>(words: &'a [Word], units: &[Unit]) -> Vec<&'a Word> {
    units
        .iter()
        .filter(|u| u.words.len() == 1)
        .map(|u| &words[u.words.start])
        .filter(|w| {
            w.scope.is_none() && w.prefixed.is_none() && w.terms.len() == 1 && !w.raw().is_empty()
        })
        .collect()
}

/// The pairs of neighbouring words, as typed, of which one is a stop word
/// and the other a wanted word that is not (neither quoted, scoped nor a
/// prefix).
fn stop_word_neighbours(words: &[Word]) -> Vec<[&Word; 2]> {
    let plain = |w: &Word| !w.exclude && !w.phrase && w.scope.is_none() && w.prefixed.is_none();
    words
        .windows(2)
        .filter(|pair| plain(&pair[0]) && plain(&pair[1]) && pair[0].stop != pair[1].stop)
        .map(|pair| [&pair[0], &pair[1]])
        .collect()
}

/// The fields a word is looked for in, with their boosts. Unscoped words
/// look in the title and the body (which holds the headings too); the
/// headings' own bonus is added per section by [`tier`].
fn fields_for(f: Fields, scope: Option<Scope>) -> Vec<(Field, f32)> {
    match scope {
        None => vec![(f.title, TITLE_BOOST), (f.body, 1.0)],
        Some(Scope::Title) => vec![(f.title, TITLE_BOOST)],
        Some(Scope::Section) => vec![(f.headings, HEADINGS_BOOST)],
        Some(Scope::Body) => vec![(f.body, 1.0)],
    }
}

/// One word in the given fields: its own terms, or the terms its prefix
/// stands for, plus (in the typo tier) its typo'd variants, weighted down
/// by distance.
fn word_query(f: Fields, word: &Word, fields: &[(Field, f32)], tier: Tier) -> Box<dyn Query> {
    let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
    for &(field, boost) in fields {
        let mut add = |query: Box<dyn Query>, weight: f32| {
            alternatives.push(Box::new(BoostQuery::new(query, boost * weight)));
        };
        match &word.prefixed {
            Some(terms) => {
                for t in terms {
                    let as_typed = word.completes.is_empty() || word.completes.contains(t);
                    add(
                        term_query(field, t),
                        if as_typed { 1.0 } else { COMPLETION },
                    );
                }
            }
            None if word.other_languages => {
                // An article matches one language's terms, but its title
                // and headings both as English and in its own language:
                // the better of them counts.
                let each = in_languages(f, field, word).into_iter().map(|(_, q)| q);
                add(Box::new(DisjunctionMaxQuery::new(each.collect())), 1.0);
            }
            None => add(field_query(field, &word.terms), 1.0),
        }
        if tier == Tier::Typos {
            for (t, distance) in &word.typos {
                add(term_query(field, t), 1.0 / (1.0 + f32::from(*distance)));
            }
        }
    }
    if alternatives.is_empty() {
        return Box::new(EmptyQuery);
    }
    any_of(alternatives)
}

/// A word's terms in `field`, language by language: its English terms in
/// the articles analysed as English (those of no other language whose
/// stems of the word differ), and each other language's terms in that
/// language's articles only, so that the French stems of an English word
/// do not reach the English paragraphs a French article quotes. The body
/// holds each article's own stems; the title's and the headings' are in
/// fields of their own ([`stems_of`]), where the English terms are looked
/// for too, for the languages whose stems of the word are the same (their
/// title is in `title` as English stems, which may differ). A field that
/// holds no stems (`words`) is searched for the English terms alone.
fn in_languages(f: Fields, field: Field, word: &Word) -> Vec<(Vec<String>, Box<dyn Query>)> {
    let Some(stems) = stems_of(f, field) else {
        return vec![(word.terms.clone(), field_query(field, &word.terms))];
    };
    let lang_is = |code: &str| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(f.lang, code),
            IndexRecordOption::Basic,
        ))
    };
    let mut english: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Must, field_query(field, &word.terms))];
    let mut out = Vec::with_capacity(word.other_terms.len() + 1);
    for other in &word.other_terms {
        let langs: Vec<(Occur, Box<dyn Query>)> = other
            .langs
            .iter()
            .map(|code| (Occur::Should, lang_is(code)))
            .collect();
        english.extend(
            other
                .langs
                .iter()
                .map(|code| (Occur::MustNot, lang_is(code))),
        );
        let filter: Box<dyn Query> = Box::new(ConstScoreQuery::new(
            Box::new(BooleanQuery::new(langs)),
            0.0,
        ));
        let query = BooleanQuery::new(vec![
            (Occur::Must, field_query(stems, &other.terms)),
            (Occur::Must, filter),
        ]);
        out.push((other.terms.clone(), Box::new(query) as Box<dyn Query>));
    }
    if stems != field {
        let mut same: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, field_query(stems, &word.terms))];
        same.extend(english.iter().skip(1).map(|(o, q)| (*o, q.box_clone())));
        out.insert(0, (word.terms.clone(), Box::new(BooleanQuery::new(same))));
    }
    out.insert(
        0,
        (word.terms.clone(), Box::new(BooleanQuery::new(english))),
    );
    out
}

/// Where `field`'s words are held as stemmed in an article's own
/// language, for the fields analysed per language.
fn stems_of(f: Fields, field: Field) -> Option<Field> {
    match field {
        _ if field == f.body => Some(f.body),
        _ if field == f.title => Some(f.title_stems),
        _ if field == f.headings => Some(f.headings_stems),
        _ => None,
    }
}

/// The queries for `--article` and `--section`.
pub(crate) fn filters(
    f: Fields,
    options: &SearchOptions,
    lang: Option<&str>,
) -> Vec<Box<dyn Query>> {
    let mut filters: Vec<Box<dyn Query>> = Vec::new();
    if let Some(article) = &options.article {
        let by_id = TermQuery::new(
            Term::from_field_text(f.article_id, article.trim()),
            IndexRecordOption::Basic,
        );
        let by_title = TermQuery::new(
            Term::from_field_text(f.title_key, &fold(article)),
            IndexRecordOption::Basic,
        );
        filters.push(Box::new(BooleanQuery::new(vec![
            (Occur::Should, Box::new(by_id) as Box<dyn Query>),
            (Occur::Should, Box::new(by_title)),
        ])));
    }
    if let Some(id) = &options.article_id {
        filters.push(Box::new(TermQuery::new(
            Term::from_field_text(f.article_id, id),
            IndexRecordOption::Basic,
        )));
    }
    if let Some(code) = lang {
        filters.push(Box::new(TermQuery::new(
            Term::from_field_text(f.lang, code),
            IndexRecordOption::Basic,
        )));
    }
    if let Some(section) = &options.section {
        let prefix = section_prefix(section);
        let lower = Bound::Included(Term::from_field_text(f.label_key, &prefix));
        let upper = match prefix_successor(&prefix) {
            Some(upper) => Bound::Excluded(Term::from_field_text(f.label_key, &upper)),
            None => Bound::Unbounded,
        };
        filters.push(Box::new(RangeQuery::new(lower, upper)));
    }
    filters
}

/// A `--section` value as a `label_key` prefix: `>` and `/` between
/// headings read as `›`, case and white space folded.
fn section_prefix(section: &str) -> String {
    let parts: Vec<&str> = section.split(['›', '>']).map(str::trim).collect();
    fold(&parts.join(LABEL_SEPARATOR))
}

/// The smallest string greater than every string that starts with `prefix`.
fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn term_query(field: Field, term: &str) -> Box<dyn Query> {
    let query = TermQuery::new(
        Term::from_field_text(field, term),
        IndexRecordOption::WithFreqs,
    );
    Box::new(Held::new(field, Box::new(query)))
}

/// One term, or the phrase of several (a quoted phrase, or a word that the
/// analyzer splits, such as `anti-AchR`).
fn field_query(field: Field, terms: &[String]) -> Box<dyn Query> {
    if let [term] = terms {
        term_query(field, term)
    } else {
        let terms = terms
            .iter()
            .map(|t| Term::from_field_text(field, t))
            .collect();
        Box::new(Held::new(field, Box::new(PhraseQuery::new(terms))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_prefixes_fold_case_and_separators() {
        assert_eq!(section_prefix("Examine > Medical"), "examine › medical");
        assert_eq!(section_prefix("  DIAGNOSIS  "), "diagnosis");
        assert_eq!(prefix_successor("ab"), Some("ac".to_string()));
        assert_eq!(prefix_successor(""), None);
    }
}
