//! Markdown in, [`Article`] out, with a CommonMark parser (pulldown-cmark).
//!
//! ATX (`## Cause`) and setext headings build the section path. The title
//! comes from YAML front matter (`title:`), else the first `#` heading,
//! else the file name. Code blocks, lists and tables are searchable text,
//! never headings; link and image text is kept, URLs are dropped, and so
//! are HTML tags and comments (Node.js's docs keep metadata in `<!-- -->`).
//! Anchors are made as GitHub makes them (`## Drug treatment` →
//! `drug-treatment`; repeats get `-1`, `-2`), or taken from a `{#id}`.

use std::borrow::Cow;
use std::collections::HashSet;

use pulldown_cmark::{BrokenLink, CowStr, Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};

use super::article::Article;
use super::outline::{self, Collector};

/// Splits a Markdown document into sections. `fallback_title` is used when
/// there is neither front matter title nor `#` heading.
pub(crate) fn parse(
    text: &str,
    fallback_title: &str,
    is_boilerplate: impl Fn(&str) -> bool,
) -> Article {
    parse_in_pieces(text, fallback_title, is_boilerplate, PIECE_BYTES)
}

/// [`parse`], with pieces of at least `piece_bytes`.
fn parse_in_pieces(
    text: &str,
    fallback_title: &str,
    is_boilerplate: impl Fn(&str) -> bool,
    piece_bytes: usize,
) -> Article {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    let mut reader = Reader::default();
    if text.len() <= piece_bytes {
        for event in Parser::new_ext(text, options) {
            reader.event(event);
        }
    } else {
        // A reference defined in another piece is still a link.
        let labels = reference_labels(text);
        for piece in pieces(text, piece_bytes) {
            let defined = |link: BrokenLink| {
                labels
                    .contains(&fold_label(&link.reference))
                    .then_some((CowStr::Borrowed(""), CowStr::Borrowed("")))
            };
            for event in Parser::new_with_broken_link_callback(&piece, options, Some(defined)) {
                reader.event(event);
            }
        }
    }
    reader.out.flush(false);
    let title = reader
        .front_matter_title
        .or_else(|| reader.out.first_h1())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| fallback_title.to_string());
    let title_block = outline::title_heading(&reader.out.blocks, &title);
    let mut article = outline::build(title, reader.out.blocks, title_block, is_boilerplate);
    article.lang = reader.front_matter_lang;
    article
}

/// How long a piece of a document the parser is given at least (but for
/// the last). pulldown-cmark holds a tree of the whole text it parses:
/// about seven times the text's size for a document of short blocks, and
/// eighty for a paragraph of unclosed emphasis (`*a _b **c ` repeated).
const PIECE_BYTES: usize = 256 * 1024;

/// `text` cut into pieces of at least `at_least` bytes (but for the last)
/// that parse as they would in the whole: each new piece begins at a line
/// that can only begin a block, an ATX heading or a paragraph, after a
/// blank line, outside code fences, HTML comments and raw HTML blocks.
/// Where no such line comes within twice `at_least`, the piece ends at the
/// next line outside those (a paragraph or list cut in two), or in a line
/// that long, at a space: what the parser holds stays bounded.
fn pieces(text: &str, at_least: usize) -> impl Iterator<Item = Cow<'_, str>> {
    let mut rest = text;
    // The block open where the last piece was cut, if any.
    let mut open: Option<Open> = None;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (cut, open_at_cut) = if rest.len() > at_least {
            safe_cut(rest, at_least, open).unwrap_or((rest.len(), None))
        } else {
            (rest.len(), None)
        };
        let (piece, after) = rest.split_at(cut);
        rest = after;
        let piece = match std::mem::replace(&mut open, open_at_cut) {
            Some(block) => Cow::Owned(block.reopen() + piece),
            None => Cow::Borrowed(piece),
        };
        Some(piece)
    })
}

/// The labels of the link reference definitions (`[label]: url`) in
/// `text`, folded as [`fold_label`] does.
fn reference_labels(text: &str) -> HashSet<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start_matches(' ');
            let (label, _) = line.strip_prefix('[')?.split_once("]:")?;
            Some(fold_label(label))
        })
        .collect()
}

