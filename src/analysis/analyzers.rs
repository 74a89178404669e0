//! Analyzers: the token pipelines of the index's fields and of queries.
//!
//! Every text field is analysed as tantivy's built-in `en_stem` does
//! (simple tokenizer, long tokens removed, lower-cased, English Snowball
//! stems), registered under that name with its stems cached, so a plain
//! tantivy program opens *and queries* a quire index without registering
//! anything. The `words` field uses tantivy's `default` analyzer (no
//! stemming): typos and prefixes are matched against real words.

use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer,
};

use super::stem::CachedStemmer;
use super::tokens::MAX_TOKEN_BYTES;

/// The name of tantivy's built-in English analyzer, used by every text field.
///
/// A built-in analyzer is known to every tantivy program by name, so a plain
/// tantivy program can query the index without registering anything.
pub const ANALYZER: &str = "en_stem";

/// The language of [`ANALYZER`]'s stems: the search applies the stop
/// words the rules list for it (`[stop_words] en = [...]`).
pub const LANGUAGE: &str = "en";

/// The name of tantivy's built-in analyzer without stemming, used by the
/// `words` field that typos and prefixes are matched against.
pub const WORDS_ANALYZER: &str = "default";

/// Builds the same pipeline as tantivy's built-in `en_stem`, with the given
/// words removed before stemming.
pub(crate) fn stemmer_without(stop_words: &[String]) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
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
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(CachedStemmer)
        .build()
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

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{Token, TokenStream};

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
}
