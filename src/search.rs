//! Searching: from a query string to ranked, labelled, typed hits.
//!
//! Each clause of the query (see [`crate::query`]) is analysed with the
//! index's own analyzer and looked for in the title, the headings and the
//! body, each field scored with BM25 and boosted ([`TITLE_BOOST`],
//! [`HEADINGS_BOOST`]) so that a section whose heading names the query
//! ranks above one that only mentions it. Every clause must match; when no
//! section matches them all, the search is run again wanting any of them,
//! and the results say so (`relaxed`).

use std::collections::HashSet;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, TantivyDocument, Term, Value};
use tantivy::tokenizer::TextAnalyzer;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::query::{self, Clause, Scope};
use crate::snippet::{self, DEFAULT_SNIPPET_CHARS, Snippet};

/// The version of the JSON results contract ([`SearchResults`]). It goes up
/// only when a field changes meaning or goes away; new fields may appear
/// without it.
pub const SCHEMA_VERSION: u32 = 1;

/// How much a match in the article title counts against one in the body.
pub const TITLE_BOOST: f32 = 1.5;
/// How much a match in the section's headings counts against one in the
/// body.
pub const HEADINGS_BOOST: f32 = 2.5;

/// The default number of hits.
pub const DEFAULT_LIMIT: usize = 10;

/// How to search.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    /// The most hits to return (at least 1).
    pub limit: usize,
    /// The longest snippet, in characters.
    pub snippet_chars: usize,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions {
            limit: DEFAULT_LIMIT,
            snippet_chars: DEFAULT_SNIPPET_CHARS,
        }
    }
}

/// The result of a search: what `quire search --json` prints.
#[derive(Clone, Debug, Serialize)]
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
    /// The best hits, best first.
    pub hits: Vec<Hit>,
}

/// One matching section.
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    /// 1 for the best hit.
    pub rank: usize,
    /// The BM25 score with field boosts; higher is better, comparable only
    /// within one search.
    pub score: f32,
    /// The article the section belongs to.
    pub article: ArticleRef,
    /// The section.
    pub section: SectionRef,
    /// Fragments of the section's text with the matched words marked.
    pub snippets: Vec<Snippet>,
}

/// The article of a [`Hit`].
#[derive(Clone, Debug, Serialize)]
pub struct ArticleRef {
    /// The article id: its path relative to the indexed folder.
    pub id: String,
    /// The article title.
    pub title: String,
    /// The path of the article's file as it was indexed.
    pub source: String,
}

/// The section of a [`Hit`].
#[derive(Clone, Debug, Serialize)]
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

/// A clause once analysed into terms.
struct Analysed {
    terms: Vec<String>,
    exclude: bool,
    scope: Option<Scope>,
}

impl Index {
    /// Searches the index for `query` (see the query language in README.md).
    ///
    /// # Errors
    ///
    /// [`Error::Query`] when the query has no word to search for (it is
    /// empty, only punctuation, or only excludes words).
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<SearchResults> {
        let mut analyzer = self.analyzer()?;
        let clauses = analyse(&mut analyzer, query::parse(query));
        if clauses.iter().all(|c| c.exclude) {
            let reason = if clauses.is_empty() {
                "has no words to search for"
            } else {
                "only excludes words: add a word to search for"
            };
            return Err(Error::Query(format!(
                "the query {:?} {reason}",
                query.trim()
            )));
        }
        let searcher = self.reader.searcher();
        let limit = options.limit.max(1);
        let collector = (TopDocs::with_limit(limit).order_by_score(), Count);
        let run = |occur| {
            searcher
                .search(&self.build_query(&clauses, occur), &collector)
                .map_err(|e| Error::from_tantivy(e, &self.dir))
        };
        let (mut top, mut total) = run(Occur::Must)?;
        let wanted = clauses.iter().filter(|c| !c.exclude).count();
        let mut relaxed = false;
        if total == 0 && wanted > 1 {
            (top, total) = run(Occur::Should)?;
            relaxed = total > 0;
        }

        let highlight: HashSet<String> = clauses
            .iter()
            .filter(|c| !c.exclude && matches!(c.scope, None | Some(Scope::Body)))
            .flat_map(|c| c.terms.iter().cloned())
            .collect();
        let mut hits = Vec::with_capacity(top.len());
        for (rank, (score, address)) in top.into_iter().enumerate() {
            let doc: TantivyDocument = searcher
                .doc(address)
                .map_err(|e| Error::from_tantivy(e, &self.dir))?;
            hits.push(self.hit(rank + 1, score, &doc, &highlight, &mut analyzer, options));
        }
        Ok(SearchResults {
            schema_version: SCHEMA_VERSION,
            query: query.to_string(),
            total_hits: total as u64,
            relaxed,
            hits,
        })
    }

