//! Small text helpers shared by the splitter, the index and the snippets:
//! the English analyzer, heading keys and anchor slugs.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
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
        .filter(Stemmer::new(Language::English))
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