/// A reference label as CommonMark matches it: case and runs of white
/// space do not count.
fn fold_label(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A block that a cut must not fall in, or must open again after.
#[derive(Clone, Copy)]
enum Open {
    /// A code fence: its character and length.
    Fence(u8, usize),
    /// An HTML comment begun at the start of a line.
    Comment,
    /// A raw HTML block (`<pre>`, `<script>`, ...): its opening and closing
    /// tags.
    Raw(&'static str, &'static str),
}

impl Open {
    /// What opens the block again at the start of a piece.
    fn reopen(self) -> String {
        match self {
            Open::Fence(mark, len) => format!("{}\n", (mark as char).to_string().repeat(len)),
            Open::Comment => "<!--\n".into(),
            Open::Raw(open, _) => format!("{open}>\n"),
        }
    }
}

/// Where, at `at_least` bytes into `text` or later, a piece may begin, and
/// the block open there that the piece must open again (a forced cut in a
/// code fence, say). `open` is the block open at the start of `text`.
fn safe_cut(text: &str, at_least: usize, mut open: Option<Open>) -> Option<(usize, Option<Open>)> {
    let limit = 2 * at_least;
    let mut blank_before = false;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let at = start;
        start += line.len();
        let content = line.trim_end();
        let indent = content.len() - content.trim_start_matches(' ').len();
        let body = &content[indent..];
        // A forced cut never begins a piece with what would read as front
        // matter.
        let forced = at >= limit && at > 0 && !body.starts_with("---") && !body.starts_with("+++");
        match open {
            Some(block) => {
                let closes = match block {
                    Open::Fence(mark, len) => {
                        let closing = body.bytes().take_while(|&b| b == mark).count();
                        indent <= 3 && closing >= len && body[closing..].trim().is_empty()
                    }
                    Open::Comment => line.contains("-->"),
                    Open::Raw(_, close) => contains_ignoring_case(line, close),
                };
                if closes {
                    open = None;
                } else if forced {
                    return Some((at, Some(block)));
                }
            }
            None => {
                let can_begin = blank_before
                    && at >= at_least
                    && (content.starts_with('#') || content.starts_with(char::is_alphabetic));
                if can_begin || forced {
                    return Some((at, None));
                }
                if start > limit {
                    // A line that long: cut it at a space past the limit.
                    let mut from = limit.saturating_sub(at);
                    while !line.is_char_boundary(from) {
                        from += 1;
                    }
                    let space = line[from..].find(' ').map_or(from, |i| from + i + 1);
                    if at + space < start {
                        return Some((at + space, None));
                    }
                }
                if indent <= 3 {
                    open = opens(body);
                }
            }
        }
        blank_before = content.is_empty();
    }
    None
}

/// The block a line (its indentation less) opens and does not close.
fn opens(body: &str) -> Option<Open> {
    for mark in [b'`', b'~'] {
        let len = body.bytes().take_while(|&b| b == mark).count();
        // A backtick fence's info string has no backtick (else it is code
        // in a paragraph).
        if len >= 3 && (mark == b'~' || !body[len..].contains('`')) {
            return Some(Open::Fence(mark, len));
        }
    }
    if let Some(rest) = body.strip_prefix("<!--") {
        return (!rest.contains("-->")).then_some(Open::Comment);
    }
    [
        ("<pre", "</pre>"),
        ("<script", "</script>"),
        ("<style", "</style>"),
        ("<textarea", "</textarea>"),
    ]
    .into_iter()
    .find(|(open, _)| {
        body.get(..open.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(open))
            && body[open.len()..]
                .chars()
                .next()
                .is_none_or(|c| matches!(c, ' ' | '>' | '\t'))
    })
    .filter(|(_, close)| !contains_ignoring_case(body, close))
    .map(|(open, close)| Open::Raw(open, close))
}

/// Whether `text` contains `needle` (ASCII), in any case.
fn contains_ignoring_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Turns the parser's events into blocks.
#[derive(Default)]
struct Reader {
    out: Collector,
    /// Inside YAML front matter.
    in_metadata: bool,
    front_matter_title: Option<String>,
    front_matter_lang: Option<String>,
    /// Inside an HTML comment that spans several HTML events.
    in_comment: bool,
}

impl Reader {
    fn event(&mut self, event: Event) {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                self.out
                    .start_heading(level as u8, id.map(|i| i.to_string()), None)
            }
            Event::End(TagEnd::Heading(_)) => self.out.end_heading(&[]),
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => {
                self.in_metadata = true
            }
            Event::End(TagEnd::MetadataBlock(_)) => self.in_metadata = false,
            Event::Text(text) if self.in_metadata => {
                if self.front_matter_title.is_none() {
                    self.front_matter_title = yaml_value(&text, "title");
                }
                if self.front_matter_lang.is_none() {
                    self.front_matter_lang = yaml_value(&text, "lang")
                        .or_else(|| yaml_value(&text, "language"))
                        .and_then(|tag| crate::analysis::language::language_code(&tag));
                }
            }
            Event::Text(text)
            | Event::Code(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text) => self.push(&text),
            Event::Html(html) | Event::InlineHtml(html) => {
                let text = strip_html(&html, &mut self.in_comment);
                self.push(&text);
            }
            Event::SoftBreak => self.push(" "),
            Event::HardBreak => self.push("\n"),
            Event::Start(
                Tag::CodeBlock(_) | Tag::Item | Tag::Paragraph | Tag::TableRow | Tag::BlockQuote(_),
            ) => self.flush(),
            Event::End(
                TagEnd::CodeBlock
                | TagEnd::Item
                | TagEnd::Paragraph
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::BlockQuote(_)
                | TagEnd::FootnoteDefinition
                | TagEnd::DefinitionListTitle
                | TagEnd::DefinitionListDefinition
                | TagEnd::HtmlBlock,
            )
            | Event::Rule => self.flush(),
            Event::End(TagEnd::TableCell) => self.push(" "),
            _ => {}
        }
    }

    fn push(&mut self, text: &str) {
        self.out.text(text);
    }

    fn flush(&mut self) {
        self.out.flush(false);
    }
}

