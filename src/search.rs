//! Searching: from a query string to ranked, labelled, typed hits.
//!
//! Each word of the query (see [`crate::query`]) is analysed with the
//! index's own analyzer and looked for in the section's body (its headings
//! and text, one BM25 score, as SQLite FTS5 scores a row) and in the article
//! title (a small boost, [`TITLE_BOOST`]). A section whose own headings hold
//! every word gets a bonus ([`HEADINGS_BOOST`]), so that a query naming a
//! topic lands on the section about it.
//!
//! Ranking goes in tiers, as Meilisearch's does: sections with every word
//! spelled as given come first; then sections that need typos (words of 5+
//! characters may have one, 9+ two; see [`crate::expand`]); when no section
//! has every word, sections with any of them, again exact before typo'd,
//! and the results say so (`relaxed`). Within a tier, BM25 decides, a typo'd
//! term counting less the further it is from the word typed.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::postings::Postings;
use tantivy::query::{
    BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{Field, IndexRecordOption, OwnedValue, Term};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader};

use crate::error::{Error, Result};
use crate::expand;
use crate::index::Index;
use crate::query::{self, Clause, Scope};
use crate::schema;
use crate::snippet::{self, DEFAULT_SNIPPET_CHARS, Snippet};

/// The version of the JSON results contract ([`SearchResults`]). It goes up
/// only when a field changes meaning or goes away; new fields may appear
/// without it.
pub const SCHEMA_VERSION: u32 = 1;

/// How much a match in the article title counts against one in the body.
///
/// Both boosts were chosen with the relevance benchmark
/// (`bench/relevance.rs`): body-word queries lose from large title and
/// heading boosts, queries that name a section gain from a heading bonus.
pub const TITLE_BOOST: f32 = 0.3;
/// How much more a section counts when its own headings hold every word of
/// the query (the headings also count as ordinary words of the section).
pub const HEADINGS_BOOST: f32 = 2.0;

/// The default number of hits.
pub const DEFAULT_LIMIT: usize = 10;

/// How to search.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// The most hits to return (at least 1).
    pub limit: usize,
    /// How many of the best hits to pass over first, for paging.
    pub offset: usize,
    /// The longest snippet, in characters.
    pub snippet_chars: usize,
    /// The most snippets per hit (at least 1), best first.
    pub snippets: usize,
    /// No typo tolerance: words match only as spelled (after stemming).
    pub exact: bool,
    /// Only sections of this article, given by id or by title (any case).
    pub article: Option<String>,
    /// Only sections whose label starts with this (any case; `>` may stand
    /// for `›`).
    pub section: Option<String>,
    /// At most this many sections per article; the others are counted in
    /// [`Hit::more_in_article`].
    pub per_article: Option<usize>,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions {
            limit: DEFAULT_LIMIT,
            offset: 0,
            snippet_chars: DEFAULT_SNIPPET_CHARS,
            snippets: 1,
            exact: false,
            article: None,
            section: None,
            per_article: None,
        }
    }
}

/// The result of a search: what `quire search --json` prints.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SearchResults {
    /// The version of this contract: [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The query as given.
    pub query: String,
    /// How many sections matched in all, beyond the hits returned.
    pub total_hits: u64,
    /// True when no section matched every word, so sections matching any
    /// word were returned.
    pub relaxed: bool,
    /// How many hits were passed over before the first one here.
    pub offset: usize,
    /// The best hits, best first.
    pub hits: Vec<Hit>,
    /// When nothing matched, the query with its unknown words replaced by
    /// the nearest words of the corpus ("did you mean"), if any are near.
    pub suggestion: Option<String>,
}

/// One matching section.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hit {
    /// 1 for the best hit (counting those passed over by the offset).
    pub rank: usize,
    /// The BM25 score with field boosts; higher is better within a tier,
    /// comparable only within one search.
    pub score: f32,
    /// False when the section matched only with typos or prefixes
    /// expanded; such hits come after every exact one.
    pub exact: bool,
    /// The article the section belongs to.
    pub article: ArticleRef,
    /// The section.
    pub section: SectionRef,
    /// Fragments of the section's text with the matched words marked.
    pub snippets: Vec<Snippet>,
    /// With a per-article limit, how many more sections of this article
    /// matched but are not shown; otherwise 0.
    pub more_in_article: u64,
}

