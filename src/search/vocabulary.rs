//! The query's vocabulary: which of its words are stop words, and which of
//! its words and phrases have synonyms. Both come from the search rules the
//! index was last built with (`store::payload`), or quire's built-in ones.
//!
//! Stop words are matched as typed (lower-cased, not stemmed: `does` is a
//! stop word, `doe` is not), English ones and those of every other
//! language the index holds articles in; synonyms as the index analyses
//! them, so that `spasms` finds the group of `hemifacial spasm`.

use std::sync::{Arc, Mutex};

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::Searcher;
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;

use super::held;

use crate::analysis::analyzers::{LANGUAGE, terms};
use crate::ingest::rules::SearchRules;
use crate::store::open::Store;

/// The stop words and synonyms of one index, ready to apply.
#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    /// Stop words of the index's languages, lower case.
    stop_words: FxHashSet<String>,
    /// The languages of the index's articles (the terms of its `lang`
    /// field), in order.
    languages: Vec<String>,
    /// Each group's entries, as index terms; entries with no term dropped.
    groups: Vec<Vec<Vec<String>>>,
    /// For each term that starts an entry, the groups with such entries.
    starting: FxHashMap<String, Vec<usize>>,
}

/// A run of the query's words that a synonym group has, and what else the
/// group says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Synonym {
    /// The first word of the run, as an index into the query's words.
    pub(crate) first: usize,
    /// How many words the run has.
    pub(crate) len: usize,
    /// The group's other entries, as index terms (several for a phrase).
    pub(crate) alternatives: Vec<Vec<String>>,
}

impl Vocabulary {
    /// The vocabulary of `rules` for an index of articles in `languages`,
    /// synonyms analysed by `analyzer`.
    pub(crate) fn new(
        rules: &SearchRules,
        analyzer: &mut TextAnalyzer,
        languages: Vec<String>,
    ) -> Vocabulary {
        let stop_words = rules
            .stop_words
            .iter()
            .filter(|(language, _)| *language == LANGUAGE || languages.contains(language))
            .flat_map(|(_, words)| words)
            .map(|w| w.to_lowercase())
            .collect();
        let groups = rules
            .synonyms
            .iter()
            .map(|group| {
                let mut entries: Vec<Vec<String>> = Vec::new();
                for entry in group {
                    let entry = terms(analyzer, entry);
                    if !entry.is_empty() && !entries.contains(&entry) {
                        entries.push(entry);
                    }
                }
                entries
            })
            .filter(|entries| entries.len() > 1)
            .collect::<Vec<Vec<Vec<String>>>>();
        let mut starting: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for (i, group) in groups.iter().enumerate() {
            for entry in group {
                let with = starting.entry(entry[0].clone()).or_default();
                if with.last() != Some(&i) {
                    with.push(i);
                }
            }
        }
        Vocabulary {
            stop_words,
            languages,
            groups,
            starting,
        }
    }

    /// The languages of the index's articles, in order.
    pub(crate) fn languages(&self) -> &[String] {
        &self.languages
    }

    /// Whether `word` (one word as typed, lower case) is a stop word.
    pub(crate) fn is_stop(&self, word: &str) -> bool {
        self.stop_words.contains(word)
    }

    /// The runs of `words` (each query word's terms; `None` for a word no
    /// synonym may replace: quoted, scoped, excluded or a prefix) that a
    /// group has, longest first where runs overlap, each word in one run at
    /// most.
    pub(crate) fn synonyms(&self, words: &[Option<&[String]>]) -> Vec<Synonym> {
        let mut found: Vec<Synonym> = Vec::new();
        let mut taken = vec![false; words.len()];
        // No run is longer than the longest entry, in terms (a word has
        // one at least): a long query costs its length times that.
        let longest = self
            .groups
            .iter()
            .flatten()
            .map(Vec::len)
            .max()
            .unwrap_or(0);
        // Longest runs first: `hemifacial spasm` before `spasm`.
        for len in (1..=longest.min(words.len())).rev() {
            for first in 0..=words.len() - len {
                if taken[first..first + len].iter().any(|t| *t) {
                    continue;
                }
                let Some(run) = words[first..first + len]
                    .iter()
                    .copied()
                    .collect::<Option<Vec<&[String]>>>()
                else {
                    continue;
                };
                let run: Vec<&String> = run.into_iter().flatten().collect();
                let Some(candidates) = run.first().and_then(|t| self.starting.get(*t)) else {
                    continue;
                };
                let mut alternatives: Vec<Vec<String>> = Vec::new();
                for group in candidates.iter().map(|&g| &self.groups[g]) {
                    if !group.iter().any(|e| e.iter().eq(run.iter().copied())) {
                        continue;
                    }
                    for entry in group {
                        if !entry.iter().eq(run.iter().copied()) && !alternatives.contains(entry) {
                            alternatives.push(entry.clone());
                        }
                    }
                }
                if !alternatives.is_empty() {
                    taken[first..first + len].fill(true);
                    found.push(Synonym {
                        first,
                        len,
                        alternatives,
                    });
                }
            }
        }
        found.sort_by_key(|s| s.first);
        found
    }
}