/// The value of a top-level `key:` in YAML front matter, unquoted.
fn yaml_value(yaml: &str, key: &str) -> Option<String> {
    yaml.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        (!value.is_empty()).then(|| value.to_string())
    })
}

/// The text of a piece of raw HTML: tags and comments removed, a few
/// common entities decoded. `in_comment` carries an open comment from one
/// piece to the next.
pub(crate) fn strip_html(html: &str, in_comment: &mut bool) -> String {
    let mut out = String::new();
    let mut rest = html;
    while !rest.is_empty() {
        if *in_comment {
            match rest.find("-->") {
                Some(end) => {
                    rest = &rest[end + 3..];
                    *in_comment = false;
                }
                None => return out,
            }
        } else if let Some(after) = rest.strip_prefix("<!--") {
            *in_comment = true;
            rest = after;
        } else if rest.starts_with('<')
            && rest[1..]
                .starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?')
        {
            match rest.find('>') {
                Some(end) => rest = &rest[end + 1..],
                None => return out,
            }
        } else {
            // Past the first character, which may be more than a byte.
            let first = rest.chars().next().map_or(1, char::len_utf8);
            let next = rest[first..].find('<').map_or(rest.len(), |i| i + first);
            out.push_str(&rest[..next]);
            rest = &rest[next..];
        }
    }
    decode_entities(&out)
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Article {
        parse(text, "file-name", |_| false)
    }

    fn labels(article: &Article) -> Vec<&str> {
        article.sections.iter().map(|s| s.label.as_str()).collect()
    }

    #[test]
    fn atx_and_setext_headings_nest_under_the_h1_title() {
        let article = split(
            "# Gout\n\nA kind of arthritis.\n\nTreatment\n---------\n\n### Drug treatment\n\nColchicine.\n\n## Diet\n\nLess beer.\n",
        );
        assert_eq!(article.title, "Gout");
        assert_eq!(
            labels(&article),
            ["Gout", "Treatment › Drug treatment", "Diet"]
        );
        let anchors: Vec<&str> = article.sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(anchors, ["gout", "drug-treatment", "diet"]);
    }

    #[test]
    fn front_matter_title_wins_and_file_name_is_the_last_resort() {
        let article =
            split("---\ntitle: \"Gout: a guide\"\ndate: 2024\n---\n\n## Cause\n\nUric acid.\n");
        assert_eq!(article.title, "Gout: a guide");
        assert_eq!(labels(&article), ["Cause"]);
        assert_eq!(split("Just text.\n").title, "file-name");
        assert_eq!(split("Just text.\n").sections[0].label, "file-name");
    }

    #[test]
    fn code_lists_and_tables_are_text_never_headings() {
        let article = split(
            "# T\n\n## Usage\n\n```sh\n# not a heading\nquire index\n```\n\n- first item\n- second *item*\n\n| Drug | Dose |\n|---|---|\n| colchicine | 0.5 mg |\n",
        );
        assert_eq!(labels(&article), ["Usage"]);
        let text = &article.sections[0].text;
        assert!(text.contains("# not a heading\nquire index"), "{text}");
        assert!(text.contains("first item\n\nsecond item"), "{text}");
        assert!(text.contains("colchicine 0.5 mg"), "{text}");
    }

    #[test]
    fn links_keep_their_text_and_html_goes() {
        let article = split(
            "# T\n\nSee [the docs](https://example.org/docs) and <span class=\"x\">this</span>.\n\n<!-- YAML\nadded: v0.1.90\n-->\n\n<div>Block &amp; text</div>\n",
        );
        let text = &article.sections[0].text;
        assert!(text.contains("See the docs and this."), "{text}");
        assert!(
            !text.contains("example.org") && !text.contains("span") && !text.contains("v0.1.90"),
            "{text}"
        );
        assert!(text.contains("Block & text"), "{text}");
    }

    #[test]
    fn repeated_headings_get_github_suffixes_and_ids_are_kept() {
        let article = split("# T\n\n## Usage\n\na\n\n## Usage\n\nb\n\n## Options {#opts}\n\nc\n");
        let anchors: Vec<&str> = article.sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(anchors, ["usage", "usage-1", "opts"]);
    }

    #[test]
    fn strip_html_handles_split_comments() {
        let mut in_comment = false;
        assert_eq!(strip_html("a <!-- b", &mut in_comment), "a ");
        assert!(in_comment);
        assert_eq!(
            strip_html("c --> d <br/> 1 < 2", &mut in_comment),
            " d  1 < 2"
        );
        assert!(!in_comment);
    }

    #[test]
    fn a_long_document_parses_in_pieces_as_it_does_whole() {
        let chunk = "## Setup {#setup}\n\nInstall [it][pkg] first.\n\n```sh\n# not a heading\n\nAlso code\n```\n\n\
            <!-- a comment\n\n# still the comment\n-->\n\n<pre>\n\nNot markdown\n</pre>\n\n\
            - a list\n\n  continued item\n\nA paragraph\nthat goes on.\n\n> quoted\n\n\
            | a | b |\n|---|---|\n| 1 | 2 |\n\nSetext\n------\n\ntext\n\n";
        let text = format!(
            "# Guide\n\n{}[pkg]: https://example.com\n",
            chunk.repeat(100)
        );
        let whole = split(&text);
        // A chunk is shorter than these: a safe place to cut always comes
        // before the limit that forces one.
        for piece_bytes in [400, 1000, 3000] {
            assert!(pieces(&text, piece_bytes).count() > 5);
            assert_eq!(
                parse_in_pieces(&text, "file-name", |_| false, piece_bytes),
                whole
            );
        }
        assert!(
            whole.sections[0].text.starts_with("Install it first."),
            "{:?}",
            whole.sections[0]
        );
    }

    #[test]
    fn a_paragraph_too_long_for_one_piece_is_cut_and_keeps_its_words() {
        let line = "*a _b **c ".repeat(1000);
        for text in [line.clone(), format!("{line}\n").repeat(10)] {
            let text = format!("# T\n\n{text}");
            let lengths: Vec<usize> = pieces(&text, 1000).map(|p| p.len()).collect();
            assert!(lengths.len() > 3, "{lengths:?}");
            assert!(lengths.iter().all(|&n| n <= 2000 + 10), "{lengths:?}");
            let article = parse_in_pieces(&text, "t", |_| false, 1000);
            let words = |t: &str| t.matches(['a', 'b', 'c']).count();
            let all: usize = article.sections.iter().map(|s| words(&s.text)).sum();
            assert_eq!(all, words(&text));
        }
    }

    #[test]
    fn blocks_longer_than_a_piece_are_opened_again_where_cut() {
        // A code block, a comment and a <pre> each far longer than a piece,
        // with lines that would be headings outside them; a comment begun
        // inside a paragraph does not stop the cutting.
        let code = "# not a heading\n\nlet x = 1;\n".repeat(200);
        let text = format!(
            "# Guide\n\nSee `<!--` in text.\n\n## Code\n\n```sh\n{code}```\n\n\
             ## Notes\n\n<!--\n{code}-->\n\n<pre>\n{code}</pre>\n\n## End\n\nDone.\n\n{}",
            "*a _b **c ".repeat(2_000)
        );
        let whole = split(&text);
        let labels = |a: &Article| {
            a.sections
                .iter()
                .map(|s| s.label.clone())
                .collect::<Vec<_>>()
        };
        let cut = parse_in_pieces(&text, "file-name", |_| false, 1000);
        assert!(pieces(&text, 1000).count() > 15);
        assert!(pieces(&text, 1000).all(|p| p.len() <= 2000 + 100));
        assert_eq!(labels(&cut), labels(&whole));
        assert_eq!(labels(&whole), ["Guide", "Code", "Notes", "End"]);
        let count = |a: &Article| a.sections[0].text.matches("not a heading").count();
        assert_eq!(count(&cut), count(&whole));
    }

    #[test]
    fn raw_html_text_may_begin_with_any_character() {
        // Found by the markdown fuzz target: text in raw HTML that begins
        // with a character of more than one byte.
        let mut in_comment = false;
        assert_eq!(
            strip_html("\u{fffd}é<b>x</b>", &mut in_comment),
            "\u{fffd}éx"
        );
        let article = split("# T\n\n<p>\u{fffd} ok</p>\n");
        assert_eq!(article.sections[0].text, "\u{fffd} ok");
    }
}
