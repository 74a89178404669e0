//! The queries a search runs: one per tier, built from the analysed words,
//! with the field boosts and the `--article` / `--section` filters.
//!
//! Each word is looked for in the section's body (its headings and text,
//! one BM25 score, as SQLite FTS5 scores a row) and in the article title (a
//! small boost, [`TITLE_BOOST`]). A section whose own headings hold every
//! word gets a bonus ([`HEADINGS_BOOST`]), so that a query naming a topic
//! lands on the section about it. In the typo tier a typo'd variant counts
//! less the further it is from the word typed.

use std::ops::Bound;

use tantivy::query::{
    BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};

use super::options::SearchOptions;
use super::query::Scope;
use super::words::Word;
use crate::analysis::tokens::fold;
use crate::ingest::article::LABEL_SEPARATOR;
use crate::store::schema::Fields;

/// How much a match in the article title counts against one in the body.
///
/// Both boosts were chosen with the relevance benchmark
/// (`bench/relevance.rs`): body-word queries lose from large title and
/// heading boosts, queries that name a section gain from a heading bonus.
pub const TITLE_BOOST: f32 = 0.3;
/// How much more a section counts when its own headings hold every word of
/// the query (the headings also count as ordinary words of the section).
pub const HEADINGS_BOOST: f32 = 2.0;

/// Which words a tier matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tier {
    /// Words as typed (after stemming), prefixes expanded.
    Exact,
    /// Also the words' typo'd variants.
    Typos,
}

/// The query of one tier: every wanted word (`Occur::Must`, or
/// `Occur::Should` for the relaxed pass), the heading bonus, the excluded
/// words and the filters.
pub(crate) fn tier(
    f: Fields,
    words: &[Word],
    occur: Occur,
    filters: &[Box<dyn Query>],
    tier: Tier,
) -> BooleanQuery {
    let wanted: Vec<(Occur, Box<dyn Query>)> = words
        .iter()
        .filter(|w| !w.exclude)
        .map(|w| (occur, word_query(w, &fields_for(f, w.scope), tier)))
        .collect();
    let mut parts: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Must, Box::new(BooleanQuery::new(wanted)))];
    // The heading bonus: a section whose own headings hold every
    // unscoped word is what a query naming a topic is after.
    let headings = [(f.headings, HEADINGS_BOOST)];
    let in_headings: Vec<(Occur, Box<dyn Query>)> = words
        .iter()
        .filter(|w| !w.exclude && w.scope.is_none())
        .map(|w| (Occur::Must, word_query(w, &headings, tier)))
        .collect();
    if !in_headings.is_empty() {
        parts.push((Occur::Should, Box::new(BooleanQuery::new(in_headings))));
    }
    for w in words.iter().filter(|w| w.exclude) {
        parts.push((
            Occur::MustNot,
            word_query(w, &fields_for(f, w.scope), Tier::Exact),
        ));
    }
    for filter in filters {
        parts.push((Occur::Must, filter.box_clone()));
    }
    BooleanQuery::new(parts)
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
fn word_query(word: &Word, fields: &[(Field, f32)], tier: Tier) -> Box<dyn Query> {
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
        if tier == Tier::Typos {
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

/// The queries for `--article` and `--section`.
pub(crate) fn filters(f: Fields, options: &SearchOptions) -> Vec<Box<dyn Query>> {
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
