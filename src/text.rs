//! Small text helpers shared by the splitter, the index and the snippets:
//! the English analyzer, heading keys and anchor slugs.

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer, Token,
    TokenFilter, TokenStream, Tokenizer,
};

/// The name of tantivy's built-in English analyzer, used by every text field.
///
/// A built-in analyzer is known to every tantivy program by name, so a plain
/// tantivy program can query the index without registering anything.
pub const ANALYZER: &str = "en_stem";

/// The name of tantivy's built-in analyzer without stemming, used by the
/// `words` field that typos and prefixes are matched against.
pub const WORDS_ANALYZER: &str = "default";

/// Builds the same pipeline as tantivy's built-in `en_stem`, with the given
/// words removed before stemming.
pub(crate) fn stemmer_without(stop_words: &[String]) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            stop_words.iter().map(|w| w.to_lowercase()),
        ))
        .filter(CachedStemmer)
        .build()
}

/// The same pipeline as tantivy's built-in `en_stem`, with stems cached:
/// quire registers it under that name in the indexes it writes, so the
/// terms are the ones tantivy's own analyzer makes, made faster (a few
/// thousand words are stemmed millions of times in a large corpus).
pub(crate) fn cached_en_stem() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(CachedStemmer)
        .build()
}

/// How many stems a [`StemCache`] keeps before it starts over.
const STEM_CACHE_ENTRIES: usize = 1 << 16;

/// English (Snowball) stems of lower-cased words, remembered: the same few
/// thousand words are stemmed over and over, when indexing and when
/// finding the words to mark in snippets.
#[derive(Clone)]
pub(crate) struct StemCache {
    stemmer: frostem::Stemmer,
    known: FxHashMap<Box<str>, Box<str>>,
}

impl StemCache {
    pub(crate) fn new() -> StemCache {
        StemCache {
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            known: FxHashMap::default(),
        }
    }

    /// The stem of `word`, one lower-cased token, as tantivy's English
    /// stemmer makes it.
    pub(crate) fn stem(&mut self, word: &str) -> &str {
        if !self.known.contains_key(word) {
            if self.known.len() >= STEM_CACHE_ENTRIES {
                self.known.clear();
            }
            let stem: Box<str> = match self.stemmer.stem(word) {
                Cow::Borrowed(stem) => stem.into(),
                Cow::Owned(stem) => stem.into(),
            };
            self.known.insert(word.into(), stem);
        }
        &self.known[word]
    }
}

/// tantivy's English [`Stemmer`](tantivy::tokenizer::Stemmer) through a
/// [`StemCache`]. Each clone (one per indexing thread and field) has its
/// own cache, so nothing is shared or locked.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            cache: StemCache::new(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct CachedStemmerFilter<T> {
    inner: T,
    cache: StemCache,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            cache: &mut self.cache,
        }
    }
}

pub(crate) struct CachedStemmerStream<'a, T> {
    tail: T,
    cache: &'a mut StemCache,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        let stem = self.cache.stem(&token.text);
        if *stem != *token.text {
            token.text.clear();
            token.text.push_str(stem);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Splits words as the index does and lower-cases them, without stemming:
/// words as typed, for typos and prefixes.
pub(crate) fn lowercase_words() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .build()
}

/// The stemmed words of `text` through `analyzer`, in order.
pub(crate) fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Lower-cases `text` and folds runs of white space into one space.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// An anchor slug as GitHub makes them: lower case, letters, digits, `-` and
/// `_` kept, white space turned into `-`, everything else dropped.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            slug.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            slug.push('-');
        }
    }
    slug
}

/// Hands out slugs that are unique within one article: the second
/// `treatment` becomes `treatment-1`, the third `treatment-2`.
#[derive(Default)]
pub(crate) struct Anchors {
    used: std::collections::HashSet<String>,
}

impl Anchors {
    /// The slug of `text` (`section` when it has none), numbered if the
    /// article used it before.
    pub(crate) fn unique(&mut self, text: &str) -> String {
        let slug = slugify(text);
        self.unique_id(if slug.is_empty() { "section" } else { &slug })
    }

    /// Keeps an id the document gave (it is a link target already), unless
    /// the article used it before: then it is numbered like a slug.
    pub(crate) fn unique_id(&mut self, id: &str) -> String {
        let mut candidate = id.to_string();
        let mut n = 0;
        while self.used.contains(&candidate) {
            n += 1;
            candidate = format!("{id}-{n}");
        }
        self.used.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_stems_are_tantivys_own() {
        let text = "Dogs are the bests! Running runners ran; RUNNING running Ålesund \
                    généralités connection connections connected hopefully \
                    supercalifragilisticexpialidocious-and-more-words-to-make-it-longer-than-forty \
                    Καλημέρα 東京 dogs DOGS the The";
        let mut builtin = tantivy::tokenizer::TokenizerManager::default()
            .get(ANALYZER)
            .unwrap();
        let mut cached = cached_en_stem();
        let expected = terms(&mut builtin, text);
        assert!(expected.contains(&"connect".to_string()), "{expected:?}");
        // Twice through the same analyzer: the second pass reads the cache.
        assert_eq!(terms(&mut cached, text), expected);
        assert_eq!(terms(&mut cached, text), expected);
        let mut offsets = Vec::new();
        cached
            .token_stream("Dogs ran")
            .process(&mut |t: &Token| offsets.push((t.offset_from, t.offset_to, t.position)));
        assert_eq!(offsets, [(0, 4, 0), (5, 8, 1)]);
    }

    #[test]
    fn slugs_follow_github() {
        assert_eq!(slugify("Drug treatment"), "drug-treatment");
        assert_eq!(slugify("  Q&A: what's next? "), "qa-whats-next");
        assert_eq!(slugify("Ménière's disease"), "ménières-disease");
    }

    #[test]
    fn anchors_are_unique_within_an_article() {
        let mut anchors = Anchors::default();
        assert_eq!(anchors.unique("Treatment"), "treatment");
        assert_eq!(anchors.unique("Treatment"), "treatment-1");
        assert_eq!(anchors.unique("treatment"), "treatment-2");
        assert_eq!(anchors.unique("???"), "section");
    }

    #[test]
    fn fold_lowercases_and_collapses_space() {
        assert_eq!(
            fold("  Was this\n Article  helpful? "),
            "was this article helpful?"
        );
    }
}
