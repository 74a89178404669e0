//! HTML in, [`Article`] out, read with quire's HTML5 tokenizer.
//!
//! `h1`–`h6` build the section path. When the page marks its main content
//! (`<main>` or `role="main"`, as Sphinx and most site generators do), only
//! that is read. Everywhere, page furniture is not: `script`, `style`,
//! `nav`, `footer`, `aside` (unless it is an admonition), `header` outside
//! `main` and `article`, elements whose role is navigation, banner,
//! search or contentinfo, and elements whose class or id names furniture
//! in its words (`toc`, `breadcrumb`, `navheader`, `sidebar`, `skip`,
//! `cookie`, `feedback`, `edit-this-page`, `version-picker`, `sr-only`, ...,
//! [`FURNITURE_WORDS`], [`FURNITURE_PAIRS`]). A list that is all links to
//! the page's own anchors is its table of contents, and is dropped with its
//! caption. A heading inside an admonition (Note, Warning, ...) is a
//! paragraph of its section. Block elements, `<br>` and table cells
//! separate words, in headings too; inline elements do not.
//!
//! The title is the page's own part of `<title>`: the part its first
//! heading says ("Page — Site" gives "Page"), else the part before the
//! separators (after ` : `, Confluence's "Space : Page"), without a closing
//! `(...)` the heading lacks ("ArrayList (Java SE 17 & JDK 17)" gives
//! "ArrayList"). The title's own heading heads no path, and a few short
//! lines before it (breadcrumbs) are dropped.
//!
//! A section's anchor is an id the page has: its heading's `id`, else its
//! permalink's target (`<a class="headerlink" href="#x">`), else an `id` or
//! `<a name>` inside the heading, else the `id` of the element the heading
//! opens (Sphinx's `<section id>`, DocBook's `<div class="sect2" id>`) or of
//! one just before it with no text between, else of the first element
//! just after it; only when there is none, a slug. Each section says
//! whether its anchor is in the page ([`Section::anchor_in_page`], checked
//! against every id the page has). Permalink marks inside headings (`¶`,
//! `#`, Sphinx's `a.headerlink`) are left out of labels.
//!
//! [`Section::anchor_in_page`]: super::article::Section::anchor_in_page
//!
//! No tree is built: the tokenizer's tags and text stream through a stack of
//! open elements, which is all an outline needs. The tokenizer
//! ([`super::tokenizer`]) follows the standard's (character references, raw
//! text in `script` and `style`, comments, CDATA) over the page's bytes, and
//! reads every page as html5ever's does (a differential test below);
//! building a DOM cost more than tokenizing, for nothing the outline uses.
//! Where a tree builder would close elements implicitly, an end tag closes
//! every element opened inside the one it names, and an end tag naming no
//! open element is ignored.

use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{Tag, TokenSinkResult};
use html5ever::{LocalName, local_name};
use rustc_hash::FxHashMap;

use super::article::Article;
use super::outline::{self, Block, Collector, Mark};
use crate::analysis::tokens::{fold, fold_space};

/// Elements whose content is never indexed. (`header` is read inside
/// `main` and `article`, where it is the article's own; `aside` is read
/// when it is an admonition.)
const SKIPPED: &[&str] = &[
    "script", "style", "nav", "header", "footer", "aside", "template", "noscript", "head", "svg",
    "button", "select", "textarea", "iframe", "object", "math", "title", "dialog",
];

/// ARIA roles of page furniture.
const SKIPPED_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "search",
    "contentinfo",
    "complementary",
];

/// Elements that end the text block before them (and, in a heading,
/// separate its words).
const BLOCKS: &[LocalName] = &[
    local_name!("p"),
    local_name!("div"),
    local_name!("section"),
    local_name!("article"),
    local_name!("main"),
    local_name!("header"),
    local_name!("aside"),
    local_name!("hgroup"),
    local_name!("li"),
    local_name!("ul"),
    local_name!("ol"),
    local_name!("dl"),
    local_name!("dt"),
    local_name!("dd"),
    local_name!("menu"),
    local_name!("dir"),
    local_name!("pre"),
    local_name!("blockquote"),
    local_name!("center"),
    local_name!("table"),
    local_name!("thead"),
    local_name!("tbody"),
    local_name!("tfoot"),
    local_name!("tr"),
    local_name!("caption"),
    local_name!("figure"),
    local_name!("figcaption"),
    local_name!("form"),
    local_name!("fieldset"),
    local_name!("legend"),
    local_name!("details"),
    local_name!("summary"),
    local_name!("address"),
    local_name!("hr"),
    local_name!("br"),
    local_name!("body"),
];

/// Elements that never have content or an end tag.
const VOID: &[LocalName] = &[
    local_name!("area"),
    local_name!("base"),
    local_name!("br"),
    local_name!("col"),
    local_name!("embed"),
    local_name!("hr"),
    local_name!("img"),
    local_name!("input"),
    local_name!("link"),
    local_name!("meta"),
    local_name!("param"),
    local_name!("source"),
    local_name!("track"),
    local_name!("wbr"),
    local_name!("keygen"),
];

/// Permalink glyphs trimmed from both ends of a heading (with the
/// zero-width space some generators put in an empty permalink).
const PERMALINK_MARKS: &[char] = &['¶', '#', '§', '🔗', ' ', '\u{200b}', '\u{feff}'];

/// Words of the class names and ids of page furniture (names are split
/// into words at `-`, `_` and a lower-case letter followed by a capital:
/// `md-sidebar`, `theme-doc-toc-desktop`, `tableOfContents_x1`).
const FURNITURE_WORDS: &[&str] = &[
    "toc",
    "tableofcontents",
    "onthispage",
    "breadcrumb",
    "breadcrumbs",
    "navheader",
    "navfooter",
    "navbar",
    "navbox",
    "sidebar",
    "footer",
    "skip",
    "skiplink",
    "jump",
    "cookie",
    "cookies",
    "consent",
    "feedback",
    "helpful",
    "editsection",
    "pagination",
    "pager",
    "printfooter",
    "catlinks",
    "noprint",
    "lastmod",
    "backlink",
    "backref",
];

