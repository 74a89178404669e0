//! Query words once analysed: each clause of the query (see
//! [`super::query`]) turned into the index terms it stands for, with its
//! prefix and typo expansions (see [`super::typos`]).

use std::collections::HashSet;

use tantivy::Searcher;
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;

use super::query::{Clause, Scope};
use super::typos::{self, KNOWN_WORD_TYPOS, TypoCache};
use super::vocabulary::{Synonym, Vocabulary};
use crate::analysis::analyzers::{lowercase_words, terms};

/// A query word once analysed, and the index terms it stands for.
pub(crate) struct Word {
    /// Its terms as the index has them (stemmed); several for a phrase.
    pub(crate) terms: Vec<String>,
    /// Its terms as stemmed in the other languages the index holds, where
    /// they differ from `terms`: the sections of an article in German hold
    /// German stems.
    pub(crate) other_terms: Vec<InLanguages>,
    /// Whether the index holds articles in languages with stemmers of
    /// their own (their titles and headings have stems in fields of their
    /// own, where the word is looked for too).
    pub(crate) other_languages: bool,
    pub(crate) exclude: bool,
    pub(crate) scope: Option<Scope>,
    /// For `prefix*` words: the index terms that start with the prefix.
    pub(crate) prefixed: Option<Vec<String>>,
    /// For the last word of a search as the user types, completed as a
    /// prefix: its own terms, which rank above the completions.
    pub(crate) completes: Vec<String>,
    /// A stop word (see [`super::vocabulary`]): it decides neither which
    /// sections match nor how they rank, but for the words beside it.
    pub(crate) stop: bool,
    /// Whether it was quoted.
    pub(crate) phrase: bool,
    /// The word or phrase as typed.
    pub(crate) typed: String,
    /// The word as typed, lower-cased, and how many typos it may have.
    raw: String,
    budget: u8,
    /// Index terms within the word's typo budget, with their distance;
    /// looked up only when exact matches do not fill the page.
    pub(crate) typos: Vec<(String, u8)>,
    /// Whether `typos` has been looked up (it may have found none).
    looked_up: bool,
    /// Whether the corpus has the word as typed (known once `typos` is
    /// looked up).
    known: bool,
}

/// A language the index holds that has a stemmer of its own, and its
/// analyzer.
pub(crate) struct OtherLanguage {
    pub(crate) code: String,
    pub(crate) analyzer: TextAnalyzer,
}

/// A word's terms in some languages (their codes), where they differ
/// from its English terms.
#[derive(Debug)]
pub(crate) struct InLanguages {
    pub(crate) terms: Vec<String>,
    pub(crate) langs: Vec<String>,
}

impl Word {
    /// The word as typed, lower-cased (empty for a phrase of several).
    pub(crate) fn raw(&self) -> &str {
        &self.raw
    }
}

/// How far a query's words may stretch beyond themselves.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stretch {
    /// Whether words may have typos (not `--exact`).
    pub(crate) typos: bool,
    /// Whether the last clause, a plain word of [`MIN_COMPLETED_CHARS`] or
    /// more that is no stop word, is also expanded as a prefix (the user
    /// is typing it); when no word starts so, it is read as typed, typos
    /// and all.
    pub(crate) complete_last: bool,
}

