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
use crate::analysis::tokens::{fold, fold_space};

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

/// Permalink glyphs trimmed from the start of a heading too (`#` is not:
/// headings start with it, `#include`).
const LEADING_MARKS: &[char] = &['¶', '🔗', ' ', '\u{200b}', '\u{feff}'];

/// A place in a [`Collector`]'s blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    blocks: usize,
    paragraphs: usize,
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
    /// Whether the open heading's id is its own.
    heading_own_id: bool,
    /// The id around the open heading, for when it has none.
    heading_fallback: Option<String>,
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

    /// Ends the current block and opens a heading, with its own id, and
    /// the id of what is around it (`fallback`) for when nothing inside it
    /// gives one.
    pub(crate) fn start_heading(
        &mut self,
        level: u8,
        id: Option<String>,
        fallback: Option<String>,
    ) {
        self.flush(false);
        if self.headings >= MAX_SECTIONS {
            self.demoted = true;
            return;
        }
        self.headings += 1;
        self.heading_own_id = id.is_some();
        self.heading_fallback = fallback;
        self.heading = Some((level, id, String::new()));
    }

    /// Closes the open heading, trimming `marks` (permalink glyphs) from
    /// its end.
    pub(crate) fn end_heading(&mut self, marks: &[char]) {
        if std::mem::take(&mut self.demoted) {
            self.flush(true);
        } else if let Some((level, id, text)) = self.heading.take() {
            let id = id.or_else(|| self.heading_fallback.take());
            let text = text
                .trim_end_matches(marks)
                .trim_start_matches(LEADING_MARKS)
                .to_string();
            self.blocks.push(Block::Heading { level, text, id });
        }
    }

    /// Ends the current block: with `fold`, white space runs become one
    /// space; without, the text is kept as written (code, `pre`).
    pub(crate) fn flush(&mut self, fold: bool) {
        if self.buf.trim().is_empty() {
            self.buf.clear();
            return;
        }
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

    /// Gives the open heading `id` unless it has one.
    pub(crate) fn heading_id(&mut self, id: &str) {
        if let Some((_, own @ None, _)) = &mut self.heading {
            *own = Some(id.to_string());
        }
    }

    /// Gives the heading just read `id` unless it has one, when nothing
    /// was read after it.
    pub(crate) fn last_heading_id(&mut self, id: &str) {
        if self.heading.is_none()
            && self.buf.trim().is_empty()
            && let Some(Block::Heading { id: own @ None, .. }) = self.blocks.last_mut()
        {
            *own = Some(id.to_string());
        }
    }

    /// Takes `id` back from the heading just read, if it was given it by
    /// [`Collector::last_heading_id`]: the heading that follows, inside
    /// the element, is its own.
    pub(crate) fn take_back_heading_id(&mut self, id: &str) {
        // Only the last block: a heading with text after it keeps its id,
        // even the same one (Doxygen gives each overload of a macro the
        // first one's id, and a browser lands on the first).
        if let Some(Block::Heading { id: given, .. }) = self.blocks.last_mut()
            && given.as_deref() == Some(id)
        {
            *given = None;
        }
    }

    /// Gives the open heading `id`, the target of its permalink, unless
    /// the heading has an id of its own (given to
    /// [`Collector::start_heading`] as its own).
    pub(crate) fn heading_target(&mut self, id: &str) {
        if !self.heading_own_id
            && let Some((_, target, _)) = &mut self.heading
        {
            *target = Some(id.to_string());
        }
    }

    /// Where the blocks end now (the current block flushed), to go back
    /// to with [`Collector::rollback`].
    pub(crate) fn mark(&mut self, fold: bool) -> Mark {
        self.flush(fold);
        Mark {
            blocks: self.blocks.len(),
            paragraphs: match self.blocks.last() {
                Some(Block::Text(p)) => p.ends.len(),
                _ => 0,
            },
        }
    }

    /// Drops every block and paragraph added since `mark`, and the text
    /// not flushed yet. Only paragraphs can have been added: a heading
    /// read since gives up the mark.
    pub(crate) fn rollback(&mut self, mark: Mark) {
        self.buf.clear();
        self.blocks.truncate(mark.blocks);
        if let Some(Block::Text(p)) = self.blocks.last_mut()
            && p.ends.len() > mark.paragraphs
        {
            let keep = mark.paragraphs;
            let end = keep.checked_sub(1).map_or(0, |k| p.ends[k] as usize);
            p.ends.truncate(keep);
            p.text.truncate(end);
        }
    }

    /// How many headings were read, to tell whether one was read since a
    /// mark.
    pub(crate) fn headings(&self) -> usize {
        self.headings
    }

    /// The text of the first level-1 heading, if any.
    pub(crate) fn first_h1(&self) -> Option<String> {
        self.blocks.iter().find_map(|b| match b {
            Block::Heading { level: 1, text, .. } => Some(fold_space(text)),
            _ => None,
        })
    }
}