/// Whole class names of page furniture that are too common as words of
/// other names: VitePress's language label over a code block
/// (`<span class="lang">bash</span>`; MediaWiki's `mw-highlight-lang-ini`
/// holds code).
const FURNITURE_CLASSES: &[&str] = &["lang"];

/// Two words in a row in a class name or id of page furniture.
const FURNITURE_PAIRS: &[(&str, &str)] = &[
    ("of", "contents"),
    ("on", "this"),
    ("edit", "page"),
    ("edit", "this"),
    ("edit", "link"),
    ("edit", "button"),
    ("last", "updated"),
    ("last", "modified"),
    ("page", "metadata"),
    ("version", "switcher"),
    ("version", "picker"),
    ("version", "selector"),
    ("version", "select"),
    ("version", "menu"),
    ("prev", "next"),
    ("reading", "time"),
    ("footnote", "back"),
    ("page", "meta"),
    ("no", "print"),
    ("print", "none"),
    ("hidden", "print"),
    ("sr", "only"),
    ("visually", "hidden"),
    ("screen", "reader"),
];

/// Words of the class names of admonitions (Note, Warning, Tip, ...): a
/// heading inside one is read as a paragraph of the section around it.
const ADMONITION_CLASSES: &[&str] = &[
    "note",
    "warning",
    "important",
    "tip",
    "caution",
    "danger",
    "attention",
    "hint",
    "notice",
    "seealso",
];

/// Parts of class names that make an admonition (`admonition`,
/// `admonitionblock`, `theme-admonition`, `callout-note`, `alert-info`,
/// `confluence-information-macro`, VitePress's `custom-block`).
const ADMONITION_PARTS: &[&str] = &[
    "admonition",
    "callout",
    "alert",
    "information-macro",
    "custom-block",
];

/// Words of the class names of permalinks (and MediaWiki's `[edit]`
/// links) that generators put inside headings (`headerlink`, `hash-link`, `header-anchor`, `anchor-heading`,
/// `td-heading-self-link`, ...).
const PERMALINK_WORDS: &[&str] = &[
    "anchor",
    "anchorjs",
    "permalink",
    "headerlink",
    "editsection",
];

/// Two words in a row that name a permalink (`hash-link`, `self-link`,
/// `heading-link`, `direct-link`).
const PERMALINK_PAIRS: &[(&str, &str)] = &[
    ("hash", "link"),
    ("self", "link"),
    ("heading", "link"),
    ("header", "link"),
    ("direct", "link"),
    ("id", "link"),
];

/// Separators between a page's own title and the site's name in
/// `<title>`.
const TITLE_SEPARATORS: &[&str] = &[
    " — ", " – ", " - ", " | ", " · ", " • ", " :: ", " » ", " « ", " › ", " ‹ ", " : ",
];

/// The most bytes of text between an element with an id and the heading
/// it opens (see `Reader::pending_id`).
const PENDING_ID_CHARS: usize = 32;

/// The share of a list's text that must be links to the page's own
/// anchors for the list to be the page's table of contents.
const CONTENTS_LINK_SHARE: f64 = 0.9;

/// Splits an HTML page into sections. `name` (the file name without its
/// extension) is the title of a page with neither `<title>` nor a
/// heading, and tells links within the page (`name.html#x`).
pub(crate) fn parse(text: &str, name: &str, is_boilerplate: impl Fn(&str) -> bool) -> Article {
    article_of(read(text, name), name, is_boilerplate)
}

/// The article of the page read as `page`.
fn article_of(mut page: Page, name: &str, is_boilerplate: impl Fn(&str) -> bool) -> Article {
    let reader = page.main.take().unwrap_or(std::mem::take(&mut page.all));
    let page_title = page.title.map(|t| fold_space(&t)).unwrap_or_default();
    let mut blocks = reader.out.blocks;
    let first_heading = blocks
        .iter()
        .position(|b| matches!(b, Block::Heading { .. }));
    let lead = first_heading.and_then(|i| match &blocks[i] {
        Block::Heading { text, level, .. } => Some((fold_space(text), *level)),
        _ => None,
    });
    let (title, from_lead) = page_title_of(&page_title, lead.as_ref().map(|(t, _)| t.as_str()));
    let title = if title.is_empty() {
        name.to_string()
    } else {
        title
    };
    // The title's own heading: the first one, when it reads as the title
    // or the title was taken from it. A few short lines before it
    // (breadcrumbs, Javadoc's module and package, "last updated") are not
    // the page's text; prose before it is the title's section.
    let title_block = outline::title_heading(&blocks, &title)
        .or(first_heading
            .filter(|_| from_lead && lead.as_ref().is_some_and(|(_, level)| *level == 1)));
    let title_block = title_block.map(|i| {
        if outline::only_short_lines(&blocks[..i]) {
            blocks.drain(..i);
            0
        } else {
            i
        }
    });
    let is_furniture = |p: &str| is_boilerplate(p) || is_contents_caption(p);
    let mut article = outline::build(title, blocks, title_block, is_furniture);
    for section in &mut article.sections {
        let hash = xxhash_rust::xxh3::xxh3_64(section.anchor.as_bytes());
        section.anchor_in_page = page.ids.contains(&hash);
    }
    article.lang = page.lang;
    article
}

/// The captions of tables of contents, a paragraph of their own where a
/// generator puts one before its list of links.
const CONTENTS_CAPTIONS: &[&str] = &[
    "contents",
    "table of contents",
    "on this page",
    "in this article",
    "in this section",
    "page contents",
];

/// Whether a paragraph is nothing but a table of contents' caption.
fn is_contents_caption(paragraph: &str) -> bool {
    paragraph.len() <= 21 && {
        let caption = paragraph.trim_end_matches(':').trim();
        CONTENTS_CAPTIONS
            .iter()
            .any(|c| c.eq_ignore_ascii_case(caption))
    }
}

