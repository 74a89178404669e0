//! What a word is: the token rules every part of quire must agree on.
//!
//! tantivy's `SimpleTokenizer` makes a token of every run of letters and
//! digits, and the `en_stem` analyzer drops tokens longer than
//! [`MAX_TOKEN_BYTES`] (they keep their position). The index is written
//! with those rules, snippets find words with them and checkpoints count
//! tokens with them: [`alphanumeric_runs`] is the one copy quire keeps, and
//! a unit test holds it to tantivy's.

/// The longest token the index keeps, in bytes (tantivy's `RemoveLongFilter`
/// in `en_stem`). Changing it changes the index format.
pub(crate) const MAX_TOKEN_BYTES: usize = 40;

/// The runs of letters and digits in `text`: their byte ranges and first
/// characters, with a fast path for ASCII (most of the text quire sees).
pub(crate) fn alphanumeric_runs(text: &str) -> impl Iterator<Item = (usize, usize, char)> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    // The character at byte `i`, whether it is a letter or digit, and its
    // length in bytes.
    let class = move |i: usize| -> (char, bool, usize) {
        let b = bytes[i];
        if b.is_ascii() {
            (char::from(b), b.is_ascii_alphanumeric(), 1)
        } else {
            let c = text[i..].chars().next().expect("i is a char boundary");
            (c, c.is_alphanumeric(), c.len_utf8())
        }
    };
    std::iter::from_fn(move || {
        let first = loop {
            if at >= bytes.len() {
                return None;
            }
            let (c, alnum, len) = class(at);
            if alnum {
                break c;
            }
            at += len;
        };
        let start = at;
        while at < bytes.len() {
            if bytes[at].is_ascii_alphanumeric() {
                at += 1;
                continue;
            }
            let (_, alnum, len) = class(at);
            if !alnum {
                break;
            }
            at += len;
        }
        Some((start, at, first))
    })
}

/// How many tokens the index makes of `text` (dropped long ones included:
/// they keep their position).
pub(crate) fn count_tokens(text: &str) -> usize {
    alphanumeric_runs(text).count()
}

/// Lower-cases `text` and folds runs of white space into one space: how
/// headings, titles and labels are compared and keyed.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_as_the_index_splits_them() {
        use tantivy::tokenizer::{SimpleTokenizer, TokenStream, Tokenizer};
        let text = "Ménière's disease: anti-AchR, 2/3 of cases; naïve—x_y 面肌 🙂end";
        let mut tokenizer = SimpleTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut theirs = vec![];
        while stream.advance() {
            theirs.push((stream.token().offset_from, stream.token().offset_to));
        }
        let ours: Vec<(usize, usize)> = alphanumeric_runs(text).map(|(s, e, _)| (s, e)).collect();
        assert_eq!(ours, theirs);
        let firsts: String = alphanumeric_runs(text).map(|(_, _, c)| c).collect();
        assert_eq!(firsts, "MsdaA23ocnxy面e");
        assert_eq!(count_tokens(text), theirs.len());
    }

    #[test]
    fn fold_lowercases_and_collapses_space() {
        assert_eq!(
            fold("  Was this\n Article  helpful? "),
            "was this article helpful?"
        );
    }
}