/// Builds the article titled `title` from `blocks`. The heading at
/// `title_block` (see [`title_heading`]) is taken as the title's own: it
/// heads no path, and its anchor is the first section's. `is_boilerplate`
/// drops paragraphs.
///
/// Each block is let go as it is read, and each section made as soon as
/// the next heading shows where it ends: the text is held once.
pub(crate) fn build(
    mut title: String,
    blocks: Vec<Block>,
    title_block: Option<usize>,
    is_boilerplate: impl Fn(&str) -> bool,
) -> Article {
    // Labels and anchors carry the title shortened; its whole text goes
    // before the first section's.
    let full_title = shorten(&title).map(|short| std::mem::replace(&mut title, short));
    let mut anchors = Anchors::reserving(blocks.iter().filter_map(|b| match b {
        Block::Heading { id: Some(id), .. } => Some(id.trim()),
        _ => None,
    }));
    let mut stack: Vec<(u8, String)> = Vec::new();
    let mut sections = Vec::new();
    let mut draft = Draft::default();
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
                        let id = id.trim();
                        let anchor = anchors.unique_id(id);
                        let in_page = anchor == id;
                        (anchor, in_page)
                    }
                    _ => (anchors.unique(&text), false),
                };
                if Some(i) == title_block {
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
        first.anchor_in_page = false;
    }
    if let Some(full) = full_title {
        keep_whole_title(&mut sections, full);
    }
    Article {
        title,
        sections,
        lang: None,
    }
}

/// A section while its text is read.
#[derive(Default)]
struct Draft {
    path: Vec<String>,
    /// The anchor, and whether the document gave it.
    anchor: Option<(String, bool)>,
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
    let (anchor, anchor_in_page) = draft.anchor.unwrap_or_default();
    sections.push(Section {
        ordinal: sections.len() as u64,
        path: draft.path,
        label,
        anchor,
        anchor_in_page,
        text: draft.text,
    });
}

fn same_text(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

/// Whether `blocks` are text of a few short lines at most, as breadcrumbs,
/// a "Module java.base / Package java.util" line or a "Last updated" line
/// are, rather than prose.
pub(crate) fn only_short_lines(blocks: &[Block]) -> bool {
    let mut total = 0;
    for block in blocks {
        let Block::Text(paragraphs) = block else {
            return false;
        };
        for paragraph in paragraphs.iter() {
            let words = paragraph.split_whitespace().count();
            if words > SHORT_LINE_WORDS || paragraph.chars().count() > SHORT_LINE_CHARS {
                return false;
            }
            total += words;
        }
    }
    total <= SHORT_LINES_WORDS
}

/// The most words and characters in a short line, and words in all of
/// them ([`only_short_lines`]).
const SHORT_LINE_WORDS: usize = 8;
const SHORT_LINE_CHARS: usize = 60;
const SHORT_LINES_WORDS: usize = 24;

/// Which block is the heading of the title itself: the first heading, of
/// any level, when it reads the same as `title` (ignoring case and white
/// space), so that the title is never repeated at the head of its own
/// sections' paths.
pub(crate) fn title_heading(blocks: &[Block], title: &str) -> Option<usize> {
    let (i, text) = blocks.iter().enumerate().find_map(|(i, b)| match b {
        Block::Heading { text, .. } => Some((i, text)),
        _ => None,
    })?;
    same_text(text, title).then_some(i)
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

    fn build(title: String, blocks: Vec<Block>, is_boilerplate: impl Fn(&str) -> bool) -> Article {
        let title_block = title_heading(&blocks, &title);
        super::build(title, blocks, title_block, is_boilerplate)
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