/// Analyses each clause into its terms (dropping those with none), marks
/// stop words and expands prefixes against the `words` field, each word
/// stretched as `stretch` allows.
///
/// A word is a stop word when it is in the vocabulary's list, unquoted,
/// unscoped and wanted; a query made only of stop words has none (every
/// word counts then).
/// `others` analyse the words for the other languages the index holds.
pub(crate) fn analyse(
    searcher: &Searcher,
    words_field: Field,
    analyzer: &mut TextAnalyzer,
    others: &mut [OtherLanguage],
    vocabulary: &Vocabulary,
    clauses: Vec<Clause>,
    stretch: Stretch,
) -> tantivy::Result<Vec<Word>> {
    let mut plain = lowercase_words();
    let mut words = Vec::new();
    let count = clauses.len();
    for (i, clause) in clauses.into_iter().enumerate() {
        let raw = terms(&mut plain, &clause.text);
        let completing = stretch.complete_last
            && i + 1 == count
            && !clause.prefix
            && !clause.phrase
            && raw.len() == 1
            && raw[0].chars().count() >= MIN_COMPLETED_CHARS
            && !vocabulary.is_stop(&raw[0]);
        if (clause.prefix || completing) && raw.len() == 1 {
            let real = typos::prefixed(searcher, &[words_field], &raw[0])?;
            if !(completing && real.is_empty()) {
                let completes = if completing {
                    all_stems(analyzer, others, &raw[0])
                } else {
                    vec![]
                };
                let mut stems: Vec<String> = completes.clone();
                for word in real {
                    for stem in all_stems(analyzer, others, &word) {
                        if !stems.contains(&stem) {
                            stems.push(stem);
                        }
                    }
                }
                words.push(Word {
                    raw: raw[0].clone(),
                    terms: raw,
                    other_terms: vec![],
                    other_languages: !others.is_empty(),
                    exclude: clause.exclude,
                    scope: clause.scope,
                    stop: false,
                    phrase: false,
                    typed: clause.text,
                    prefixed: Some(stems),
                    completes,
                    budget: 0,
                    typos: vec![],
                    looked_up: false,
                    known: false,
                });
                continue;
            }
        }
        let terms = terms(analyzer, &clause.text);
        if terms.is_empty() {
            continue;
        }
        let mut other_terms: Vec<InLanguages> = Vec::new();
        for other in others.iter_mut() {
            let theirs = self::terms(&mut other.analyzer, &clause.text);
            if theirs == terms || theirs.is_empty() {
                continue;
            }
            match other_terms.iter_mut().find(|o| o.terms == theirs) {
                Some(same) => same.langs.push(other.code.clone()),
                None => other_terms.push(InLanguages {
                    terms: theirs,
                    langs: vec![other.code.clone()],
                }),
            }
        }
        let stop = !clause.phrase
            && !clause.exclude
            && clause.scope.is_none()
            && !raw.is_empty()
            && raw.iter().all(|w| vocabulary.is_stop(w));
        let budget = match (&raw[..], &terms[..]) {
            ([word], [_]) if stretch.typos && !clause.exclude && !clause.phrase && !stop => {
                typos::allowed_typos(word)
            }
            _ => 0,
        };
        words.push(Word {
            terms,
            other_terms,
            other_languages: !others.is_empty(),
            exclude: clause.exclude,
            scope: clause.scope,
            stop,
            phrase: clause.phrase,
            typed: clause.text,
            prefixed: None,
            completes: vec![],
            raw: raw.into_iter().next().unwrap_or_default(),
            budget,
            typos: vec![],
            looked_up: false,
            known: false,
        });
    }
    if words.iter().filter(|w| !w.exclude).all(|w| w.stop) {
        for word in &mut words {
            word.stop = false;
        }
    }
    Ok(words)
}

/// The shortest last word a search as the user types completes: one
/// letter starts too many words to say anything.
pub(crate) const MIN_COMPLETED_CHARS: usize = 2;

/// Whether the query reads as a question rather than keywords: it has stop
/// words (`what causes facial twitching`). Questions count a word found in
/// a section's headings for more, and are ranked by coverage when too few
/// sections have every word (see [`super::ranking`]).
pub(crate) fn is_question(words: &[Word]) -> bool {
    words.iter().any(|w| w.stop)
}

/// The words an English question opens with.
const INTERROGATIVES: &[&str] = &[
    "am", "are", "can", "could", "did", "do", "does", "has", "have", "how", "is", "may", "might",
    "must", "shall", "should", "was", "were", "what", "when", "where", "which", "who", "whom",
    "whose", "why", "will", "would",
];

/// Whether the query asks something, as a person asks it: it opens with a
/// question word (`how do I ...`, `can my ...`) or ends with `?`. Such a
/// query ranks by meaning first (see [`super::fusion`]).
pub(crate) fn asks(query: &str, words: &[Word]) -> bool {
    query.trim_end().ends_with('?')
        || words
            .first()
            .is_some_and(|w| INTERROGATIVES.contains(&w.typed.to_lowercase().as_str()))
}

/// What a synonym may stand in for: each word's terms, or `None` for a
/// word that must be matched as given (quoted, scoped, excluded, a prefix).
pub(crate) fn replaceable(words: &[Word]) -> Vec<Option<&[String]>> {
    words
        .iter()
        .map(|w| {
            let as_given = w.phrase || w.exclude || w.scope.is_some() || w.prefixed.is_some();
            (!as_given).then_some(&w.terms[..])
        })
        .collect()
}