/// The article of a [`Hit`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ArticleRef {
    /// The article id: its path relative to the indexed folder.
    pub id: String,
    /// The article title.
    pub title: String,
    /// The path of the article's file as it was indexed.
    pub source: String,
}

/// The section of a [`Hit`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SectionRef {
    /// The headings from the top level down.
    pub path: Vec<String>,
    /// The headings joined with `" › "`.
    pub label: String,
    /// The anchor slug, unique within the article.
    pub anchor: String,
    /// The section's position in the article, from 0.
    pub ordinal: u64,
}

/// A query word once analysed, and the index terms it stands for.
struct Word {
    /// Its terms as the index has them (stemmed); several for a phrase.
    terms: Vec<String>,
    exclude: bool,
    scope: Option<Scope>,
    /// For `prefix*` words: the index terms that start with the prefix.
    prefixed: Option<Vec<String>>,
    /// The word as typed, lower-cased, and how many typos it may have.
    raw: String,
    budget: u8,
    /// Index terms within the word's typo budget, with their distance;
    /// looked up only when exact matches do not fill the page.
    typos: Vec<(String, u8)>,
    /// Whether `typos` has been looked up (it may have found none).
    looked_up: bool,
}

/// A section found by one of the tiers.
#[derive(Clone, Copy)]
struct Candidate {
    address: DocAddress,
    score: Score,
    exact: bool,
}

/// The most typos looked for in a word the corpus has as typed: such a word
/// was more likely meant, and a second edit away from a real word mostly
/// reaches unrelated ones. On the relevance benchmark this keeps MRR@10
/// (clean 0.717, typo'd 0.653, against 0.715 and 0.652 with two) and cuts
/// the mean latency by an eighth; dropping typos for such words altogether
/// loses relevance (0.711, 0.643).
const KNOWN_WORD_TYPOS: u8 = 1;

impl Index {
    /// Searches the index for `query` (see the query language in README.md).
    ///
    /// Every option of `quire search` is a field of [`SearchOptions`]:
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use quire::{Index, IndexOptions, SearchOptions};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let gout = dir.path().join("gout.txt");
    /// std::fs::write(&gout, "Gout\n\nCause\n\nUric acid crystals in a joint.\n\n\
    ///     Treatment\n\nDrugs lower uric acid; colchicine eases an attack.\n")?;
    /// quire::build_index(dir.path().join("index"), &[gout], &IndexOptions::default())?;
    /// let index = Index::open(dir.path().join("index"))?;
    ///
    /// let options = SearchOptions {
    ///     limit: 5,                              // --limit
    ///     offset: 0,                             // --offset
    ///     snippet_chars: 80,                     // --snippet-chars
    ///     snippets: 2,                           // --snippets
    ///     exact: false,                          // --exact (no typos)
    ///     article: Some("gout.txt".into()),      // --article (id or title)
    ///     section: Some("treat".into()),         // --section (label prefix)
    ///     per_article: Some(3),                  // --per-article
    /// };
    /// // A typo ("colchicne"), a stem ("attacks") and a phrase.
    /// let results = index.search("colchicne attacks \"uric acid\"", &options)?;
    /// assert_eq!(results.total_hits, 1);
    /// let hit = &results.hits[0];
    /// assert_eq!((hit.section.label.as_str(), hit.exact), ("Treatment", false));
    /// let snippet = &hit.snippets[0];
    /// let marked: Vec<&str> = snippet.highlights.iter().map(|h| &snippet.text[h.start..h.end]).collect();
    /// assert_eq!(marked, ["uric", "acid", "colchicine", "attack"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Query`] when the query has no word to search for (it is
    /// empty, only punctuation, or only excludes words).
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let mut analyzer = self.analyzer()?;
        let mut words = self.analyse(&searcher, &mut analyzer, query::parse(query), options)?;
        if words.iter().all(|w| w.exclude) {
            let reason = if words.is_empty() && query.chars().any(char::is_alphanumeric) {
                // The analyzer drops tokens over 40 bytes: a long word, or
                // unbroken Chinese or Japanese text, which it cannot split.
                "has no words quire can search: words over 40 bytes (such as unbroken Chinese or Japanese text) are not indexed"
            } else if words.is_empty() {
                "has no words to search for"
            } else {
                "only excludes words: add a word to search for"
            };
            return Err(Error::Query(format!(
                "the query {:?} {reason}",
                query.trim()
            )));
        }
        let filters = self.filters(options);
        let wanted = words.iter().filter(|w| !w.exclude).count();

