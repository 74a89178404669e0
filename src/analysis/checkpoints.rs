//! Checkpoints: where every 32nd token of a long section starts, stored
//! with the section (the `checkpoints` field) so that a token position from
//! the index becomes a byte offset by reading at most 32 tokens.
//!
//! This is part of the index format: the writer encodes with [`encode`],
//! snippets decode with [`token_bytes`], and changing either (or
//! [`CHECKPOINT_EVERY`], or the token rules in [`super::tokens`]) means
//! bumping `FORMAT_VERSION` in `store/schema.rs`.

use super::tokens::tokens;

/// One checkpoint every this many tokens.
pub(crate) const CHECKPOINT_EVERY: usize = 32;

/// Sections longer than this, in bytes, get checkpoints: their snippets are
/// cut around the matches the index locates. Shorter ones are read whole,
/// which costs about as much as locating.
pub(crate) const LOCATED_TEXT: usize = 2 * 1024;

/// For a text longer than [`LOCATED_TEXT`], the byte offset of every
/// [`CHECKPOINT_EVERY`]th token, as little-endian u32s. `None` for shorter
/// texts (and for texts too long for u32 offsets).
pub(crate) fn encode(text: &str) -> Option<Vec<u8>> {
    if text.len() <= LOCATED_TEXT || u32::try_from(text.len()).is_err() {
        return None;
    }
    let mut out = Vec::new();
    for (i, (start, _, _)) in tokens(text).enumerate() {
        if i % CHECKPOINT_EVERY == 0 {
            out.extend_from_slice(&(start as u32).to_le_bytes());
        }
    }
    Some(out)
}

/// The byte range of token number `token` of `text`, through its
/// checkpoints; `None` if they do not fit the text.
pub(crate) fn token_bytes(text: &str, checkpoints: &[u8], token: usize) -> Option<(usize, usize)> {
    let at = token / CHECKPOINT_EVERY * 4;
    let from = u32::from_le_bytes(checkpoints.get(at..at + 4)?.try_into().ok()?) as usize;
    if !text.is_char_boundary(from) {
        return None;
    }
    let (start, end, _) = tokens(&text[from..]).nth(token % CHECKPOINT_EVERY)?;
    Some((from + start, from + end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tokens::count_tokens;

    #[test]
    fn every_token_is_found_through_the_checkpoints() {
        let text = "Ménière's disease, état naïve 面肌 and more words. ".repeat(100);
        assert_eq!(encode(&text[..LOCATED_TEXT - 100]), None);
        let marks = encode(&text).expect("a long text has checkpoints");
        let tokens: Vec<(usize, usize)> = tokens(&text).map(|(s, e, _)| (s, e)).collect();
        assert_eq!(tokens.len(), count_tokens(&text));
        assert_eq!(marks.len(), 4 * tokens.len().div_ceil(CHECKPOINT_EVERY));
        for (i, &range) in tokens.iter().enumerate() {
            assert_eq!(token_bytes(&text, &marks, i), Some(range), "token {i}");
        }
        assert_eq!(token_bytes(&text, &marks, tokens.len()), None);
        // Checkpoints of another text: no panic, at worst nothing.
        let _ = token_bytes(&text[1..], &marks, 40);
        assert_eq!(token_bytes("short", &marks, 100_000), None);
    }
}