/// Tokenizes the page into its outline.
fn read(text: &str, name: &str) -> Page {
    let mut page = Page::new(name);
    super::tokenizer::tokenize(text, &mut page);
    page
}

/// The page's own title from its `<title>` and the text of its first
/// heading (`lead`), and whether it was taken from that heading.
///
/// `<title>` often adds the site's name: "Getting started - Material for
/// MkDocs", "Intro | Docusaurus", "ArrayList (Java SE 17 & JDK 17)",
/// "Space : Page" (Confluence). The part that the first heading says is
/// the title; without one that says it, the part before the separators
/// (after ` : `, Confluence's), and a closing `(...)` the heading does not
/// have is left out.
fn page_title_of(page_title: &str, lead: Option<&str>) -> (String, bool) {
    let lead = lead.filter(|l| !l.is_empty());
    let Some(lead_text) = lead else {
        // No heading to tell: the title as written, less a site's name.
        return (own_part(page_title).to_string(), false);
    };
    if page_title.is_empty() {
        return (lead_text.to_string(), true);
    }
    let folded = fold(page_title);
    let lead_folded = fold(lead_text);
    if let Some(rest) = folded.strip_prefix(&lead_folded)
        && rest.starts_with(' ')
        && rest
            .trim_start()
            .starts_with(['—', '–', '-', '|', '·', '•', ':', '»', '«', '›', '‹', '('])
    {
        return (lead_text.to_string(), true);
    }
    let parts = title_parts(page_title);
    if parts.len() > 1 {
        if let Some(part) = parts.iter().find(|p| fold(p) == lead_folded) {
            return (part.to_string(), true);
        }
        if folded == lead_folded {
            return (own_part(page_title).to_string(), true);
        }
        if let Some(part) = parts
            .iter()
            .map(|p| without_aside(p, &lead_folded))
            .find(|p| p.chars().count() >= 3 && contains_words(&lead_folded, &fold(p)))
        {
            return (part.to_string(), true);
        }
        return (own_part(page_title).to_string(), false);
    }
    if folded == lead_folded {
        return (lead_text.to_string(), true);
    }
    let short = without_aside(page_title, &lead_folded);
    let from_lead = contains_words(&lead_folded, &fold(short));
    (short.to_string(), from_lead)
}

/// `title` cut at the separators that join a page's title to a site's
/// name, longest separators first.
fn title_parts(title: &str) -> Vec<&str> {
    for sep in TITLE_SEPARATORS {
        if title.contains(sep) {
            return title
                .split(sep)
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
        }
    }
    vec![title]
}

/// The part of a `<title>` that names the page: after ` : ` (Confluence's
/// "Space : Page"), else before the first separator.
fn own_part(title: &str) -> &str {
    let parts = title_parts(title);
    let own = if title.contains(" : ") {
        parts.last()
    } else {
        parts.first()
    };
    own.copied().unwrap_or(title)
}

/// `text` without a closing `(...)` that `lead` (folded) does not have.
fn without_aside<'a>(text: &'a str, lead: &str) -> &'a str {
    let trimmed = text.trim_end();
    if trimmed.ends_with(')')
        && let Some(open) = trimmed.rfind(" (")
    {
        let aside = fold(&trimmed[open + 2..trimmed.len() - 1]);
        if !lead.contains(&aside) && open > 0 {
            return trimmed[..open].trim_end();
        }
    }
    trimmed
}

