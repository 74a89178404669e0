//! What a word is: the token rules every part of quire must agree on.
//!
//! A token is a run of letters and digits, as tantivy's `SimpleTokenizer`
//! makes them, except in Chinese, Japanese and Korean script, which is
//! written without spaces between words: a run of such characters becomes
//! its overlapping pairs of characters (`软件包` → `软件`, `件包`), as
//! Lucene's CJK analyzer and Elasticsearch's `cjk_bigram` make them, and a
//! character alone in its run is a token of its own. A query's run is then
//! a phrase of its pairs: it finds the sections that hold it as written.
//! Text without such characters is split exactly as `SimpleTokenizer`
//! splits it.
//!
//! Tokens longer than [`MAX_TOKEN_BYTES`] are dropped from the index (they
//! keep their position). The index is written with these rules, snippets
//! find words with them and checkpoints count tokens with them: [`tokens`]
//! is the one copy quire keeps, and a unit test holds it to tantivy's.

/// The longest token the index keeps, in bytes (tantivy's `RemoveLongFilter`
/// in `en_stem`). Changing it changes the index format.
pub(crate) const MAX_TOKEN_BYTES: usize = 40;

/// Whether `c` is written without spaces between words: Han ideographs
/// (with the iteration mark `々`), Hiragana, Katakana (full and half
/// width) and Hangul. Such characters are indexed in overlapping pairs.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF        // Hangul Jamo
        | 0x3005 | 0x3007      // 々 〇
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3130..=0x318F      // Hangul compatibility Jamo
        | 0x31F0..=0x31FF      // Katakana phonetic extensions
        | 0x3400..=0x4DBF      // CJK Extension A
        | 0x4E00..=0x9FFF      // CJK Unified Ideographs
        | 0xA960..=0xA97F      // Hangul Jamo extended A
        | 0xAC00..=0xD7FF      // Hangul syllables, Jamo extended B
        | 0xF900..=0xFAFF      // CJK Compatibility Ideographs
        | 0xFF66..=0xFF9F      // half-width Katakana
        | 0x20000..=0x3FFFF    // CJK Extensions B and later
    )
}

/// The tokens of `text`, in order: their byte ranges and first characters,
/// with a fast path for ASCII (most of the text quire sees). The pairs of a
/// CJK run overlap: each starts one character after the one before.
pub(crate) fn tokens(text: &str) -> Tokens<'_> {
    Tokens {
        text,
        at: 0,
        paired: false,
    }
}

/// The iterator [`tokens`] returns.
pub(crate) struct Tokens<'a> {
    text: &'a str,
    at: usize,
    /// Inside a CJK run: whether a pair has been given from it yet (its
    /// last character then needs no token of its own).
    paired: bool,
}

impl Tokens<'_> {
    /// The character at byte `i`, whether it is a letter or digit, whether
    /// it is CJK, and its length in bytes.
    #[inline]
    fn class(&self, i: usize) -> (char, bool, bool, usize) {
        let b = self.text.as_bytes()[i];
        if b.is_ascii() {
            (char::from(b), b.is_ascii_alphanumeric(), false, 1)
        } else {
            let c = self.text[i..].chars().next().expect("i is a char boundary");
            (c, c.is_alphanumeric(), is_cjk(c), c.len_utf8())
        }
    }
}

impl Iterator for Tokens<'_> {
    type Item = (usize, usize, char);

    fn next(&mut self) -> Option<(usize, usize, char)> {
        let bytes = self.text.as_bytes();
        loop {
            // White space and punctuation, most of what lies between words.
            while self.at < bytes.len()
                && bytes[self.at].is_ascii()
                && !bytes[self.at].is_ascii_alphanumeric()
            {
                self.at += 1;
                self.paired = false;
            }
            if self.at >= bytes.len() {
                return None;
            }
            let (first, alnum, cjk, len) = self.class(self.at);
            let start = self.at;
            self.at += len;
            if !alnum {
                self.paired = false;
                continue;
            }
            if cjk {
                let following = (self.at < bytes.len())
                    .then(|| self.class(self.at))
                    .filter(|&(_, alnum, cjk, _)| alnum && cjk);
                match following {
                    Some((_, _, _, next_len)) => {
                        self.paired = true;
                        return Some((start, self.at + next_len, first));
                    }
                    // The run's last character, already in the pair before.
                    None if self.paired => {
                        self.paired = false;
                        continue;
                    }
                    None => return Some((start, self.at, first)),
                }
            }
            self.paired = false;
            while self.at < bytes.len() {
                let b = bytes[self.at];
                if b.is_ascii_alphanumeric() {
                    self.at += 1;
                    continue;
                }
                if b.is_ascii() {
                    break;
                }
                let (_, alnum, cjk, len) = self.class(self.at);
                if !alnum || cjk {
                    break;
                }
                self.at += len;
            }
            return Some((start, self.at, first));
        }
    }
}

