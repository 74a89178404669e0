//! From a document's outline (headings with levels, and the text between
//! them) to an [`Article`]: the part that Markdown and HTML share.
//!
//! Heading levels give the nesting directly: a heading closes every open
//! heading of its level or deeper, and the open headings above it are its
//! path. The heading that is the article's title (a leading `h1` / `#`) is
//! not part of any path: the text under it, before the first other heading,
//! is the section labelled with the title.

use super::anchors::Anchors;
use super::article::{Article, LABEL_SEPARATOR, MAX_SECTIONS, Section, keep_whole_title, shorten};
use crate::analysis::tokens::fold;

/// A piece of a document in reading order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// A heading: level 1 to 6, its text, and its own anchor if the
    /// document gives one (an HTML `id`, a Markdown `{#id}`).
    Heading {
        level: u8,
        text: String,
        id: Option<String>,
    },
    /// The paragraphs, list items, table rows, code blocks, ... in a row
    /// between two headings.
    Text(Paragraphs),
}

/// Paragraphs in a row, trimmed, kept in one string as a section holds
/// them (a blank line between two): a document of millions of short
/// paragraphs costs its text and a number per paragraph, not an allocation
/// each, and a run with no boilerplate becomes a section's text as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Paragraphs {
    text: String,
    /// Where each paragraph ends in `text`: four bytes each, so that a run
    /// holds less than 4 GiB (the next run starts past it).
    ends: Vec<u32>,
}

impl Paragraphs {
    fn push(&mut self, paragraph: &str) {
        if !self.text.is_empty() {
            self.text.push_str(PARAGRAPH_BREAK);
        }
        self.text.push_str(paragraph);
        self.ends
            .push(u32::try_from(self.text.len()).expect("a run holds less than 4 GiB"));
    }

    /// Whether `paragraph` fits after the ones held.
    fn has_room(&self, paragraph: &str) -> bool {
        self.text.len() + PARAGRAPH_BREAK.len() + paragraph.len() <= u32::MAX as usize
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let end = end as usize;
            let paragraph = &self.text[start..end];
            start = end + PARAGRAPH_BREAK.len();
            paragraph
        })
    }
}

/// What separates a section's paragraphs.
const PARAGRAPH_BREAK: &str = "\n\n";

/// Collects a document's blocks while a reader walks it: text goes to the
/// open heading if there is one, else to the current block. Past
/// [`MAX_SECTIONS`] headings, a heading's text is read as a paragraph.
#[derive(Default)]
pub(crate) struct Collector {
    pub(crate) blocks: Vec<Block>,
    buf: String,
    /// The heading being read: its level, id and text.
    heading: Option<(u8, Option<String>, String)>,
    /// How many headings were read.
    headings: usize,
    /// Whether a heading past the limit is being read, as text.
    demoted: bool,
}

impl Collector {
    /// Adds text to the open heading or the current block.
    pub(crate) fn text(&mut self, text: &str) {
        match &mut self.heading {
            Some((_, _, heading)) => heading.push_str(text),
            None => self.buf.push_str(text),
        }
    }

    /// Whether a heading is open.
    pub(crate) fn in_heading(&self) -> bool {
        self.heading.is_some() || self.demoted
    }

    /// Ends the current block and opens a heading.
    pub(crate) fn start_heading(&mut self, level: u8, id: Option<String>) {
        self.flush(false);
        if self.headings >= MAX_SECTIONS {
            self.demoted = true;
            return;
        }
        self.headings += 1;
        self.heading = Some((level, id, String::new()));
    }

    /// Closes the open heading, trimming `marks` (permalink glyphs) from
    /// its end.
    pub(crate) fn end_heading(&mut self, marks: &[char]) {
        if std::mem::take(&mut self.demoted) {
            self.flush(true);
        } else if let Some((level, id, text)) = self.heading.take() {
            let text = text.trim_end_matches(marks).to_string();
            self.blocks.push(Block::Heading { level, text, id });
        }
    }

    /// Ends the current block: with `fold`, white space runs become one
    /// space; without, the text is kept as written (code, `pre`).
    pub(crate) fn flush(&mut self, fold: bool) {
        let text = if fold {
            fold_space(&self.buf)
        } else {
            self.buf.trim_matches('\n').to_string()
        };
        self.buf.clear();
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        match self.blocks.last_mut() {
            Some(Block::Text(paragraphs)) if paragraphs.has_room(text) => paragraphs.push(text),
            _ => {
                let mut paragraphs = Paragraphs::default();
                paragraphs.push(text);
                self.blocks.push(Block::Text(paragraphs));
            }
        }
    }

    /// The text of the first level-1 heading, if any.
    pub(crate) fn first_h1(&self) -> Option<String> {
        self.blocks.iter().find_map(|b| match b {
            Block::Heading { level: 1, text, .. } => Some(fold_space(text)),
            _ => None,
        })
    }
}

