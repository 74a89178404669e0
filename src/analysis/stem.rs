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
    known: FxHashMap<Box<str>, Box<str>>,
}

impl StemCache {
    pub(crate) fn of(algorithm: Algorithm) -> StemCache {
        StemCache {
            stemmer: frostem::Stemmer::new(algorithm),
            known: FxHashMap::default(),
        }
    }

    /// The stem of `word`, one lower-cased token, as the language's
    /// Snowball stemmer makes it (for English, as tantivy's own does).
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