        let want = options.offset + options.limit.max(1);
        let mut relaxed = false;
        let (mut tiers, mut total, mut best) = self.run_tiers(
            &searcher,
            &mut analyzer,
            &mut words,
            Occur::Must,
            &filters,
            want,
        )?;
        if total == 0 && wanted > 1 {
            (tiers, total, best) = self.run_tiers(
                &searcher,
                &mut analyzer,
                &mut words,
                Occur::Should,
                &filters,
                want,
            )?;
            relaxed = total > 0;
        }

        let (page, more) = match options.per_article {
            None => (best, HashMap::new()),
            Some(n) => self.collect_per_article(&searcher, &tiers, want, n.max(1))?,
        };

        let highlight: HashSet<String> = words
            .iter()
            .filter(|w| !w.exclude && matches!(w.scope, None | Some(Scope::Body)))
            .flat_map(|w| {
                let expanded = w.prefixed.iter().flatten().cloned();
                let typos = w.typos.iter().map(|(t, _)| t.clone());
                w.terms.iter().cloned().chain(expanded).chain(typos)
            })
            .collect();
        let mut hits = Vec::with_capacity(options.limit);
        let mut marks = snippet::Marks::new(&highlight);
        let made_with = Page {
            searcher: &searcher,
            options,
        };
        for (i, candidate) in page.into_iter().enumerate().skip(options.offset) {
            let stored = self
                .sections
                .get(self.fields, &searcher, candidate.address)
                .map_err(|e| Error::from_tantivy(e, &self.dir))?;
            let mut hit = self.hit(&made_with, i + 1, candidate, stored, &mut marks);
            if options.per_article.is_some() {
                hit.more_in_article = more.get(&candidate.address).copied().unwrap_or(0);
            }
            hits.push(hit);
        }
        let suggestion = if total == 0 {
            // Words already looked up within two typos come from the cache.
            self.suggest(&searcher, query)?
        } else {
            None
        };
        Ok(SearchResults {
            schema_version: SCHEMA_VERSION,
            query: query.to_string(),
            total_hits: total as u64,
            relaxed,
            offset: options.offset,
            hits,
            suggestion,
        })
    }

    /// The query with each plain word the corpus does not have replaced by
    /// the nearest word it has (two edits at most, the most frequent of the
    /// nearest), or `None` when no word could be replaced.
    fn suggest(&self, searcher: &Searcher, query: &str) -> Result<Option<String>> {
        let mut plain = crate::text::lowercase_words();
        let mut changed = false;
        let mut out = Vec::new();
        for clause in query::parse(query) {
            let raw = crate::text::terms(&mut plain, &clause.text);
            let replacement = match &raw[..] {
                [word]
                    if !clause.exclude
                        && !clause.phrase
                        && !clause.prefix
                        && word.chars().count() >= 3 =>
                {
                    if expand::contains(searcher, self.fields.words, word)? {
                        None
                    } else {
                        self.typos
                            .fuzzy(searcher, self.fields.words, word, 2)?
                            .first()
                            .map(|(w, _)| w.clone())
                    }
                }
                _ => None,
            };
            match replacement {
                Some(word) => {
                    changed = true;
                    out.push(word);
                }
                None => out.push(display_clause(&clause)),
            }
        }
        Ok(changed.then(|| out.join(" ")))
    }

    fn analyzer(&self) -> Result<TextAnalyzer> {
        self.inner
            .tokenizer_for_field(self.fields.body)
            .map_err(|e| Error::from_tantivy(e, &self.dir))
    }

    /// Analyses each clause into its terms (dropping those with none) and
    /// expands prefixes and typos against the index.
    fn analyse(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        clauses: Vec<Clause>,
        options: &SearchOptions,
    ) -> Result<Vec<Word>> {
        let mut plain = crate::text::lowercase_words();
        let mut words = Vec::new();
        for clause in clauses {
            let raw = crate::text::terms(&mut plain, &clause.text);
            let words_field = [self.fields.words];
            if clause.prefix && raw.len() == 1 {
                let real = expand::prefixed(searcher, &words_field, &raw[0])?;
                let mut stems: Vec<String> = Vec::new();
                for word in real {
                    for stem in crate::text::terms(analyzer, &word) {
                        if !stems.contains(&stem) {
                            stems.push(stem);
                        }
                    }
                }
                words.push(Word {
                    raw: raw[0].clone(),
                    terms: raw,
                    exclude: clause.exclude,
                    scope: clause.scope,
                    prefixed: Some(stems),
                    budget: 0,
                    typos: vec![],
                    looked_up: false,
                });
                continue;
            }
            let terms = crate::text::terms(analyzer, &clause.text);
            if terms.is_empty() {
                continue;
            }
            let budget = match (&raw[..], &terms[..]) {
                ([word], [_]) if !options.exact && !clause.exclude && !clause.phrase => {
                    expand::allowed_typos(word)
                }
                _ => 0,
            };
            words.push(Word {
                terms,
                exclude: clause.exclude,
                scope: clause.scope,
                prefixed: None,
                raw: raw.into_iter().next().unwrap_or_default(),
                budget,
                typos: vec![],
                looked_up: false,
            });
        }
        Ok(words)
    }

    /// Looks up every word's typo'd variants: the real words of the corpus
    /// within its budget, stemmed. Returns whether any word has some.
    fn expand_typos(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        words: &mut [Word],
    ) -> Result<bool> {
        let words_field = [self.fields.words];
        for word in words.iter_mut().filter(|w| w.budget > 0 && !w.looked_up) {
            word.looked_up = true;
            if word.budget > KNOWN_WORD_TYPOS
                && expand::contains(searcher, words_field[0], &word.raw)?
            {
                word.budget = KNOWN_WORD_TYPOS;
            }
            let found = self
                .typos
                .fuzzy(searcher, self.fields.words, &word.raw, word.budget)?;
            for (real, distance) in found.iter() {
                let (real, distance) = (real.as_str(), *distance);
                for stem in crate::text::terms(analyzer, real) {
                    if stem == word.terms[0] {
                        continue;
                    }
                    match word.typos.iter_mut().find(|(t, _)| *t == stem) {
                        Some((_, d)) => *d = (*d).min(distance),
                        None => word.typos.push((stem, distance)),
                    }
                }
            }
        }
        // Whether any word has variants, found now or by an earlier call
        // (the all-words pass, before a relaxed one).
        let any = words.iter().any(|w| !w.exclude && !w.typos.is_empty());
        Ok(any)
    }

    /// Searches the tiers: the exact tier alone when it fills the page
    /// (`want`), else the exact tier and then the typo tier. Returns the
    /// tiers, how many sections they match, and the best `want` sections
    /// (each tier's top and its count come from one pass).
    fn run_tiers(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        words: &mut [Word],
        occur: Occur,
        filters: &[Box<dyn Query>],
        want: usize,
    ) -> Result<(Vec<BooleanQuery>, usize, Vec<Candidate>)> {
        let exact = self.tier(words, occur, filters, false);
        let (top, count) = self.top_and_count(searcher, &exact, want)?;
        let mut best: Vec<Candidate> = top
            .into_iter()
            .map(|(score, address)| Candidate {
                address,
                score,
                exact: true,
            })
            .collect();
        if count >= want || !self.expand_typos(searcher, analyzer, words)? {
            return Ok((vec![exact], count, best));
        }
        let typos = self.tier(words, occur, filters, true);
        // The typo tier finds the exact sections again: ask for enough to
        // fill the page without them.
        let (top, count) = self.top_and_count(searcher, &typos, want + best.len())?;
        let seen: HashSet<DocAddress> = best.iter().map(|c| c.address).collect();
        for (score, address) in top {
            if best.len() < want && !seen.contains(&address) {
                best.push(Candidate {
                    address,
                    score,
                    exact: false,
                });
            }
        }
        Ok((vec![exact, typos], count, best))
    }

    fn top_and_count(
        &self,
        searcher: &Searcher,
        query: &BooleanQuery,
        n: usize,
    ) -> Result<(Vec<(Score, DocAddress)>, usize)> {
        searcher
            .search_with_statistics_provider(
                query,
                &(TopDocs::with_limit(n.max(1)).order_by_score(), Count),
                &self.statistics.provider(searcher),
            )
            .map_err(|e| Error::from_tantivy(e, &self.dir))
    }

    /// The fields a word is looked for in, with their boosts. Unscoped
    /// words look in the title and the body (which holds the headings too);
    /// the headings' own bonus is added per section by [`Index::tier`].
    fn fields_for(&self, scope: Option<Scope>) -> Vec<(Field, f32)> {
        let f = self.fields;
        match scope {
            None => vec![(f.title, TITLE_BOOST), (f.body, 1.0)],
            Some(Scope::Title) => vec![(f.title, TITLE_BOOST)],
            Some(Scope::Section) => vec![(f.headings, HEADINGS_BOOST)],
            Some(Scope::Body) => vec![(f.body, 1.0)],
        }
    }

    /// The queries for `--article` and `--section`.
    fn filters(&self, options: &SearchOptions) -> Vec<Box<dyn Query>> {
        let f = self.fields;
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        if let Some(article) = &options.article {
            let by_id = TermQuery::new(
                Term::from_field_text(f.article_id, article.trim()),
                IndexRecordOption::Basic,
            );
            let by_title = TermQuery::new(
                Term::from_field_text(f.title_key, &crate::text::fold(article)),
                IndexRecordOption::Basic,
            );
            filters.push(Box::new(BooleanQuery::new(vec![
                (Occur::Should, Box::new(by_id) as Box<dyn Query>),
                (Occur::Should, Box::new(by_title)),
            ])));
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

    fn tier(
        &self,
        words: &[Word],
        occur: Occur,
        filters: &[Box<dyn Query>],
        typos: bool,
    ) -> BooleanQuery {
        let wanted: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .filter(|w| !w.exclude)
            .map(|w| (occur, self.word_query(w, typos)))
            .collect();
        let mut parts: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(wanted)))];
        // The heading bonus: a section whose own headings hold every
        // unscoped word is what a query naming a topic is after.
        let headings = [(self.fields.headings, HEADINGS_BOOST)];
        let in_headings: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .filter(|w| !w.exclude && w.scope.is_none())
            .map(|w| (Occur::Must, self.word_query_in(w, &headings, typos)))
            .collect();
        if !in_headings.is_empty() {
            parts.push((Occur::Should, Box::new(BooleanQuery::new(in_headings))));
        }
        for w in words.iter().filter(|w| w.exclude) {
            parts.push((Occur::MustNot, self.word_query(w, false)));
        }
        for filter in filters {
            parts.push((Occur::Must, filter.box_clone()));
        }
        BooleanQuery::new(parts)
    }

    /// One word in every field of its scope: its own terms, or the terms
    /// its prefix stands for, plus (in the typo tier) its typo'd variants,
    /// weighted down by distance.
    fn word_query(&self, word: &Word, typos: bool) -> Box<dyn Query> {
        self.word_query_in(word, &self.fields_for(word.scope), typos)
    }

    /// [`Index::word_query`] in the given fields.
    fn word_query_in(&self, word: &Word, fields: &[(Field, f32)], typos: bool) -> Box<dyn Query> {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(field, boost) in fields {
            let mut add = |query: Box<dyn Query>, weight: f32| {
                alternatives.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(query, boost * weight)),
                ));
            };
            match &word.prefixed {
                Some(terms) => {
                    for t in terms {
                        add(term_query(field, t), 1.0);
                    }
                }
                None => add(field_query(field, &word.terms), 1.0),
            }
            if typos {
                for (t, distance) in &word.typos {
                    add(term_query(field, t), 1.0 / (1.0 + f32::from(*distance)));
                }
            }
        }
        if alternatives.is_empty() {
            return Box::new(EmptyQuery);
        }
        Box::new(BooleanQuery::new(alternatives))
    }

    fn top(
        &self,
        searcher: &Searcher,
        query: &BooleanQuery,
        n: usize,
    ) -> Result<Vec<(Score, DocAddress)>> {
        searcher
            .search_with_statistics_provider(
                query,
                &TopDocs::with_limit(n.max(1)).order_by_score(),
                &self.statistics.provider(searcher),
            )
            .map_err(|e| Error::from_tantivy(e, &self.dir))
    }

    /// The best `want` sections: every section of a tier before any of the
    /// next, each tier by score.
    fn collect(
        &self,
        searcher: &Searcher,
        tiers: &[BooleanQuery],
        want: usize,
    ) -> Result<Vec<Candidate>> {
        let mut merged: Vec<Candidate> = Vec::new();
        let mut seen = HashSet::new();
        for (i, tier) in tiers.iter().enumerate() {
            if merged.len() >= want {
                break;
            }
            // A later tier finds the earlier tiers' sections again: ask for
            // enough to still fill the page without them.
            for (score, address) in self.top(searcher, tier, want + merged.len())? {
                if merged.len() < want && seen.insert(address) {
                    merged.push(Candidate {
                        address,
                        score,
                        exact: i == 0,
                    });
                }
            }
        }
        Ok(merged)
    }

    /// Like [`Index::collect`], keeping at most `per_article` sections of
    /// each article; also returns, for each kept section that is the last
    /// kept of its article, how many of that article's matching sections
    /// were left out.
    fn collect_per_article(
        &self,
        searcher: &Searcher,
        tiers: &[BooleanQuery],
        want: usize,
        per_article: usize,
    ) -> Result<(Vec<Candidate>, HashMap<DocAddress, u64>)> {
        let all = tiers.last().expect("a tier");
        let matched = searcher
            .search(all, &ArticleCounts)
            .map_err(|e| Error::from_tantivy(e, &self.dir))?;
        let total: usize = matched.values().map(|&n| n as usize).sum();
        let mut fetch = want * 4;
        loop {
            let candidates = self.collect(searcher, tiers, fetch)?;
            let exhausted = candidates.len() >= total || candidates.len() < fetch;
            let mut kept: Vec<(Candidate, u64)> = Vec::new();
            let mut per: HashMap<u64, usize> = HashMap::new();
            for c in candidates {
                let key = self.article_key_of(searcher, c.address)?;
                let n = per.entry(key).or_default();
                if *n < per_article {
                    *n += 1;
                    kept.push((c, key));
                }
            }
            if kept.len() >= want || exhausted {
                kept.truncate(want);
                // The counts go on the last kept section of each article.
                let mut shown: HashMap<u64, u64> = HashMap::new();
                let mut last: HashMap<u64, DocAddress> = HashMap::new();
                for (c, key) in &kept {
                    *shown.entry(*key).or_default() += 1;
                    last.insert(*key, c.address);
                }
                let more = last
                    .into_iter()
                    .map(|(key, address)| {
                        let all = matched.get(&key).copied().unwrap_or(0);
                        (address, all.saturating_sub(shown[&key]))
                    })
                    .collect();
                return Ok((kept.into_iter().map(|(c, _)| c).collect(), more));
            }
            fetch *= 2;
        }
    }

    /// The snippets of a hit's text. A long section's matches are located
    /// through the index's positions and the section's checkpoints, so
    /// that only the stretches around them are read.
    fn snippets(
        &self,
        page: &Page,
        address: DocAddress,
        stored: &StoredSection,
        marks: &mut snippet::Marks,
    ) -> Vec<Snippet> {
        let Page { searcher, options } = *page;
        let count = options.snippets.max(1);
        let text = &stored.text;
        if let Some(checkpoints) = &stored.checkpoints
            && let Some(positions) = self.text_positions(searcher, address, stored, marks)
            && let Some(snippets) = snippet::make_many_located(
                text,
                checkpoints,
                &positions,
                marks,
                options.snippet_chars,
                count,
            )
        {
            return snippets;
        }
        snippet::make_many(text, marks, options.snippet_chars, count)
    }

    /// Where the `terms` occur in a section's text, as token positions
    /// with a term number each, read from the `body` field's positions
    /// (which count the headings first).
    fn text_positions(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        stored: &StoredSection,
        marks: &snippet::Marks,
    ) -> Option<Vec<(u32, usize)>> {
        let body = self.fields.body;
        let inverted = searcher
            .segment_reader(address.segment_ord)
            .inverted_index(body)
            .ok()?;
        // Heading words come first in `body` (see `Writer::add_article`).
        let heading_tokens: usize = stored
            .section
            .path
            .iter()
            .map(|heading| snippet::count_tokens(heading))
            .sum();
        let heading_tokens = u32::try_from(heading_tokens).ok()?;
        let mut out = Vec::new();
        let mut buffer = Vec::new();
        for (term, id) in marks.terms() {
            let term = Term::from_field_text(body, term);
            let Some(mut postings) = inverted
                .read_postings(&term, IndexRecordOption::WithFreqsAndPositions)
                .ok()?
            else {
                continue;
            };
            if postings.seek(address.doc_id) != address.doc_id {
                continue;
            }
            buffer.clear();
            postings.positions(&mut buffer);
            out.extend(
                buffer
                    .iter()
                    .filter_map(|&p| p.checked_sub(heading_tokens))
                    .map(|p| (p, id)),
            );
        }
        Some(out)
    }

    fn article_key_of(&self, searcher: &Searcher, address: DocAddress) -> Result<u64> {
        let segment = searcher.segment_reader(address.segment_ord);
        let column = segment
            .fast_fields()
            .u64(schema::names::ARTICLE_KEY)
            .map_err(|e| Error::from_tantivy(e, &self.dir))?;
        Ok(column.first(address.doc_id).unwrap_or(0))
    }

    fn hit(
        &self,
        page: &Page,
        rank: usize,
        candidate: Candidate,
        stored: Arc<StoredSection>,
        marks: &mut snippet::Marks,
    ) -> Hit {
        let snippets = self.snippets(page, candidate.address, &stored, marks);
        Hit {
            rank,
            score: candidate.score,
            exact: candidate.exact,
            article: stored.article.clone(),
            section: stored.section.clone(),
            snippets,
            more_in_article: 0,
        }
    }
}