/// The vocabulary of the commit a search reads, remembered until the next
/// commit (which may carry other rules).
#[derive(Default)]
pub(crate) struct VocabularyCache {
    remembered: Mutex<Option<(u64, Arc<Vocabulary>)>>,
}

impl VocabularyCache {
    /// The vocabulary for the searcher generation `generation` of `store`.
    pub(crate) fn get(
        &self,
        store: &Store,
        searcher: &Searcher,
    ) -> tantivy::Result<Arc<Vocabulary>> {
        let generation = searcher.generation().generation_id();
        if let Some((g, vocabulary)) = &*self.lock()
            && *g == generation
        {
            return Ok(vocabulary.clone());
        }
        // The last commit's rules: at worst a commit newer than the
        // searcher's, which has the rules that are about to apply.
        let committed = store.committed(generation)?;
        let rules = &committed.rules;
        let mut analyzer = store.inner.tokenizer_for_field(store.fields.body)?;
        let languages = languages_held(searcher, store.fields.lang)?;
        let vocabulary = Arc::new(Vocabulary::new(rules, &mut analyzer, languages));
        *self.lock() = Some((generation, vocabulary.clone()));
        Ok(vocabulary)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(u64, Arc<Vocabulary>)>> {
        self.remembered.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The languages of the articles `searcher` sees (the terms of the `lang`
/// field), in order.
fn languages_held(searcher: &Searcher, field: Field) -> tantivy::Result<Vec<String>> {
    let mut held: Vec<String> = Vec::new();
    for segment in searcher.segment_readers() {
        let Some(inverted) = held::postings(segment, field)? else {
            continue;
        };
        let mut terms = inverted.terms().stream()?;
        while terms.advance() {
            if let Ok(code) = std::str::from_utf8(terms.key())
                && !held.iter().any(|h| h == code)
            {
                held.push(code.to_string());
            }
        }
    }
    held.sort();
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyzers::cached_en_stem;
    use crate::ingest::rules::Rules;

    fn vocabulary(toml: &str) -> Vocabulary {
        let mut rules = Rules::default();
        rules.extend_from_str(toml).unwrap();
        Vocabulary::new(&rules.search_rules(), &mut cached_en_stem(), vec![])
    }

    fn words(text: &str) -> Vec<Vec<String>> {
        text.split_whitespace()
            .map(|w| terms(&mut cached_en_stem(), w))
            .collect()
    }

    #[test]
    fn stop_words_of_the_languages_the_index_holds() {
        let rules = Rules::default().search_rules();
        let english = Vocabulary::new(&rules, &mut cached_en_stem(), vec!["en".into()]);
        assert!(english.is_stop("the") && !english.is_stop("wie"));
        let both = Vocabulary::new(
            &rules,
            &mut cached_en_stem(),
            vec!["de".into(), "en".into()],
        );
        assert!(both.is_stop("the") && both.is_stop("wie") && !both.is_stop("paket"));
        // German negations never are.
        assert!(!both.is_stop("nicht"));
        assert_eq!(both.languages(), ["de", "en"]);
    }

    #[test]
    fn stop_words_are_the_languages_own() {
        let v = vocabulary("[stop_words]\nen = [\"Please\"]\nfr = [\"le\"]");
        assert!(v.is_stop("what") && v.is_stop("please"));
        assert!(!v.is_stop("le"), "another language's list");
        assert!(!v.is_stop("not") && !v.is_stop("no"));
        assert!(!v.is_stop("doe"), "matched as typed, not stemmed");
    }

    #[test]
    fn synonyms_match_runs_of_words_both_ways() {
        let v = vocabulary(
            "synonyms = [[\"hemifacial spasm\", \"facial twitching\"], [\"MVD\", \
             \"microvascular decompression\"], [\"spasm\", \"cramp\"]]",
        );
        let query = words("Hemifacial spasms after mvd");
        let refs: Vec<Option<&[String]>> = query.iter().map(|w| Some(&w[..])).collect();
        let found = v.synonyms(&refs);
        assert_eq!(found.len(), 2, "{found:?}");
        // The longer run wins over `spasm` alone.
        assert_eq!((found[0].first, found[0].len), (0, 2));
        assert_eq!(found[0].alternatives, [["facial", "twitch"]]);
        assert_eq!((found[1].first, found[1].len), (3, 1));
        assert_eq!(found[1].alternatives, [["microvascular", "decompress"]]);

        // The other way round, and a word no synonym may replace.
        let query = words("microvascular decompression spasm");
        let mut refs: Vec<Option<&[String]>> = query.iter().map(|w| Some(&w[..])).collect();
        assert_eq!(v.synonyms(&refs)[0].alternatives, [["mvd"]]);
        assert_eq!(v.synonyms(&refs)[1].alternatives, [["cramp"]]);
        refs[1] = None;
        let found = v.synonyms(&refs);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].first, 2);
        assert!(Vocabulary::default().synonyms(&refs).is_empty());
    }
}