/// Whether `words` (folded) are in `text` (folded) as whole words.
fn contains_words(text: &str, words: &str) -> bool {
    if words.is_empty() {
        return false;
    }
    text.match_indices(words).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + words.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

impl super::tokenizer::Sink for Page {
    fn start(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        Page::start(self, tag)
    }

    fn end(&mut self, name: &LocalName) {
        Page::end(self, name);
    }

    fn text(&mut self, text: &str) {
        Page::text(self, text);
    }

    fn eof(&mut self) {
        self.close_all();
    }
}

/// The page as read so far.
struct Page {
    /// Names of the open elements, outermost first.
    open: Vec<LocalName>,
    /// How many elements of each name are open, so that an end tag naming
    /// none is dropped without a walk down the stack.
    open_count: FxHashMap<LocalName, u32>,
    /// Everything outside skipped elements.
    all: Reader,
    /// The first `<main>` (or `role="main"`) and its depth while open.
    main: Option<Reader>,
    main_depth: Option<usize>,
    /// The first `<title>` outside `svg`, and whether it is being read.
    title: Option<String>,
    in_title: bool,
    /// The page's file name without its extension.
    name: String,
    /// Every `id` in the page, and every anchor's `name` (the link
    /// targets it has), as 64-bit hashes.
    ids: rustc_hash::FxHashSet<u64>,
    /// What each class value seen says of its elements.
    classes: FxHashMap<String, ClassVerdict>,
    /// The language `<html lang>` gives, as a code.
    lang: Option<String>,
}

impl Page {
    fn new(name: &str) -> Page {
        Page {
            open: Vec::new(),
            open_count: FxHashMap::default(),
            all: Reader::default(),
            main: None,
            main_depth: None,
            title: None,
            in_title: false,
            name: name.to_string(),
            ids: rustc_hash::FxHashSet::default(),
            classes: FxHashMap::default(),
            lang: None,
        }
    }

    fn start(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let depth = self.open.len();
        let opens = !tag.self_closing && !VOID.contains(&tag.name);
        let id = id_of(tag);
        if let Some(id) = id {
            self.ids.insert(xxhash_rust::xxh3::xxh3_64(id.as_bytes()));
        }
        if tag.name == local_name!("html") && self.lang.is_none() {
            self.lang = attr(tag, local_name!("lang"))
                .or_else(|| attr(tag, local_name!("xml:lang")))
                .and_then(crate::analysis::language::language_code);
        }
        if self.main.is_none()
            && opens
            && (name == "main" || attr(tag, local_name!("role")) == Some("main"))
        {
            self.main = Some(Reader::default());
            self.main_depth = Some(depth);
        }
        // Inside what both readers pass over (a sidebar, a script), what
        // a tag says does not matter: they only count its depth.
        let reading = self.all.skipping.is_none()
            || (self.main_depth.is_some()
                && self.main.as_ref().is_some_and(|m| m.skipping.is_none()));
        let class = match attr(tag, local_name!("class")) {
            Some(value) if reading => self.class_verdict(value),
            _ => ClassVerdict::default(),
        };
        let in_article = self.main_depth.is_some()
            || self.is_open(&local_name!("main"))
            || self.is_open(&local_name!("article"));
        let at = At {
            depth,
            opens,
            page: &self.name,
            class,
            id,
            skipped: reading && skipped(tag, class, id, in_article),
            furniture: reading && is_furniture(tag, class, id),
        };
        self.all.start(tag, &at);
        if self.main_depth.is_some()
            && let Some(main) = &mut self.main
        {
            main.start(tag, &at);
        }
        if opens {
            self.open.push(tag.name.clone());
            *self.open_count.entry(tag.name.clone()).or_default() += 1;
        }
        match name {
            "title" if self.title.is_none() && !self.is_open(&local_name!("svg")) => {
                self.title = Some(String::new());
                self.in_title = true;
                TokenSinkResult::RawData(RawKind::Rcdata)
            }
            "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "script" => TokenSinkResult::RawData(RawKind::ScriptData),
            "plaintext" => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        }
    }

    /// What the class value `value` says, worked out once a page.
    fn class_verdict(&mut self, value: &str) -> ClassVerdict {
        if let Some(verdict) = self.classes.get(value) {
            return *verdict;
        }
        let verdict = class_verdict(value);
        if self.classes.len() < CLASS_VERDICTS {
            self.classes.insert(value.to_string(), verdict);
        }
        verdict
    }

    fn is_open(&self, name: &LocalName) -> bool {
        self.open_count.get(name).is_some_and(|&n| n > 0)
    }

    /// Closes the element `name` and every element opened inside it.
    fn end(&mut self, name: &LocalName) {
        if self.open_count.get(name).is_none_or(|&n| n == 0) {
            return;
        }
        while let Some(open) = self.open.pop() {
            let done = open == *name;
            self.close(&open);
            if done {
                break;
            }
        }
    }

    fn close(&mut self, name: &LocalName) {
        if let Some(n) = self.open_count.get_mut(name) {
            *n -= 1;
        }
        let depth = self.open.len();
        if &**name == "title" {
            self.in_title = false;
        }
        self.all.end(name, depth);
        if let Some(main_depth) = self.main_depth
            && let Some(main) = &mut self.main
        {
            main.end(name, depth);
            if depth == main_depth {
                self.main_depth = None;
                main.flush();
            }
        }
    }

    fn close_all(&mut self) {
        while let Some(open) = self.open.pop() {
            self.close(&open);
        }
        self.all.flush();
        if let Some(main) = &mut self.main {
            main.flush();
        }
    }

    fn text(&mut self, text: &str) {
        if self.in_title
            && let Some(title) = &mut self.title
        {
            title.push_str(text);
        }
        self.all.text(text);
        if self.main_depth.is_some()
            && let Some(main) = &mut self.main
        {
            main.text(text);
        }
    }
}

/// What the readers are told of a start tag, worked out once for both:
/// its depth, whether it opens an element, the page's file name, and what
/// its class and id say.
struct At<'a> {
    depth: usize,
    opens: bool,
    page: &'a str,
    class: ClassVerdict,
    /// Its `id` (or an anchor's `name`).
    id: Option<&'a str>,
    /// Whether its content is never read (see [`skipped`]).
    skipped: bool,
    /// Whether it is furniture, outside a heading (see [`is_furniture`]).
    furniture: bool,
}

/// A list being read that may be the page's table of contents.
struct ListWatch {
    depth: usize,
    /// Where the blocks were when it opened.
    mark: Mark,
    /// How many headings had been read then.
    headings: usize,
    /// Links to the page's own anchors in it.
    links: usize,
    /// Bytes of its text inside such links, and outside them.
    link_chars: usize,
    other_chars: usize,
}

/// Builds the outline of the elements it is shown.
#[derive(Default)]
struct Reader {
    out: Collector,
    /// The `id` of the element opened last, kept until text comes: the
    /// anchor of a heading that has none of its own (DocBook's
    /// `<div class="sect2" id="X">`, Sphinx's `<section id>`, an
    /// `<a name>` just before the heading).
    pending_id: Option<String>,
    /// The bytes of text read since `pending_id` was set.
    pending_chars: usize,
    /// How many `pre` elements enclose the current node.
    pre: usize,
    /// The depth of the skipped element being passed over.
    skipping: Option<usize>,
    /// The depth of the admonition being read, if any.
    admonition: Option<usize>,
    /// Open lists that may be a table of contents, outermost first.
    lists: Vec<ListWatch>,
    /// The depth of the open link to one of the page's own anchors.
    link: Option<usize>,
}

impl Reader {
    fn start(&mut self, tag: &Tag, at: &At) {
        if self.skipping.is_some() {
            return;
        }
        let in_heading = self.out.in_heading();
        let skip =
            at.skipped || (!in_heading && at.furniture) || (in_heading && at.class.permalink);
        if skip {
            // A permalink names the heading it is in: its target is the
            // anchor the generator meant, else its own id is one.
            if in_heading {
                if let Some(target) =
                    attr(tag, local_name!("href")).and_then(|h| h.strip_prefix('#'))
                {
                    let target = percent_decoded(target);
                    if !target.trim().is_empty() {
                        self.out.heading_target(target.trim());
                    }
                } else if let Some(id) = at.id {
                    self.out.heading_id(id);
                }
            }
            if at.opens {
                self.skipping = Some(at.depth);
            }
            return;
        }
        self.open(tag, at);
    }