/// What a section's document stores: its article, the section, its text,
/// and the text's checkpoints (long sections only).
#[derive(Default)]
pub(crate) struct StoredSection {
    pub article: ArticleRef,
    pub section: SectionRef,
    pub text: String,
    pub checkpoints: Option<Vec<u8>>,
}

impl StoredSection {
    /// Reads the section stored at `address`.
    ///
    /// Each value is copied once, out of the decompressed block: tantivy's
    /// own document type would copy the text into its compact buffer and
    /// then out again, which was a tenth of a served search's time.
    pub(crate) fn read(
        f: schema::Fields,
        searcher: &Searcher,
        address: DocAddress,
    ) -> tantivy::Result<StoredSection> {
        let StoredValues(values) = searcher.doc(address)?;
        let mut stored = StoredSection::default();
        // Single values keep the first one stored, as `get_first` would.
        let set = |slot: &mut String, value: String| {
            if slot.is_empty() {
                *slot = value;
            }
        };
        for (field, value) in values {
            match value {
                OwnedValue::Str(value) => match field {
                    _ if field == f.article_id => set(&mut stored.article.id, value),
                    _ if field == f.title => set(&mut stored.article.title, value),
                    _ if field == f.source => set(&mut stored.article.source, value),
                    _ if field == f.headings => stored.section.path.push(value),
                    _ if field == f.label => set(&mut stored.section.label, value),
                    _ if field == f.anchor => set(&mut stored.section.anchor, value),
                    _ if field == f.text => set(&mut stored.text, value),
                    _ => {}
                },
                OwnedValue::U64(value) if field == f.ordinal => stored.section.ordinal = value,
                OwnedValue::Bytes(value) if field == f.checkpoints => {
                    stored.checkpoints.get_or_insert(value);
                }
                _ => {}
            }
        }
        Ok(stored)
    }
}

