//! Analyzers: the token pipelines of the index's fields and of queries.
//!
//! Every text field is analysed as tantivy's built-in `en_stem` does
//! (simple tokenizer, long tokens removed, lower-cased, English Snowball
//! stems), registered under that name with its stems cached, so a plain
//! tantivy program opens *and queries* a quire index without registering
//! anything. The `words` field uses tantivy's `default` analyzer (no
//! stemming): typos and prefixes are matched against real words.
//!
//! The one difference is CJK text, which tantivy's tokenizer keeps as one
//! long token per run: quire's [`WordTokenizer`] makes overlapping pairs of
//! its characters (see [`super::tokens`]). Text without CJK characters
//! gets exactly the terms tantivy's own analyzers make.

use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, StopWordFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

use super::stem::CachedStemmer;
use super::tokens::{MAX_TOKEN_BYTES, Tokens, tokens};

/// Splits text into [`tokens`]: tantivy's `SimpleTokenizer` for all but
/// CJK text, which it splits into overlapping pairs of characters.
#[derive(Clone, Default)]
pub(crate) struct WordTokenizer {
    token: Token,
}

/// The stream of a [`WordTokenizer`].
pub(crate) struct WordStream<'a> {
    text: &'a str,
    tokens: Tokens<'a>,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            tokens: tokens(text),
            token: &mut self.token,
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((start, end, _)) = self.tokens.next() else {
            return false;
        };
        self.token.text.clear();
        self.token.text.push_str(&self.text[start..end]);
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The analyzer of the `words` field: [`WordTokenizer`], long tokens
/// removed, lower-cased, not stemmed (tantivy's `default`, with CJK pairs).
pub(crate) fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build()
}

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
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            stop_words.iter().map(|w| w.to_lowercase()),
        ))
        .filter(CachedStemmer::default())
        .build()
}

/// The pipeline of [`cached_en_stem`] with the Snowball stemmer of another
/// language: what the body of an article in that language is indexed with
/// (see [`super::language`]), and its queries analysed with.
pub(crate) fn stemmed_in(algorithm: frostem::Algorithm) -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(CachedStemmer(algorithm))
        .build()
}

/// The same pipeline as tantivy's built-in `en_stem`, with stems cached:
/// quire registers it under that name in the indexes it writes, so the
/// terms are the ones tantivy's own analyzer makes, made faster (a few
/// thousand words are stemmed millions of times in a large corpus).
pub(crate) fn cached_en_stem() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(CachedStemmer::default())
        .build()
}

/// Splits words as the index does and lower-cases them, without stemming:
/// words as typed, for typos and prefixes.
pub(crate) fn lowercase_words() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
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

    #[test]
    fn cached_stems_are_tantivys_own() {
        let text = "Dogs are the bests! Running runners ran; RUNNING running Ålesund \
                    généralités connection connections connected hopefully \
                    supercalifragilisticexpialidocious-and-more-words-to-make-it-longer-than-forty \
                    Καλημέρα dogs DOGS the The";
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
        // CJK runs are pairs, at consecutive positions, never stemmed.
        let mut positions = Vec::new();
        cached
            .token_stream("Debian 软件包")
            .process(&mut |t: &Token| positions.push((t.text.clone(), t.position)));
        assert_eq!(
            positions,
            [("debian".into(), 0), ("软件".into(), 1), ("件包".into(), 2)]
        );
        let mut words = words_analyzer();
        assert_eq!(
            terms(&mut words, "Pakete 東京都"),
            ["pakete", "東京", "京都"]
        );
    }
}