    fn end(&mut self, name: &LocalName, depth: usize) {
        match self.skipping {
            Some(skipped) if depth <= skipped => self.skipping = None,
            Some(_) => {}
            None => self.close(name, depth),
        }
    }

    fn text(&mut self, text: &str) {
        if self.skipping.is_some() {
            return;
        }
        if !self.out.in_heading() {
            // Bytes, white space left out (so that the count does not
            // depend on how the text came in pieces), counted only when
            // something waits on them.
            let chars = if self.pending_id.is_some() || !self.lists.is_empty() {
                text.split_whitespace().map(str::len).sum()
            } else {
                0
            };
            // A few words between an element's opening and its heading
            // (rustdoc's "1.28.0 · source", a permalink's `§`) do not
            // separate them; a paragraph does.
            self.pending_chars += chars;
            if self.pending_chars > PENDING_ID_CHARS {
                self.pending_id = None;
            }
            if chars > 0
                && let Some(list) = self.lists.last_mut()
            {
                if self.link.is_some() {
                    list.link_chars += chars;
                } else {
                    list.other_chars += chars;
                }
            }
        }
        self.out.text(text);
    }

    fn flush(&mut self) {
        self.out.flush(self.pre == 0);
    }

    fn open(&mut self, tag: &Tag, at: &At) {
        let name: &str = &tag.name;
        if self.admonition.is_none() && at.opens && at.class.admonition {
            self.admonition = Some(at.depth);
        }
        if let Some(level) = heading_level(name)
            && self.admonition.is_none()
        {
            // A heading inside a heading closes it, as a tree builder does.
            self.out.end_heading(PERMALINK_MARKS);
            self.flush();
            let own = at.id.map(str::to_string);
            let around = self.pending_id.take();
            if let Some(around) = &around {
                self.out.take_back_heading_id(around);
            }
            self.out.start_heading(level, own, around);
            return;
        }
        let in_heading = self.out.in_heading();
        if BLOCKS.contains(&tag.name) || heading_level(name).is_some() {
            if in_heading {
                self.out.text(" ");
            } else {
                self.flush();
            }
        }
        match name {
            "pre" => self.pre += 1,
            "td" | "th" => self.out.text(" "),
            "ul" | "ol" | "dl" if at.opens && !in_heading => {
                let mark = self.out.mark(self.pre == 0);
                self.lists.push(ListWatch {
                    depth: at.depth,
                    mark,
                    headings: self.out.headings(),
                    links: 0,
                    link_chars: 0,
                    other_chars: 0,
                });
            }
            "a" if at.opens
                && self.link.is_none()
                && attr(tag, local_name!("href")).is_some_and(|h| links_within(h, at.page)) =>
            {
                self.link = Some(at.depth);
                if let Some(list) = self.lists.last_mut() {
                    list.links += 1;
                }
            }
            _ => {}
        }
        if let Some(id) = at.id {
            if in_heading {
                self.out.heading_id(id);
            } else {
                // A heading with no id of its own nor around it is reached
                // by the first one after it (DocBook's `<h2>Synopsis</h2>
                // <div><p id>`), when no text comes between.
                self.out.last_heading_id(id);
                self.pending_id = Some(id.to_string());
                self.pending_chars = 0;
            }
        }
    }

    fn close(&mut self, name: &LocalName, depth: usize) {
        if self.admonition == Some(depth) {
            self.admonition = None;
        }
        if heading_level(name).is_some() && self.out.in_heading() {
            self.out.end_heading(PERMALINK_MARKS);
            return;
        }
        if self.link == Some(depth) {
            self.link = None;
        }
        match &**name {
            "td" | "th" => self.out.text(" "),
            "pre" => {
                self.flush();
                self.pre = self.pre.saturating_sub(1);
            }
            _ if BLOCKS.contains(name) || heading_level(name).is_some() => {
                if self.out.in_heading() {
                    self.out.text(" ");
                } else {
                    self.flush();
                }
            }
            _ => {}
        }
        if self.lists.last().is_some_and(|l| l.depth == depth) {
            self.end_list();
        }
    }

    /// Drops the list just closed if it is the page's table of contents:
    /// links to the page's own anchors and little else, no heading.
    fn end_list(&mut self) {
        let Some(list) = self.lists.pop() else {
            return;
        };
        self.flush();
        let chars = list.link_chars + list.other_chars;
        let contents = list.links >= 2
            && list.headings == self.out.headings()
            && list.link_chars as f64 >= CONTENTS_LINK_SHARE * chars as f64;
        if contents {
            self.out.rollback(list.mark);
        } else if let Some(outer) = self.lists.last_mut() {
            outer.links += list.links;
            outer.link_chars += list.link_chars;
            outer.other_chars += list.other_chars;
        }
    }
}

/// Whether `href` links to an anchor of the page named `page` itself
/// (`#x`, `page.html#x`).
fn links_within(href: &str, page: &str) -> bool {
    let Some((path, fragment)) = href.split_once('#') else {
        return false;
    };
    if fragment.is_empty() {
        return false;
    }
    if path.is_empty() {
        return true;
    }
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    !page.is_empty() && stem == page
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        &[b'h', level @ b'1'..=b'6'] => Some(level - b'0'),
        _ => None,
    }
}

/// The value of the attribute `name`, if the tag has it.
fn attr(tag: &Tag, name: LocalName) -> Option<&str> {
    tag.attrs
        .iter()
        .find(|a| a.name.local == name)
        .map(|a| &*a.value)
}

/// The element's `id`, or an anchor's `name`: a link target.
fn id_of(tag: &Tag) -> Option<&str> {
    attr(tag, local_name!("id"))
        .or_else(|| {
            (&*tag.name == "a")
                .then(|| attr(tag, local_name!("name")))
                .flatten()
        })
        .map(str::trim)
        .filter(|id| !id.is_empty())
}

