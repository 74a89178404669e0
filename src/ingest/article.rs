//! What the readers make: an [`Article`], a title and the [`Section`]s that
//! get indexed, each one a heading path and the text under it.

use serde::Serialize;

/// The separator between headings in a section label.
pub const LABEL_SEPARATOR: &str = " › ";

/// The most sections one article is split into. Past it, headings are read
/// as text of the section before, so that what splitting holds stays
/// bounded whatever the file's shape: a 60 MB file of nothing but headings
/// would otherwise make millions of sections, each with its own path,
/// label and anchor. Real pages have hundreds; the largest single-page
/// references, thousands.
pub const MAX_SECTIONS: usize = 100_000;

/// The most text one section document holds, in bytes. A longer section
/// is indexed as parts of at most this size, cut between paragraphs where
/// one ends in the part's second half (else between words), so that a
/// search lands near the words and indexing one document never holds more
/// than this: tantivy indexes a document whole before it looks at its
/// memory budget. Parts share the section's path and label; the second
/// part's anchor is the section's with `~2` after it, and so on.
pub const MAX_SECTION_BYTES: usize = 1024 * 1024;

/// The longest title or heading kept whole, in characters. A longer one is
/// shortened at a word, with `…`, in titles, paths, labels and anchors,
/// and kept whole as the first paragraph of its section's text: every
/// section document and every hit carries its article's title and its
/// path, so a heading of megabytes (one Markdown line, one `<title>`)
/// would be copied into each.
pub const MAX_HEADING_CHARS: usize = 300;

/// `text` shortened to [`MAX_HEADING_CHARS`] at a word, with `…`, if it is
/// longer.
pub(crate) fn shorten(text: &str) -> Option<String> {
    let (cut, _) = text.char_indices().nth(MAX_HEADING_CHARS)?;
    let head = &text[..cut];
    let at_word = head
        .rfind(char::is_whitespace)
        .filter(|&i| i >= cut / 2)
        .map_or(head, |i| &head[..i]);
    Some(format!("{}…", at_word.trim_end()))
}

/// Puts the whole of a title that was shortened at the start of the first
/// section's text, so that its words are still found.
pub(crate) fn keep_whole_title(sections: &mut [Section], full: String) {
    if let Some(first) = sections.first_mut() {
        first.text = format!("{full}\n\n{}", first.text);
    }
}

/// The deepest a section's heading path goes, as HTML's `h1` to `h6`. Past
/// it (plain text's runs of short lines), the outer lines are read as text.
pub const MAX_DEPTH: usize = 6;

/// An article split into the sections that get indexed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Article {
    /// The article's title: its first non-empty line.
    pub title: String,
    /// The sections that have text, in the order they appear.
    pub sections: Vec<Section>,
    /// The language the article says it is in (`<html lang>`, Markdown
    /// front matter `lang:`), as an ISO 639-1 code (`de`); see
    /// [`language_code`](crate::language_code). `None` when it says none:
    /// indexing then detects it from the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// One section of an article: a heading path and the text under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The headings from the top level down to this section's own; empty
    /// for text that comes before the first heading.
    pub path: Vec<String>,
    /// The path joined with `" › "`, or the article title when the path is
    /// empty.
    pub label: String,
    /// A slug unique within the article, as GitHub makes them
    /// (`medical-examination`, a repeat gets `-1`); the parts of a section
    /// longer than [`MAX_SECTION_BYTES`] add `~2`, `~3`, ...
    pub anchor: String,
    /// Whether the anchor is an `id` (or `name`) that the document itself
    /// gives, so that `page#anchor` lands on the section: false for a slug
    /// made here (plain text, a Markdown heading without `{#id}`, an HTML
    /// heading with no id on, in, just before or around it) and for the
    /// later parts of a long section.
    pub anchor_in_page: bool,
    /// The section's position among the article's sections, from 0.
    pub ordinal: u64,
    /// The section's text: paragraphs separated by a blank line.
    pub text: String,
}