    fn analyzer(&self) -> Result<TextAnalyzer> {
        self.inner
            .tokenizer_for_field(self.fields.body)
            .map_err(|e| Error::from_tantivy(e, &self.dir))
    }

    /// Every wanted clause with `occur` (must or should), every excluded
    /// one as must-not.
    fn build_query(&self, clauses: &[Analysed], occur: Occur) -> BooleanQuery {
        let f = self.fields;
        let parts = clauses
            .iter()
            .map(|clause| {
                let fields: &[(Field, f32)] = match clause.scope {
                    None => &[
                        (f.title, TITLE_BOOST),
                        (f.headings, HEADINGS_BOOST),
                        (f.body, 1.0),
                    ],
                    Some(Scope::Title) => &[(f.title, TITLE_BOOST)],
                    Some(Scope::Section) => &[(f.headings, HEADINGS_BOOST)],
                    Some(Scope::Body) => &[(f.body, 1.0)],
                };
                let per_field: Vec<(Occur, Box<dyn Query>)> = fields
                    .iter()
                    .map(|&(field, boost)| {
                        let query = field_query(field, &clause.terms);
                        let boosted: Box<dyn Query> = Box::new(BoostQuery::new(query, boost));
                        (Occur::Should, boosted)
                    })
                    .collect();
                let clause_occur = if clause.exclude {
                    Occur::MustNot
                } else {
                    occur
                };
                let query: Box<dyn Query> = Box::new(BooleanQuery::new(per_field));
                (clause_occur, query)
            })
            .collect();
        BooleanQuery::new(parts)
    }

    fn hit(
        &self,
        rank: usize,
        score: f32,
        doc: &TantivyDocument,
        highlight: &HashSet<String>,
        analyzer: &mut TextAnalyzer,
        options: &SearchOptions,
    ) -> Hit {
        let f = self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let body = text(f.body);
        Hit {
            rank,
            score,
            article: ArticleRef {
                id: text(f.article_id),
                title: text(f.title),
                source: text(f.source),
            },
            section: SectionRef {
                path: doc
                    .get_all(f.headings)
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                label: text(f.label),
                anchor: text(f.anchor),
                ordinal: doc
                    .get_first(f.ordinal)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0),
            },
            snippets: vec![snippet::make(
                &body,
                highlight,
                analyzer,
                options.snippet_chars,
            )],
        }
    }
}

/// Analyses each clause into its terms, dropping those with none.
fn analyse(analyzer: &mut TextAnalyzer, clauses: Vec<Clause>) -> Vec<Analysed> {
    clauses
        .into_iter()
        .filter_map(|c| {
            let terms = crate::text::terms(analyzer, &c.text);
            (!terms.is_empty()).then_some(Analysed {
                terms,
                exclude: c.exclude,
                scope: c.scope,
            })
        })
        .collect()
}

/// One term, or the phrase of several (a quoted phrase, or a word that the
/// analyzer splits, such as `anti-AchR`).
fn field_query(field: Field, terms: &[String]) -> Box<dyn Query> {
    if let [term] = terms {
        Box::new(TermQuery::new(
            Term::from_field_text(field, term),
            IndexRecordOption::WithFreqs,
        ))
    } else {
        let terms = terms
            .iter()
            .map(|t| Term::from_field_text(field, t))
            .collect();
        Box::new(PhraseQuery::new(terms))
    }
}
