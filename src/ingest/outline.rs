//! From a document's outline (headings with levels, and the text between
//! them) to an [`Article`]: the part that Markdown and HTML share.
//!
//! Heading levels give the nesting directly: a heading closes every open
//! heading of its level or deeper, and the open headings above it are its
//! path. The heading that is the article's title (a leading `h1` / `#`) is
//! not part of any path: the text under it, before the first other heading,
//! is the section labelled with the title.

use super::anchors::Anchors;
use super::article::{Article, LABEL_SEPARATOR, Section};
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
    /// A paragraph, list item, table row, code block, ...
    Text(String),
}

/// Collects a document's blocks while a reader walks it: text goes to the
/// open heading if there is one, else to the current block.
#[derive(Default)]
pub(crate) struct Collector {
    pub(crate) blocks: Vec<Block>,
    buf: String,
    /// The heading being read: its level, id and text.
    heading: Option<(u8, Option<String>, String)>,
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
        self.heading.is_some()
    }

    /// Ends the current block and opens a heading.
    pub(crate) fn start_heading(&mut self, level: u8, id: Option<String>) {
        self.flush(false);
        self.heading = Some((level, id, String::new()));
    }

    /// Closes the open heading, trimming `marks` (permalink glyphs) from
    /// its end.
    pub(crate) fn end_heading(&mut self, marks: &[char]) {
        if let Some((level, id, text)) = self.heading.take() {
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
        if !text.trim().is_empty() {
            self.blocks.push(Block::Text(text));
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
/// `is_boilerplate` drops text blocks.
pub(crate) fn build(
    title: String,
    blocks: Vec<Block>,
    is_boilerplate: impl Fn(&str) -> bool,
) -> Article {
    let mut anchors = Anchors::default();
    let mut stack: Vec<(u8, String)> = Vec::new();
    let mut drafts = vec![Draft::default()];
    let first_heading = blocks
        .iter()
        .position(|b| matches!(b, Block::Heading { .. }));
    for (i, block) in blocks.into_iter().enumerate() {
        match block {
            Block::Heading { level, text, id } => {
                let text = fold_space(&text);
                if text.is_empty() {
                    continue;
                }
                // GitHub numbers repeated slugs over every heading, shown
                // or not, so every heading takes its anchor here.
                let anchor = match id {
                    Some(id) if !id.trim().is_empty() => anchors.unique_id(id.trim()),
                    _ => anchors.unique(&text),
                };
                if Some(i) == first_heading && level == 1 && same_text(&text, &title) {
                    drafts[0].anchor = Some(anchor);
                    continue;
                }
                while stack.last().is_some_and(|(l, _)| *l >= level) {
                    stack.pop();
                }
                stack.push((level, text));
                drafts.push(Draft {
                    path: stack.iter().map(|(_, t)| t.clone()).collect(),
                    anchor: Some(anchor),
                    paragraphs: vec![],
                });
            }
            Block::Text(text) => {
                let text = text.trim();
                if !text.is_empty() && !is_boilerplate(text) {
                    drafts
                        .last_mut()
                        .expect("a draft")
                        .paragraphs
                        .push(text.to_string());
                }
            }
        }
    }
    let mut sections = Vec::new();
    for draft in drafts {
        if draft.paragraphs.is_empty() {
            continue;
        }
        let label = if draft.path.is_empty() {
            title.clone()
        } else {
            draft.path.join(LABEL_SEPARATOR)
        };
        let anchor = match draft.anchor {
            Some(anchor) => anchor,
            None => anchors.unique(&title),
        };
        sections.push(Section {
            ordinal: sections.len() as u64,
            path: draft.path,
            label,
            anchor,
            text: draft.paragraphs.join("\n\n"),
        });
    }
    Article { title, sections }
}

#[derive(Default)]
struct Draft {
    path: Vec<String>,
    anchor: Option<String>,
    paragraphs: Vec<String>,
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
        Block::Text(text.into())
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