/// The words of a class name or id: split at every character that is not
/// a letter or digit, and before a capital that follows a lower-case
/// letter. At most 12, into `out`; returns how many.
fn name_words<'a>(name: &'a str, out: &mut [&'a str; 12]) -> usize {
    let mut n = 0;
    let mut start: Option<usize> = None;
    let mut previous_lower = false;
    for (i, c) in name.char_indices() {
        let alnum = c.is_alphanumeric();
        let boundary = !alnum || (c.is_uppercase() && previous_lower);
        if boundary && let Some(s) = start.take() {
            if n == out.len() {
                return n;
            }
            out[n] = &name[s..i];
            n += 1;
        }
        if alnum && start.is_none() {
            start = Some(i);
        }
        previous_lower = c.is_lowercase();
    }
    if let Some(s) = start
        && n < out.len()
    {
        out[n] = &name[s..];
        n += 1;
    }
    n
}

/// Whether a class name or id has one of `words`, or two words in a row
/// that are one of `pairs`.
fn names_one_of(name: &str, words: &[&str], pairs: &[(&str, &str)]) -> bool {
    let mut found = [""; 12];
    let n = name_words(name, &mut found);
    let found = &found[..n];
    let is = |w: &str, k: &str| w.eq_ignore_ascii_case(k);
    found.iter().any(|w| words.iter().any(|k| is(w, k)))
        || found
            .windows(2)
            .any(|pair| pairs.iter().any(|(a, b)| is(pair[0], a) && is(pair[1], b)))
}

/// Whether a class name or id names page furniture.
fn names_furniture(name: &str) -> bool {
    names_one_of(name, FURNITURE_WORDS, FURNITURE_PAIRS)
}

/// Elements whose id can name page furniture: a content id (a section's,
/// a heading's, an API item's `<dt id="c.cookie_init">`) is made from its
/// words, whatever they are.
const FURNITURE_ID_ELEMENTS: &[&str] = &["div", "ul", "ol", "table", "form"];

/// The most words in an id that names page furniture (`TableOfContents`,
/// `page-footer`, `cookie-banner`).
const FURNITURE_ID_WORDS: usize = 3;

/// Whether the tag's class or id names page furniture: tables of
/// contents, breadcrumbs, navigation headers and footers, skip links,
/// "Edit this page", feedback widgets, cookie banners, version pickers,
/// pagination, text only for screen readers or the screen.
fn is_furniture(tag: &Tag, class: ClassVerdict, id: Option<&str>) -> bool {
    // A heading is content; its furniture is what holds it.
    if heading_level(&tag.name).is_some() {
        return false;
    }
    class.furniture
        || id.is_some_and(|id| {
            id.len() <= FURNITURE_ID_BYTES
                && !class.sectioning
                && FURNITURE_ID_ELEMENTS.contains(&&*tag.name)
                && {
                    let mut words = [""; 12];
                    name_words(id, &mut words) <= FURNITURE_ID_WORDS && names_furniture(id)
                }
        })
}

/// The longest id that can name furniture (`TableOfContents`).
const FURNITURE_ID_BYTES: usize = 32;

/// What an element's `class` says of it, worked out once for each
/// distinct value a page has (pages repeat a few hundred class values
/// over thousands of elements).
#[derive(Clone, Copy, Debug, Default)]
struct ClassVerdict {
    /// Page furniture.
    furniture: bool,
    /// An admonition (Note, Warning, ...).
    admonition: bool,
    /// A permalink, inside a heading.
    permalink: bool,
    /// A sectioning element's (`sect1`, `section`): its id is content's.
    sectioning: bool,
}

/// The most class values remembered for one page.
const CLASS_VERDICTS: usize = 4096;

fn class_verdict(class: &str) -> ClassVerdict {
    let tokens = || class.split_ascii_whitespace();
    ClassVerdict {
        furniture: tokens().any(|t| names_furniture(t) || FURNITURE_CLASSES.contains(&t))
            // Docutils' `.. contents::` box.
            || (tokens().any(|t| t == "contents") && tokens().any(|t| t == "topic" || t == "local")),
        admonition: tokens().any(|c| {
            let mut words = [""; 12];
            let n = name_words(c, &mut words);
            words[..n]
                .iter()
                .any(|w| ADMONITION_CLASSES.iter().any(|k| w.eq_ignore_ascii_case(k)))
                || ADMONITION_PARTS.iter().any(|p| {
                    c.as_bytes()
                        .windows(p.len())
                        .any(|w| w.eq_ignore_ascii_case(p.as_bytes()))
                })
        }),
        permalink: tokens().any(names_permalink),
        sectioning: class.contains("sect"),
    }
}