/// Cuts every section longer than `max` bytes into parts (see
/// [`MAX_SECTION_BYTES`]) and numbers the sections again. A long section's
/// text is cut up in place, from its end, so that cutting holds little
/// more than the text itself.
pub(crate) fn cut_long_sections(sections: Vec<Section>, max: usize) -> Vec<Section> {
    if sections.iter().all(|s| s.text.len() <= max) {
        return sections;
    }
    // A document may have given an id like a part's (`log~2`): parts take
    // the next number free.
    let mut taken: std::collections::HashSet<String> =
        sections.iter().map(|s| s.anchor.clone()).collect();
    let mut out = Vec::with_capacity(sections.len());
    for mut section in sections {
        let cuts = cut_points(&section.text, max);
        let mut parts = Vec::with_capacity(cuts.len() + 1);
        for &cut in cuts.iter().rev() {
            let part = section.text.split_off(cut);
            section.text.truncate(section.text.trim_end().len());
            section.text.shrink_to_fit();
            parts.push(part.trim_start().to_string());
        }
        parts.push(std::mem::take(&mut section.text));
        let mut number = 1;
        for (i, text) in parts.into_iter().rev().enumerate() {
            let (anchor, anchor_in_page) = if i == 0 {
                (section.anchor.clone(), section.anchor_in_page)
            } else {
                loop {
                    number += 1;
                    let anchor = format!("{}~{number}", section.anchor);
                    if taken.insert(anchor.clone()) {
                        break (anchor, false);
                    }
                }
            };
            out.push(Section {
                path: section.path.clone(),
                label: section.label.clone(),
                anchor,
                anchor_in_page,
                ordinal: 0,
                text,
            });
        }
    }
    out.retain(|s| !s.text.is_empty());
    for (i, section) in out.iter_mut().enumerate() {
        section.ordinal = i as u64;
    }
    out
}

/// Where to cut `text` into parts of at most `max` bytes: after the last
/// paragraph break in a part's second half, else after its last space,
/// else at its last character boundary.
fn cut_points(text: &str, max: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut start = 0;
    while text.len() - start > max {
        let mut end = start + max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let window = &text[start..end];
        let half = max / 2;
        // Just past the character at `i`.
        let after = |i: usize| i + window[i..].chars().next().map_or(1, char::len_utf8);
        let cut = window
            .rfind("\n\n")
            .filter(|&i| i >= half)
            .or_else(|| window.rfind(char::is_whitespace).filter(|&i| i >= half))
            .map_or(end, |i| start + after(i));
        cuts.push(cut);
        start = cut;
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(anchor: &str, text: &str) -> Section {
        Section {
            path: vec!["Log".into()],
            label: "Log".into(),
            anchor: anchor.into(),
            anchor_in_page: true,
            ordinal: 0,
            text: text.into(),
        }
    }

    #[test]
    fn long_sections_are_cut_between_paragraphs_then_words() {
        let text = "aaaa bbbb\n\ncccc dddd eeee\n\nffff";
        let sections = cut_long_sections(vec![section("a", "short"), section("log", text)], 16);
        let got: Vec<(&str, &str, u64)> = sections
            .iter()
            .map(|s| (s.anchor.as_str(), s.text.as_str(), s.ordinal))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "short", 0),
                ("log", "aaaa bbbb", 1),
                ("log~2", "cccc dddd eeee", 2),
                ("log~3", "ffff", 3),
            ]
        );
        assert!(sections.iter().all(|s| s.label == "Log"));
        // An anchor a document gave that looks like a part's stays its own.
        let sections = cut_long_sections(vec![section("log~2", "x"), section("log", text)], 16);
        let anchors: Vec<&str> = sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(anchors, ["log~2", "log", "log~3", "log~4"]);
    }

    #[test]
    fn cuts_fall_on_characters_whatever_the_text() {
        // Wide spaces and letters of three bytes, and no spaces at all.
        for text in [
            "日本語\u{3000}".repeat(500),
            "語".repeat(1000),
            "x".repeat(1000),
        ] {
            let sections = cut_long_sections(vec![section("t", &text)], 100);
            assert!(sections.len() >= 10);
            assert!(
                sections
                    .iter()
                    .all(|s| s.text.len() <= 100 && !s.text.is_empty())
            );
            let joined: String = sections.iter().map(|s| s.text.as_str()).collect();
            assert_eq!(joined.replace('\u{3000}', ""), text.replace('\u{3000}', ""));
        }
    }
}

#[cfg(test)]
mod shorten_tests {
    use super::*;

    #[test]
    fn long_headings_are_shortened_at_a_word() {
        assert_eq!(shorten("Short heading"), None);
        let long = "word ".repeat(100);
        let short = shorten(&long).unwrap();
        assert!(short.ends_with("word…"), "{short}");
        assert!(short.chars().count() <= MAX_HEADING_CHARS + 1);
        let unbroken = "語".repeat(1000);
        assert_eq!(
            shorten(&unbroken).unwrap().chars().count(),
            MAX_HEADING_CHARS + 1
        );
    }

    #[test]
    fn a_long_title_is_kept_whole_in_the_text() {
        let title = "title ".repeat(100).trim().to_string();
        let mut sections = vec![Section {
            path: vec![],
            label: shorten(&title).unwrap(),
            anchor: "x".into(),
            anchor_in_page: false,
            ordinal: 0,
            text: "Body.".into(),
        }];
        keep_whole_title(&mut sections, title.clone());
        assert_eq!(sections[0].text, format!("{title}\n\nBody."));
    }
}
