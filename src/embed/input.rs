//! What the model reads of a section: its article's title and headings,
//! then its text (cut at the model's longest input, at most 128 tokens: a
//! section's opening). The headings say what a short section is about
//! ("Cause" of what?).

use crate::ingest::article::LABEL_SEPARATOR;

/// The text embedded for a section of the article titled `title`, under
/// the headings `path`.
pub(crate) fn section_input(title: &str, path: &[String], text: &str) -> String {
    let mut input = String::with_capacity(title.len() + text.len().min(4096) + 64);
    if path.first().is_none_or(|top| top != title) {
        input.push_str(title);
    }
    for heading in path {
        if !input.is_empty() {
            input.push_str(LABEL_SEPARATOR);
        }
        input.push_str(heading);
    }
    input.push('\n');
    input.push_str(text);
    input
}

/// The key of what was embedded: the model's weights, how many tokens it
/// reads and the input, so that a section keeps its vector while none of
/// them changes.
pub(crate) fn input_key(weights: &str, max_tokens: usize, input: &str) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(weights.as_bytes());
    hasher.update(b"\n");
    hasher.update(&(max_tokens as u64).to_le_bytes());
    hasher.update(input.as_bytes());
    hasher.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_is_said_once() {
        let path = vec!["Facial twitching".to_string(), "Cause".to_string()];
        assert_eq!(
            section_input("Facial twitching", &path, "Nerves."),
            "Facial twitching › Cause\nNerves."
        );
        assert_eq!(
            section_input("Guide", &["Install".to_string()], "Run it."),
            "Guide › Install\nRun it."
        );
        assert_eq!(section_input("Guide", &[], "Intro."), "Guide\nIntro.");
        assert_ne!(input_key("a", 128, "x"), input_key("b", 128, "x"));
        assert_ne!(input_key("a", 128, "x"), input_key("a", 256, "x"));
    }
}