/// Builds the article titled `title` from `blocks`. When the first block
/// that is a heading has level 1 and reads the same as the title (ignoring
/// case and white space), it is taken as the title's own heading.
/// `is_boilerplate` drops paragraphs.
///
/// Each block is let go as it is read, and each section made as soon as
/// the next heading shows where it ends: the text is held once.
pub(crate) fn build(
    mut title: String,
    blocks: Vec<Block>,
    is_boilerplate: impl Fn(&str) -> bool,
) -> Article {
    // Labels and anchors carry the title shortened; its whole text goes
    // before the first section's.
    let full_title = shorten(&title).map(|short| std::mem::replace(&mut title, short));
    let mut anchors = Anchors::default();
    let mut stack: Vec<(u8, String)> = Vec::new();
    let mut sections = Vec::new();
    let mut draft = Draft::default();
    let first_heading = blocks
        .iter()
        .position(|b| matches!(b, Block::Heading { .. }));
    for (i, block) in blocks.into_iter().enumerate() {
        match block {
            Block::Heading { level, text, id } => {
                let mut text = fold_space(&text);
                if text.is_empty() {
                    continue;
                }
                let full = shorten(&text).map(|short| std::mem::replace(&mut text, short));
                // GitHub numbers repeated slugs over every heading, shown
                // or not, so every heading takes its anchor here.
                let anchor = match id {
                    Some(id) if !id.trim().is_empty() && shorten(id.trim()).is_none() => {
                        anchors.unique_id(id.trim())
                    }
                    _ => anchors.unique(&text),
                };
                let whole = full.as_deref().unwrap_or(&text);
                let whole_title = full_title.as_deref().unwrap_or(&title);
                if Some(i) == first_heading && level == 1 && same_text(whole, whole_title) {
                    draft.anchor = Some(anchor);
                    continue;
                }
                while stack.last().is_some_and(|(l, _)| *l >= level) {
                    stack.pop();
                }
                stack.push((level, text));
                let next = Draft {
                    path: stack.iter().map(|(_, t)| t.clone()).collect(),
                    anchor: Some(anchor),
                    text: full.unwrap_or_default(),
                };
                finish(&mut sections, std::mem::replace(&mut draft, next), &title);
            }
            Block::Text(paragraphs) => {
                if draft.text.is_empty() && !paragraphs.iter().any(&is_boilerplate) {
                    draft.text = paragraphs.text;
                    continue;
                }
                for paragraph in paragraphs.iter() {
                    if !is_boilerplate(paragraph) {
                        if !draft.text.is_empty() {
                            draft.text.push_str(PARAGRAPH_BREAK);
                        }
                        draft.text.push_str(paragraph);
                    }
                }
            }
        }
    }
    finish(&mut sections, draft, &title);
    // Only the title's own section can lack an anchor; it takes one after
    // every heading has, so that the headings' match GitHub's.
    if let Some(first) = sections.first_mut()
        && first.anchor.is_empty()
    {
        first.anchor = anchors.unique(&title);
    }
    if let Some(full) = full_title {
        keep_whole_title(&mut sections, full);
    }
    Article { title, sections }
}

/// A section while its text is read.
#[derive(Default)]
struct Draft {
    path: Vec<String>,
    anchor: Option<String>,
    text: String,
}

/// Adds `draft` to `sections` unless it has no text.
fn finish(sections: &mut Vec<Section>, draft: Draft, title: &str) {
    if draft.text.is_empty() {
        return;
    }
    let label = if draft.path.is_empty() {
        title.to_string()
    } else {
        draft.path.join(LABEL_SEPARATOR)
    };
    sections.push(Section {
        ordinal: sections.len() as u64,
        path: draft.path,
        label,
        anchor: draft.anchor.unwrap_or_default(),
        text: draft.text,
    });
}

/// Folds runs of white space into one space and trims.
pub(crate) fn fold_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn same_text(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(level: u8, text: &str) -> Block {
        Block::Heading {
            level,
            text: text.into(),
            id: None,
        }
    }

    fn t(text: &str) -> Block {
        let mut paragraphs = Paragraphs::default();
        paragraphs.push(text);
        Block::Text(paragraphs)
    }

    #[test]
    fn levels_nest_and_the_title_heading_is_not_in_paths() {
        let article = build(
            "Gout".into(),
            vec![
                h(1, "Gout"),
                t("Intro."),
                h(2, "Treatment"),
                h(3, "Drugs"),
                t("Pills."),
                h(4, "Doses"),
                t("Small."),
                h(3, "Diet"),
                t("Less meat."),
                h(2, "Outlook"),
                t("Good."),
            ],
            |_| false,
        );
        let got: Vec<(&str, &str)> = article
            .sections
            .iter()
            .map(|s| (s.label.as_str(), s.anchor.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Gout", "gout"),
                ("Treatment › Drugs", "drugs"),
                ("Treatment › Drugs › Doses", "doses"),
                ("Treatment › Diet", "diet"),
                ("Outlook", "outlook"),
            ]
        );
        assert!(article.sections[0].path.is_empty());
    }

    #[test]
    fn repeated_headings_number_their_anchors_even_when_empty() {
        let article = build(
            "X".into(),
            vec![h(2, "Usage"), h(2, "Usage"), t("a"), h(2, "Usage"), t("b")],
            |_| false,
        );
        let anchors: Vec<&str> = article.sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(anchors, ["usage-1", "usage-2"]);
    }

    #[test]
    fn explicit_ids_are_kept_and_a_second_h1_is_a_section() {
        let article = build(
            "Guide".into(),
            vec![
                Block::Heading {
                    level: 1,
                    text: "Guide".into(),
                    id: Some("the-guide".into()),
                },
                t("Hello."),
                Block::Heading {
                    level: 1,
                    text: "Appendix".into(),
                    id: Some("appendix-a".into()),
                },
                t("More."),
            ],
            |_| false,
        );
        assert_eq!(article.sections[0].anchor, "the-guide");
        assert_eq!(article.sections[1].label, "Appendix");
        assert_eq!(article.sections[1].anchor, "appendix-a");
    }

    #[test]
    fn boilerplate_and_empty_headings_are_dropped() {
        let article = build(
            "X".into(),
            vec![
                h(2, "  "),
                t("Share this"),
                h(2, "A"),
                t("text"),
                t("Share this"),
            ],
            |t| t.starts_with("Share"),
        );
        assert_eq!(article.sections.len(), 1);
        assert_eq!(article.sections[0].text, "text");
    }
}
