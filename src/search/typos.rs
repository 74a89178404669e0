//! Query words that stand for several index terms: words with typos and
//! `prefix*` words, expanded against the index's own term dictionaries.
//!
//! Both are matched against the `words` field, which holds every word
//! unstemmed: a typo in a word's ending defeats the stemmer ("demonstravion"
//! keeps its ending, so its stem is far from "demonstr"), and the stem of a
//! word's beginning is not the beginning of its stem. The real words found
//! are then stemmed into the terms the searchable fields hold.
//!
//! tantivy's fuzzy query scores every match the same and reports no terms,
//! so its matches can be neither ranked by BM25 nor highlighted. Expanding
//! the word into the actual terms it reaches gives both: each term becomes
//! an ordinary BM25 term query (weighted down by its edit distance), and the
//! terms are known to the snippet highlighter.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use tantivy::Searcher;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::{Field, Term};

use super::held;

/// At most this many terms stand in for one query word.
pub(crate) const MAX_EXPANSIONS: usize = 32;

/// The most typos looked for in a word the corpus has as typed: such a word
/// was more likely meant, and a second edit away from a real word mostly
/// reaches unrelated ones. On the relevance benchmark this keeps MRR@10
/// (clean 0.717, typo'd 0.653, against 0.715 and 0.652 with two) and cuts
/// the mean latency by an eighth; dropping typos for such words altogether
/// loses relevance (0.711, 0.643).
pub(crate) const KNOWN_WORD_TYPOS: u8 = 1;

/// The typos a word may have, as Meilisearch allows them: none below 5
/// characters, one from 5, two from 9.
pub(crate) fn allowed_typos(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The terms of `fields` within `distance` edits (a transposition counts as
/// one) of `term` and with its first letter, with their distance: the
/// closest first, then the most frequent. `term` itself is not included.
pub(crate) fn fuzzy(
    searcher: &Searcher,
    fields: &[Field],
    term: &str,
    distance: u8,
) -> tantivy::Result<Vec<(String, u8)>> {
    let mut found: HashMap<String, u64> = HashMap::new();
    let first: String = term.chars().take(1).collect();
    let first_upper = prefix_upper_bound(first.as_bytes());
    for &field in fields {
        let query = FuzzyTermQuery::new(Term::from_field_text(field, term), distance, true);
        let automaton = query.automaton()?;
        for segment in searcher.segment_readers() {
            let Some(index) = held::postings(segment, field)? else {
                continue;
            };
            // The first letter must be right, as with Elasticsearch's
            // prefix_length of 1: people seldom miss it, and walking only
            // its part of the dictionary makes the lookup many times faster.
            let mut walk = index.terms().search(&automaton).ge(first.as_bytes());
            if let Some(upper) = &first_upper {
                walk = walk.lt(upper);
            }
            let mut stream = walk.into_stream()?;
            while stream.advance() {
                if let Ok(key) = std::str::from_utf8(stream.key())
                    && key != term
                {
                    *found.entry(key.to_string()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
    }
    let mut terms: Vec<(String, u8, u64)> = found
        .into_iter()
        .map(|(t, freq)| {
            let d = edit_distance(term, &t).min(usize::from(distance)) as u8;
            (t, d, freq)
        })
        .collect();
    terms.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    terms.truncate(MAX_EXPANSIONS);
    Ok(terms.into_iter().map(|(t, d, _)| (t, d)).collect())
}

/// The typo'd variants of words (what [`fuzzy`] finds in the `words`
/// field), kept for the commit they were looked up on: walking the
/// dictionary is a search's dearest step, and the words of a corpus's
/// queries repeat (Zipf). At most [`TYPO_CACHE_ENTRIES`] words; it starts
/// over when full.
#[derive(Default)]
pub(crate) struct TypoCache {
    /// By word and distance: the commit's generation and the variants.
    entries: Mutex<FxHashMap<(String, u8), (u64, Variants)>>,
}

/// Real words of the corpus near a word, with their distance to it.
pub(crate) type Variants = Arc<Vec<(String, u8)>>;

/// How many words' variants a [`TypoCache`] keeps.
pub(crate) const TYPO_CACHE_ENTRIES: usize = 4096;

impl TypoCache {
    /// [`fuzzy`] over `field` for `term`, from the cache when this commit
    /// has looked it up already.
    pub(crate) fn fuzzy(
        &self,
        searcher: &Searcher,
        field: Field,
        term: &str,
        distance: u8,
    ) -> tantivy::Result<Variants> {
        let generation = searcher.generation().generation_id();
        let key = (term.to_string(), distance);
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((seen, found)) = entries.get(&key)
                && *seen == generation
            {
                return Ok(Arc::clone(found));
            }
        }
        let found = Arc::new(fuzzy(searcher, &[field], term, distance)?);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= TYPO_CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (generation, Arc::clone(&found)));
        Ok(found)
    }
}

/// Whether any segment's dictionary of `field` holds `term`.
pub(crate) fn contains(searcher: &Searcher, field: Field, term: &str) -> tantivy::Result<bool> {
    let term = Term::from_field_text(field, term);
    for segment in searcher.segment_readers() {
        let Some(index) = held::postings(segment, field)? else {
            continue;
        };
        if index.get_term_info(&term)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The terms of `fields` that start with `prefix`, the most frequent first.
pub(crate) fn prefixed(
    searcher: &Searcher,
    fields: &[Field],
    prefix: &str,
) -> tantivy::Result<Vec<String>> {
    let mut found: HashMap<String, u64> = HashMap::new();
    let upper = prefix_upper_bound(prefix.as_bytes());
    for &field in fields {
        for segment in searcher.segment_readers() {
            let Some(index) = held::postings(segment, field)? else {
                continue;
            };
            let mut range = index.terms().range().ge(prefix.as_bytes());
            if let Some(upper) = &upper {
                range = range.lt(upper);
            }
            let mut stream = range.into_stream()?;
            while stream.advance() {
                if let Ok(key) = std::str::from_utf8(stream.key()) {
                    *found.entry(key.to_string()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
    }
    let mut terms: Vec<(String, u64)> = found.into_iter().collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    terms.truncate(MAX_EXPANSIONS);
    Ok(terms.into_iter().map(|(t, _)| t).collect())
}

/// The smallest byte string greater than every string starting with
/// `prefix`, if there is one.
fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut upper = prefix.to_vec();
    while let Some(last) = upper.pop() {
        if last < u8::MAX {
            upper.push(last + 1);
            return Some(upper);
        }
    }
    None
}

/// Optimal string alignment distance: insertions, deletions, substitutions
/// and transpositions of neighbours each cost one.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_budget_follows_word_length() {
        assert_eq!(allowed_typos("gout"), 0);
        assert_eq!(allowed_typos("spasm"), 1);
        assert_eq!(allowed_typos("Janetta"), 1);
        assert_eq!(allowed_typos("electromyografy"), 2);
        assert_eq!(allowed_typos("ménière"), 1);
    }

    #[test]
    fn edit_distance_counts_transpositions_as_one() {
        assert_eq!(edit_distance("janetta", "jannetta"), 1);
        assert_eq!(edit_distance("spasm", "sapsm"), 1);
        assert_eq!(edit_distance("electromyografi", "electromyographi"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn prefix_upper_bounds() {
        assert_eq!(prefix_upper_bound(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_upper_bound(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_upper_bound(b"\xff"), None);
    }
}