/// How many tokens the index makes of `text` (dropped long ones included:
/// they keep their position).
pub(crate) fn count_tokens(text: &str) -> usize {
    tokens(text).count()
}

/// Lower-cases `text` and folds runs of white space into one space: how
/// headings, titles and labels are compared and keyed.
pub(crate) fn fold(text: &str) -> String {
    fold_prefix(text, usize::MAX)
}

/// The start of [`fold`]`(text)`: whole words until at least `bytes`
/// bytes are written (all of it when shorter), so that a test of how the
/// folded text begins need not fold a whole paragraph.
pub(crate) fn fold_prefix(text: &str, bytes: usize) -> String {
    let mut out = String::with_capacity(text.len().min(bytes.saturating_add(16)));
    for word in text.split_whitespace() {
        if out.len() >= bytes {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            let start = out.len();
            out.push_str(word);
            out[start..].make_ascii_lowercase();
        } else {
            out.extend(word.chars().flat_map(char::to_lowercase));
        }
    }
    out
}

/// Folds runs of white space into one space and trims, keeping case.
pub(crate) fn fold_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folded_prefix_is_where_the_folded_text_begins() {
        let text = "  Was  THIS\thelpful?  Ménière's ÉTÉ \n end ";
        let whole = fold(text);
        assert_eq!(whole, "was this helpful? ménière's été end");
        for bytes in 0..=whole.len() + 2 {
            let start = fold_prefix(text, bytes);
            assert!(whole.starts_with(&start), "{bytes}: {start:?}");
            assert!(start.len() >= bytes.min(whole.len()), "{bytes}: {start:?}");
        }
    }

    #[test]
    fn words_are_split_as_tantivy_splits_them() {
        use tantivy::tokenizer::{SimpleTokenizer, TokenStream, Tokenizer};
        let text = "Ménière's disease: anti-AchR, 2/3 of cases; naïve—x_y Καλημέρα 🙂end";
        let mut tokenizer = SimpleTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut theirs = vec![];
        while stream.advance() {
            theirs.push((stream.token().offset_from, stream.token().offset_to));
        }
        let ours: Vec<(usize, usize)> = tokens(text).map(|(s, e, _)| (s, e)).collect();
        assert_eq!(ours, theirs);
        let firsts: String = tokens(text).map(|(_, _, c)| c).collect();
        assert_eq!(firsts, "MsdaA23ocnxyΚe");
        assert_eq!(count_tokens(text), theirs.len());
    }

    #[test]
    fn cjk_runs_are_overlapping_pairs() {
        let words = |text: &str| -> Vec<String> {
            tokens(text)
                .map(|(s, e, _)| text[s..e].to_string())
                .collect()
        };
        assert_eq!(
            words("Debian软件包管理, 面 x"),
            ["Debian", "软件", "件包", "包管", "管理", "面", "x"]
        );
        // Kana and Hangul too, and a run ends at Latin letters or digits.
        assert_eq!(words("パッケージ"), ["パッ", "ッケ", "ケー", "ージ"]);
        assert_eq!(
            words("한국어를 배우다"),
            ["한국", "국어", "어를", "배우", "우다"]
        );
        assert_eq!(words("第3章"), ["第", "3", "章"]);
        assert_eq!(words("々"), ["々"]);
        // Resuming at any token's start gives the same tokens from there on
        // (what checkpoints rely on).
        let text = "包管理器 apt 和 aptitude 软件包";
        let all: Vec<(usize, usize, char)> = tokens(text).collect();
        for (i, &(start, _, _)) in all.iter().enumerate() {
            let rest: Vec<(usize, usize, char)> = tokens(&text[start..])
                .map(|(s, e, c)| (s + start, e + start, c))
                .collect();
            assert_eq!(rest, all[i..]);
        }
    }

    #[test]
    fn fold_space_folds_unicode_white_space() {
        for text in [
            "",
            "   ",
            " a  b\tc\n\x0bd\x0ce\rf ",
            "no\u{a0}break\u{3000}ideographic\u{2028}line\u{85}next",
            "Ménière's  été\u{200b}zero-width \u{1c}unit separators",
        ] {
            let std: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(fold_space(text), std.join(" "), "{text:?}");
        }
        assert_eq!(fold_space(" Ménière's\u{a0} ÉTÉ \n"), "Ménière's ÉTÉ");
    }

    #[test]
    fn fold_lowercases_and_collapses_space() {
        assert_eq!(
            fold("  Was this\n Article  helpful? "),
            "was this article helpful?"
        );
    }
}