/// A stored document as the values it holds, in stored order.
struct StoredValues(Vec<(Field, OwnedValue)>);

impl DocumentDeserialize for StoredValues {
    fn deserialize<'de, D>(mut deserializer: D) -> std::result::Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let mut values = Vec::with_capacity(deserializer.size_hint());
        while let Some(value) = deserializer.next_field::<OwnedValue>()? {
            values.push(value);
        }
        Ok(StoredValues(values))
    }
}

/// What every hit of a page is made with.
#[derive(Clone, Copy)]
struct Page<'a> {
    searcher: &'a Searcher,
    options: &'a SearchOptions,
}

/// Counts matching sections per article key.
struct ArticleCounts;

struct SegmentArticleCounts {
    column: Option<tantivy::columnar::Column<u64>>,
    counts: HashMap<u64, u64>,
}

impl Collector for ArticleCounts {
    type Fruit = HashMap<u64, u64>;
    type Child = SegmentArticleCounts;

    fn for_segment(
        &self,
        _: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentArticleCounts> {
        Ok(SegmentArticleCounts {
            column: segment.fast_fields().u64(schema::names::ARTICLE_KEY).ok(),
            counts: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<u64, u64>>) -> tantivy::Result<HashMap<u64, u64>> {
        let mut all = HashMap::new();
        for fruit in fruits {
            for (k, n) in fruit {
                *all.entry(k).or_default() += n;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentArticleCounts {
    type Fruit = HashMap<u64, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(key) = self.column.as_ref().and_then(|c| c.first(doc)) {
            *self.counts.entry(key).or_default() += 1;
        }
    }

    fn harvest(self) -> HashMap<u64, u64> {
        self.counts
    }
}

/// A clause as the user could type it again.
fn display_clause(clause: &Clause) -> String {
    let scope = match clause.scope {
        Some(Scope::Title) => "title:",
        Some(Scope::Section) => "section:",
        Some(Scope::Body) => "body:",
        None => "",
    };
    let sign = if clause.exclude { "-" } else { "" };
    let star = if clause.prefix { "*" } else { "" };
    if clause.phrase {
        format!("{sign}{scope}\"{}\"", clause.text)
    } else {
        format!("{sign}{scope}{}{star}", clause.text)
    }
}

/// A `--section` value as a `label_key` prefix: `>` and `/` between
/// headings read as `›`, case and white space folded.
fn section_prefix(section: &str) -> String {
    let parts: Vec<&str> = section.split(['›', '>']).map(str::trim).collect();
    crate::text::fold(&parts.join(crate::article::LABEL_SEPARATOR))
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
    Box::new(TermQuery::new(
        Term::from_field_text(field, term),
        IndexRecordOption::WithFreqs,
    ))
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
        Box::new(PhraseQuery::new(terms))
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
