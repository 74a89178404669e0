//! HTML in, [`Article`] out, read with html5ever's HTML5 tokenizer.
//!
//! `h1`–`h6` build the section path. When the page marks its main content
//! (`<main>` or `role="main"`, as Sphinx and most site generators do), only
//! that is read; everywhere, `script`, `style`, `nav`, `header`, `footer`,
//! `aside`, `template` and elements whose role is navigation, banner,
//! search or contentinfo are not. The title is the first `h1` when
//! `<title>` starts with it (so "Page — Site" gives "Page"), else
//! `<title>`, else the first `h1`, else the file name. A section's anchor is
//! its heading's `id`, else the `id` of the `<section>` it heads (Sphinx),
//! else a slug. Permalink marks inside headings (`¶`, Sphinx's
//! `a.headerlink`) are left out of labels.
//!
//! No tree is built: the tokenizer's tags and text stream through a stack of
//! open elements, which is all an outline needs. The tokenizer is the
//! standard's (character references, raw text in `script` and `style`,
//! comments, CDATA); building a DOM cost more than tokenizing, for nothing
//! the outline uses. Where a tree builder would close elements implicitly,
//! an end tag closes every element opened inside the one it names, and an
//! end tag naming no open element is ignored.

use std::cell::RefCell;

use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::{LocalName, tendril::StrTendril};
use rustc_hash::FxHashMap;

use super::article::Article;
use super::outline::{self, Collector};

/// Elements whose content is never indexed.
const SKIPPED: &[&str] = &[
    "script", "style", "nav", "header", "footer", "aside", "template", "noscript", "head", "svg",
    "button", "select", "textarea", "iframe", "object", "math", "title",
];

/// ARIA roles of page furniture.
const SKIPPED_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "search",
    "contentinfo",
    "complementary",
];

/// Elements that end the text block before them.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "caption",
    "figure",
    "figcaption",
    "form",
    "fieldset",
    "details",
    "summary",
    "address",
    "hr",
    "br",
    "body",
];

/// Elements that never have content or an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen",
];

/// Permalink glyphs trimmed from the end of a heading.
const PERMALINK_MARKS: &[char] = &['¶', '#', '§', '🔗', ' '];

/// Classes of permalink anchors that generators put inside headings.
const PERMALINK_CLASSES: &[&str] = &[
    "headerlink",
    "anchor",
    "anchorjs-link",
    "heading-anchor",
    "permalink",
];

/// How much of a page the tokenizer is given at a time.
const FEED_BYTES: usize = 64 * 1024;

/// Splits an HTML page into sections. `fallback_title` is used when the
/// page has neither `<title>` nor `h1`.
pub(crate) fn parse(
    text: &str,
    fallback_title: &str,
    is_boilerplate: impl Fn(&str) -> bool,
) -> Article {
    let tokenizer = Tokenizer::new(Sink::default(), TokenizerOpts::default());
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
    let page = tokenizer.sink.page.into_inner();
    let reader = page.main.unwrap_or(page.all);
    let page_title = page
        .title
        .map(|t| outline::fold_space(&t))
        .unwrap_or_default();
    let first_h1 = reader.out.first_h1();
    let title = match first_h1 {
        Some(h1)
            if !h1.is_empty() && (page_title.is_empty() || page_title.starts_with(h1.as_str())) =>
        {
            h1
        }
        _ if !page_title.is_empty() => page_title,
        _ => fallback_title.to_string(),
    };
    outline::build(title, reader.out.blocks, is_boilerplate)
}

#[derive(Default)]
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

/// The page as read so far.
#[derive(Default)]
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
}

impl Page {
    fn start(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let depth = self.open.len();
        let opens = !tag.self_closing && !VOID.contains(&name);
        if self.main.is_none() && opens && (name == "main" || attr(tag, "role") == Some("main")) {
            self.main = Some(Reader::default());
            self.main_depth = Some(depth);
        }
        self.all.start(tag, depth, opens);
        if self.main_depth.is_some()
            && let Some(main) = &mut self.main
        {
            main.start(tag, depth, opens);
        }
        if opens {
            self.open.push(tag.name.clone());
            *self.open_count.entry(tag.name.clone()).or_default() += 1;
        }
        match name {
            "title" if self.title.is_none() && !self.is_open("svg") => {
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

    fn is_open(&self, name: &str) -> bool {
        self.open_count
            .get(&LocalName::from(name))
            .is_some_and(|&n| n > 0)
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

/// Builds the outline of the elements it is shown.
#[derive(Default)]
struct Reader {
    out: Collector,
    /// The id of the `<section>` just opened, for its heading.
    section_id: Option<String>,
    /// How many `pre` elements enclose the current node.
    pre: usize,
    /// The depth of the skipped element being passed over.
    skipping: Option<usize>,
}

impl Reader {
    fn start(&mut self, tag: &Tag, depth: usize, opens: bool) {
        if self.skipping.is_some() {
            return;
        }
        if skip(tag, self.out.in_heading()) {
            if opens {
                self.skipping = Some(depth);
            }
            return;
        }
        self.open(tag);
    }

    fn end(&mut self, name: &str, depth: usize) {
        match self.skipping {
            Some(skipped) if depth <= skipped => self.skipping = None,
            Some(_) => {}
            None => self.close(name),
        }
    }

    fn text(&mut self, text: &str) {
        if self.skipping.is_none() {
            self.out.text(text);
        }
    }

    fn flush(&mut self) {
        self.out.flush(self.pre == 0);
    }

    fn open(&mut self, tag: &Tag) {
        let name: &str = &tag.name;
        if let Some(level) = heading_level(name) {
            // A heading inside a heading closes it, as a tree builder does.
            self.out.end_heading(PERMALINK_MARKS);
            self.flush();
            let id = attr(tag, "id")
                .map(str::to_string)
                .or_else(|| self.section_id.take());
            self.out.start_heading(level, id);
            return;
        }
        if BLOCKS.contains(&name) {
            self.flush();
        }
        match name {
            "pre" => self.pre += 1,
            "td" | "th" => self.out.text(" "),
            _ => {}
        }
        let is_section = name == "section" || (name == "div" && has_class(tag, &["section"]));
        if is_section && let Some(id) = attr(tag, "id") {
            self.section_id = Some(id.to_string());
        }
    }

    fn close(&mut self, name: &str) {
        if heading_level(name).is_some() {
            self.out.end_heading(PERMALINK_MARKS);
            return;
        }
        match name {
            "td" | "th" => self.out.text(" "),
            "pre" => {
                self.flush();
                self.pre = self.pre.saturating_sub(1);
            }
            _ if BLOCKS.contains(&name) => self.flush(),
            _ => {}
        }
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// The value of the attribute `name`, if the tag has it.
fn attr<'a>(tag: &'a Tag, name: &str) -> Option<&'a str> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

/// Whether the tag's `class` lists one of `classes`.
fn has_class(tag: &Tag, classes: &[&str]) -> bool {
    attr(tag, "class").is_some_and(|c| c.split_ascii_whitespace().any(|c| classes.contains(&c)))
}

/// Whether an element's content is left out: furniture everywhere, and
/// permalink marks inside headings.
fn skip(tag: &Tag, in_heading: bool) -> bool {
    SKIPPED.contains(&&*tag.name)
        || attr(tag, "role").is_some_and(|r| SKIPPED_ROLES.contains(&r))
        || attr(tag, "hidden").is_some()
        || attr(tag, "aria-hidden") == Some("true")
        || (in_heading && has_class(tag, PERMALINK_CLASSES))
}

#[cfg(test)]
mod tests {
    use super::*;

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