/// Looks up every word's typo'd variants: the real words of the corpus
/// within its budget, stemmed. Returns whether any word has some, found
/// now or by an earlier call (the all-words pass, before a relaxed one).
pub(crate) fn expand_typos(
    searcher: &Searcher,
    words_field: Field,
    cache: &TypoCache,
    analyzer: &mut TextAnalyzer,
    others: &mut [OtherLanguage],
    words: &mut [Word],
) -> tantivy::Result<bool> {
    for word in words.iter_mut().filter(|w| w.budget > 0 && !w.looked_up) {
        word.looked_up = true;
        word.known = typos::contains(searcher, words_field, &word.raw)?;
        if word.known {
            word.budget = word.budget.min(KNOWN_WORD_TYPOS);
        }
        let found = cache.fuzzy(searcher, words_field, &word.raw, word.budget)?;
        for (real, distance) in found.iter() {
            let (real, distance) = (real.as_str(), *distance);
            for stem in all_stems(analyzer, others, real) {
                if stem == word.terms[0] || word.other_terms.iter().any(|o| o.terms[0] == stem) {
                    continue;
                }

                match word.typos.iter_mut().find(|(t, _)| *t == stem) {
                    Some((_, d)) => *d = (*d).min(distance),
                    None => word.typos.push((stem, distance)),
                }
            }
        }
    }
    Ok(words.iter().any(|w| !w.exclude && !w.typos.is_empty()))
}

/// Takes away the typo'd variants of the words the corpus has as typed,
/// when other words, which it lacks, have variants too, and returns them
/// (for [`give_back_typos`]); else takes nothing and returns `None`. A
/// search looks first for the sections that take the fewest typos, those
/// of the words it could not find, as Meilisearch ranks by the number of
/// typos: `Praameters thread` wants *parameters* and *thread* before
/// *parameters* and *tread*. Costs a lookup of each word as typed, and a
/// wasted search when those sections do not fill the page.
pub(crate) fn hold_known_typos(words: &mut [Word]) -> Option<Vec<Vec<(String, u8)>>> {
    let with_typos = |known: bool| {
        words
            .iter()
            .any(|w| !w.exclude && w.known == known && !w.typos.is_empty())
    };
    if !(with_typos(true) && with_typos(false)) {
        return None;
    }
    Some(
        words
            .iter_mut()
            .map(|w| match w.known {
                true => std::mem::take(&mut w.typos),
                false => Vec::new(),
            })
            .collect(),
    )
}

/// Gives back the variants [`hold_known_typos`] took.
pub(crate) fn give_back_typos(words: &mut [Word], held: Vec<Vec<(String, u8)>>) {
    for (word, typos) in words.iter_mut().zip(held) {
        if word.known {
            word.typos = typos;
        }
    }
}

/// The terms of one real word (of the `words` field) in every language
/// the index holds, without repeats.
fn all_stems(analyzer: &mut TextAnalyzer, others: &mut [OtherLanguage], word: &str) -> Vec<String> {
    let mut stems = terms(analyzer, word);
    for other in others.iter_mut() {
        for stem in terms(&mut other.analyzer, word) {
            if !stems.contains(&stem) {
                stems.push(stem);
            }
        }
    }
    stems
}

/// The index terms to mark in snippets: every wanted word's own terms,
/// prefix expansions and typo'd variants, in the fields snippets show, and
/// the terms of its synonyms. Stop words are not marked.
pub(crate) fn highlighted(words: &[Word], synonyms: &[Synonym]) -> HashSet<String> {
    let synonyms = synonyms
        .iter()
        .flat_map(|s| s.alternatives.iter().flatten().cloned());
    words
        .iter()
        .filter(|w| !w.exclude && !w.stop && matches!(w.scope, None | Some(Scope::Body)))
        .flat_map(|w| {
            let expanded = w.prefixed.iter().flatten().cloned();
            let typos = w.typos.iter().map(|(t, _)| t.clone());
            let others = w.other_terms.iter().flat_map(|o| o.terms.iter().cloned());
            w.terms
                .iter()
                .cloned()
                .chain(others)
                .chain(expanded)
                .chain(typos)
        })
        .chain(synonyms)
        .collect()
}
