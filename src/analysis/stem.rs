//! Stems, remembered: the same few thousand words are stemmed millions of
//! times in a large corpus, when indexing and when finding the words to
//! mark in snippets.

use std::borrow::Cow;

use frostem::Algorithm;
use rustc_hash::FxHashMap;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// How many stems a [`StemCache`] keeps before it starts over.
const STEM_CACHE_ENTRIES: usize = 1 << 16;

/// Snowball stems of lower-cased words in one language (English unless
/// told), remembered: the same few thousand words are stemmed over and
/// over, when indexing and when finding the words to mark in snippets.
#[derive(Clone)]
pub(crate) struct StemCache {
    stemmer: frostem::Stemmer,
    /// Each word seen, with where its stem is in `stems`.
    known: FxHashMap<Box<str>, u32>,
    /// The stems of the words seen, `None` for a word that is its own
    /// stem (most are, and they need no copy and no comparison).
    stems: Vec<Option<Box<str>>>,
}

impl StemCache {
    pub(crate) fn of(algorithm: Algorithm) -> StemCache {
        StemCache {
            stemmer: frostem::Stemmer::new(algorithm),
            known: FxHashMap::default(),
            stems: Vec::new(),
        }
    }

    /// The stem of `word`, one lower-cased token, as the language's
    /// Snowball stemmer makes it (for English, as tantivy's own does).
    pub(crate) fn stem<'a>(&'a mut self, word: &'a str) -> &'a str {
        self.changed(word).unwrap_or(word)
    }

    /// The stem of `word` when it is not `word` itself. A word seen before
    /// costs one lookup.
    pub(crate) fn changed(&mut self, word: &str) -> Option<&str> {
        let at = match self.known.get(word) {
            Some(&at) => at,
            None => {
                if self.stems.len() >= STEM_CACHE_ENTRIES {
                    self.known.clear();
                    self.stems.clear();
                }
                let stem: Option<Box<str>> = match self.stemmer.stem(word) {
                    Cow::Borrowed(stem) if stem == word => None,
                    Cow::Borrowed(stem) => Some(stem.into()),
                    Cow::Owned(stem) if stem == word => None,
                    Cow::Owned(stem) => Some(stem.into()),
                };
                let at = self.stems.len() as u32;
                self.stems.push(stem);
                self.known.insert(word.into(), at);
                at
            }
        };
        self.stems[at as usize].as_deref()
    }
}

/// A Snowball stemmer (English, as tantivy's
/// [`Stemmer`](tantivy::tokenizer::Stemmer) by default) through a
/// [`StemCache`]. Each clone (one per indexing thread and field) has its
/// own cache, so nothing is shared or locked.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CachedStemmer(pub Algorithm);

impl Default for CachedStemmer {
    fn default() -> CachedStemmer {
        CachedStemmer(Algorithm::English)
    }
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            cache: StemCache::of(self.0),
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
        // CJK characters take three bytes or four in UTF-8, from 0xE1.
        if token.text.as_bytes().first().is_some_and(|&b| b >= 0xE1)
            && token.text.chars().next().is_some_and(super::tokens::is_cjk)
        {
            // CJK pairs are not words of any stemmed language.
            return true;
        }
        if let Some(stem) = self.cache.changed(&token.text) {
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