/// `text` with its `%XX` escapes decoded (a link's fragment), as written
/// when one is not UTF-8.
fn percent_decoded(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('%') {
        return text.into();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(Some(hi)), Some(Some(lo))) = (
                bytes.get(i + 1).map(|&b| hex(b)),
                bytes.get(i + 2).map(|&b| hex(b)),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_or_else(|_| text.into(), Into::into)
}

/// Whether a class name names a permalink inside a heading.
fn names_permalink(name: &str) -> bool {
    names_one_of(name, PERMALINK_WORDS, PERMALINK_PAIRS)
}

/// Whether an element's content is never read, in headings or out: what
/// is never content (`script`, `nav`, ...), ARIA furniture, hidden
/// elements. (Furniture by class or id is left out outside headings, and
/// permalinks inside them.)
fn skipped(tag: &Tag, class: ClassVerdict, id: Option<&str>, in_article: bool) -> bool {
    let name: &str = &tag.name;
    let skipped = match name {
        // Pandoc's `header#title-block-header` holds the page's title.
        "header" => !in_article && !id.is_some_and(|id| id.contains("title")),
        "aside" => !class.admonition,
        _ => SKIPPED.contains(&name),
    };
    skipped
        || attr(tag, local_name!("role")).is_some_and(|r| SKIPPED_ROLES.contains(&r))
        || attr(tag, local_name!("hidden")).is_some()
        || attr(tag, local_name!("aria-hidden")) == Some("true")
}

/// html5ever's tokenizer feeding the same [`Page`]: the reference that
/// quire's own tokenizer is tested against, token for token as far as a
/// page's outline can tell.
#[cfg(test)]
mod reference {
    use std::cell::RefCell;

    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::{
        BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
    };

    use super::Page;

    /// How much of a page the tokenizer is given at a time.
    const FEED_BYTES: usize = 64 * 1024;

    /// Reads the page with html5ever's tokenizer, which [`super::read`]
    /// is checked against.
    pub(super) fn read(text: &str, name: &str) -> Page {
        let sink = Sink {
            page: RefCell::new(Page::new(name)),
        };
        let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
        let input = BufferQueue::default();
        // Fed a piece at a time, so that the tokenizer's copy of the page is
        // one piece, not the whole page again. The sink never asks to stop for
        // a script, so each feed reads all it is given.
        let mut rest = text;
        while !rest.is_empty() {
            let mut end = rest.len().min(FEED_BYTES);
            while !rest.is_char_boundary(end) {
                end += 1;
            }
            input.push_back(StrTendril::from_slice(&rest[..end]));
            let _ = tokenizer.feed(&input);
            rest = &rest[end..];
        }
        tokenizer.end();
        tokenizer.sink.page.into_inner()
    }

    struct Sink {
        page: RefCell<Page>,
    }

    impl TokenSink for Sink {
        type Handle = ();

        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            let mut page = self.page.borrow_mut();
            match token {
                Token::TagToken(tag) => match tag.kind {
                    TagKind::StartTag => return page.start(&tag),
                    TagKind::EndTag => page.end(&tag.name),
                },
                Token::CharacterTokens(text) => page.text(&text),
                Token::EOFToken => page.close_all(),
                _ => {}
            }
            TokenSinkResult::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The article both tokenizers make of `html`.
    fn both(html: &str) -> (Article, Article) {
        let ours = article_of(read(html, "p"), "p", |_| false);
        let theirs = article_of(reference::read(html, "p"), "p", |_| false);
        (ours, theirs)
    }

    #[test]
    fn quire_s_tokenizer_reads_pages_as_html5ever_s_does() {
        use rand::{Rng, SeedableRng, seq::IndexedRandom};
        // Pieces of markup, awkward ones among them, put together at
        // random into pages.
        const PIECES: &[&str] = &[
            "<h1>Title</h1>",
            "<h2 id=a>Second</h2>",
            "<H3 ID=\"b\" class='x y'>Third",
            "</h3>",
            "<p>",
            "</p>",
            "<div class=\"toc\">",
            "<div class=note>",
            "</div>",
            "<section id=s>",
            "</section>",
            "<main>",
            "</main>",
            "<nav>",
            "</nav>",
            "<ul><li><a href=\"#a\">a</a></li></ul>",
            "<br>",
            "<br/>",
            "<td>",
            "text ",
            "more words\r\n",
            "\r",
            " &amp; ",
            "&copy",
            "&notit;",
            "&#150;",
            "&#x1F600;",
            "&#0;",
            "&#;",
            "& ",
            "&bogus;",
            "<!-- <h2>no</h2> -->",
            "<!-->",
            "<!--->",
            "<!-- a --!> b -->",
            "<!-- c --!",
            "<!DOCTYPE html>",
            "<?xml x?>",
            "<![CDATA[ x ]]>",
            "</>",
            "</ 1>",
            "< b",
            "<",
            "<script>if (a < b) { x = \"</h2>\"; }</script>",
            "<style>h1 { }</style>",
            "<title>T &amp; U</title>",
            "<textarea><h2>no</h2></textarea>",
            "<a name=n>",
            "</a>",
            "<a href=\"?a=1&copy=2&amp;b\">link</a>",
            "<span class=\"headerlink\">¶</span>",
            "<pre>  a\n   b</pre>",
            "<code>x</code>",
            "\u{0}",
            "<p title=\"a>b\">",
            "<img src=x alt=y/>",
            "<dl><dt>term</dt><dd>def</dd></dl>",
            "<aside class=\"admonition warning\">",
            "</aside>",
            "<P CLASS=A class=b>",
            "ünïcödé ",
            "中文文本",
            "<h4>",
            "</h4>",
            "<svg><title>s</title></svg>",
            "<plaintext>",
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for round in 0..3000 {
            let n = rng.random_range(1..40);
            let mut page = String::new();
            for _ in 0..n {
                page.push_str(PIECES.choose(&mut rng).unwrap());
            }
            // Cut anywhere, on a character boundary: an unfinished tag.
            if round % 5 == 0 {
                let mut cut = rng.random_range(0..=page.len());
                while !page.is_char_boundary(cut) {
                    cut -= 1;
                }
                page.truncate(cut);
            }
            let (ours, theirs) = both(&page);
            assert_eq!(ours, theirs, "{page:?}");
        }
    }

    fn split(html: &str) -> Article {
        parse(html, "file-name", |_| false)
    }

    fn labels(article: &Article) -> Vec<&str> {
        article.sections.iter().map(|s| s.label.as_str()).collect()
    }

    const SPHINX: &str = r##"<!DOCTYPE html><html><head>
<title>1. How To Write Drivers &mdash; The Kernel  documentation</title>
<script>var x = "no";</script></head>
<body><nav class="side"><ul><li>Other page</li></ul></nav>
<div role="navigation"><a href="/">Home</a> » Drivers</div>
<div role="main" class="document"><div itemprop="articleBody">
<section id="how-to-write-drivers">
<h1><span class="section-number">1. </span>How To Write Drivers<a class="headerlink" href="#how-to-write-drivers" title="Permalink">¶</a></h1>
<p>Drivers &amp; devices meet    here.</p>
<section id="structure-of-drivers">
<h2><span class="section-number">1.1. </span>Structure of drivers<a class="headerlink" href="#structure-of-drivers">¶</a></h2>
<p>A <code>struct</code> describes it.</p>
<div class="highlight"><pre>struct pci_driver {
    const char *name;
};</pre></div>
<section id="probing">
<h3>Probing<a class="headerlink" href="#probing">¶</a></h3>
<ul><li><p>first</p></li><li><p>second</p></li></ul>
<table><tr><th>Flag</th><th>Meaning</th></tr><tr><td>PROBE_FORCE</td><td>always</td></tr></table>
</section></section>
<section id="unload">
<h2>Unloading<a class="headerlink" href="#unload">¶</a></h2>
<p>Call remove().</p>
</section></section>
</div></div>
<footer><div role="navigation">Next page</div>© The authors</footer>
</body></html>"##;

    #[test]
    fn sphinx_page_reads_like_its_table_of_contents() {
        let article = split(SPHINX);
        assert_eq!(article.title, "1. How To Write Drivers");
        assert_eq!(
            labels(&article),
            [
                "1. How To Write Drivers",
                "1.1. Structure of drivers",
                "1.1. Structure of drivers › Probing",
                "Unloading"
            ]
        );
        let anchors: Vec<&str> = article.sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            [
                "how-to-write-drivers",
                "structure-of-drivers",
                "probing",
                "unload"
            ]
        );
        assert_eq!(article.sections[0].text, "Drivers & devices meet here.");
        let structure = &article.sections[1].text;
        assert!(structure.contains("A struct describes it."), "{structure}");
        assert!(
            structure.contains("struct pci_driver {\n    const char *name;\n};"),
            "{structure}"
        );
        let probing = &article.sections[2].text;
        assert_eq!(
            probing,
            "first\n\nsecond\n\nFlag Meaning\n\nPROBE_FORCE always"
        );
        for s in &article.sections {
            for leak in ["¶", "Other page", "Home", "Next page", "authors", "var x"] {
                assert!(
                    !s.text.contains(leak) && !s.label.contains(leak),
                    "{leak} in {s:?}"
                );
            }
        }
    }

    #[test]
    fn without_main_the_body_is_read_and_furniture_skipped() {
        let article = split(
            "<html><head><title>Gout</title></head><body><header><h1>Site</h1></header>\
             <p>Intro text.</p><h2 id='tx'>Treatment</h2><p>Rest.</p><aside>Ads</aside>\
             <h2>Treatment</h2><p>More.</p></body></html>",
        );
        assert_eq!(article.title, "Gout");
        assert_eq!(labels(&article), ["Gout", "Treatment", "Treatment"]);
        let anchors: Vec<&str> = article.sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(anchors, ["gout", "tx", "treatment"]);
        assert!(!article.sections.iter().any(|s| s.text.contains("Ads")));
    }

    #[test]
    fn an_id_repeated_in_the_page_stays_with_the_first_heading_it_reaches() {
        // Doxygen gives every overload of a macro the first one's id; a
        // browser lands on the first, so that one is the id's section.
        let article = split(
            "<title>trie.hpp</title><h1>trie.hpp</h1><p>Intro.</p>\
             <h2>Macro Definition Documentation</h2>\
             <a id='m1'></a><h2><span class='permalink'><a href='#m1'>&#9670;&nbsp;</a></span>DEC [1/2]</h2><p>One.</p>\
             <a id='m1'></a><h2><span class='permalink'><a href='#m1'>&#9670;&nbsp;</a></span>DEC [2/2]</h2><p>Two.</p>\
             <a id='m2'></a><h2><span class='permalink'><a href='#m2'>&#9670;&nbsp;</a></span>OTHER</h2><p>Three.</p>",
        );
        let anchors: Vec<(&str, &str, bool)> = article
            .sections
            .iter()
            .map(|s| (s.label.as_str(), s.anchor.as_str(), s.anchor_in_page))
            .collect();
        assert_eq!(
            anchors[1..],
            [
                ("DEC [1/2]", "m1", true),
                ("DEC [2/2]", "m1-1", false),
                ("OTHER", "m2", true)
            ]
        );
    }

    #[test]
    fn title_falls_back_to_h1_then_file_name() {
        assert_eq!(split("<h1>Only heading</h1><p>x</p>").title, "Only heading");
        assert_eq!(split("<p>x</p>").title, "file-name");
        let article = split("<title>Page</title><h1>Other words</h1><p>x</p>");
        assert_eq!(article.title, "Page");
        assert_eq!(labels(&article), ["Other words"]);
    }

    #[test]
    fn broken_and_deep_html_does_not_fail() {
        let deep = "<div>".repeat(5_000) + "<h2>Deep</h2><p>text" + "<b>unclosed";
        let article = split(&deep);
        assert_eq!(labels(&article), ["Deep"]);
        assert_eq!(split("").sections.len(), 0);
        assert_eq!(split("<<<>>>&&&").sections.len(), 1);
    }

    #[test]
    fn implied_ends_raw_text_and_stray_tags_keep_the_outline() {
        let article = split(
            "<title>R&amp;D &mdash; Site</title>\
             <nav><ul><li>Menu one<li>Menu two</ul></nav>\
             <script>document.write('</div><h2>Fake</h2>');</script>\
             </span></section>\
             <h1>R&amp;D<h2 id=a>Notes</h2><p>One<p>Two<li>Three\
             <div role=navigation><div>in<div>deeper</div></div>still skipped</div>\
             <p>After &lt;tags&gt;<br>line<svg><title>icon</title></svg>\
             <h3>Last</h3><p>Tail <b>bold",
        );
        assert_eq!(article.title, "R&D");
        assert_eq!(labels(&article), ["Notes", "Notes › Last"]);
        assert_eq!(
            article.sections[0].text,
            "One\n\nTwo\n\nThree\n\nAfter <tags>\n\nline"
        );
        assert_eq!(article.sections[1].text, "Tail bold");
        for s in &article.sections {
            for leak in ["Menu", "Fake", "skipped", "deeper", "icon"] {
                assert!(!s.text.contains(leak), "{leak} in {s:?}");
            }
        }
    }
}
