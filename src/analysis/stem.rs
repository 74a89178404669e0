//! English stems, remembered: the same few thousand words are stemmed
//! millions of times in a large corpus, when indexing and when finding the
//! words to mark in snippets.

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

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
