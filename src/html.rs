//! HTML in, [`Article`] out, with an HTML5 parser (html5ever, through
//! scraper).
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

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node};

use crate::article::Article;
use crate::outline::{self, Collector};

/// Elements whose content is never indexed.
const SKIPPED: &[&str] = &[
    "script", "style", "nav", "header", "footer", "aside", "template", "noscript", "head", "svg",
    "button", "select", "textarea", "iframe", "object",
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

/// Splits an HTML page into sections. `fallback_title` is used when the
/// page has neither `<title>` nor `h1`.
pub(crate) fn parse(
    text: &str,
    fallback_title: &str,
    is_boilerplate: impl Fn(&str) -> bool,
) -> Article {
    let document = Html::parse_document(text);
    let root = document.root_element();
    let main = root
        .descendent_elements()
        .find(|e| e.value().name() == "main" || e.value().attr("role") == Some("main"));
    let page_title = root
        .descendent_elements()
        .find(|e| e.value().name() == "title")
        .map(|e| outline::fold_space(&e.text().collect::<String>()))
        .unwrap_or_default();
    let mut reader = Reader::default();
    reader.read(main.unwrap_or(root));
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
struct Reader {
    out: Collector,
    /// The id of the `<section>` just opened, for its heading.
    section_id: Option<String>,
    /// How many `pre` elements enclose the current node.
    pre: usize,
}

impl Reader {
    fn read(&mut self, root: ElementRef) {
        // Non-recursive: deeply nested pages cannot overflow the stack.
        let mut skipping: Option<ego_tree::NodeId> = None;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => {
                    if skipping.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(text) => self.out.text(text),
                        Node::Element(el) => {
                            if skip(el, self.out.in_heading()) {
                                skipping = Some(node.id());
                            } else {
                                self.open(el);
                            }
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if skipping == Some(node.id()) {
                        skipping = None;
                    } else if skipping.is_none()
                        && let Node::Element(el) = node.value()
                    {
                        self.close(el);
                    }
                }
            }
        }
        self.flush();
    }

    fn flush(&mut self) {
        self.out.flush(self.pre == 0);
    }

    fn open(&mut self, el: &scraper::node::Element) {
        let name = el.name();
        if let Some(level) = heading_level(name) {
            self.flush();
            let id = el
                .id()
                .map(str::to_string)
                .or_else(|| self.section_id.take());
            self.out.start_heading(level, id);
            return;
        }
        if BLOCKS.contains(&name) {
            self.flush();
        }
        if name == "pre" {
            self.pre += 1;
        }
        let is_section =
            name == "section" || (name == "div" && el.classes().any(|c| c == "section"));
        if is_section && let Some(id) = el.id() {
            self.section_id = Some(id.to_string());
        }
    }

    fn close(&mut self, el: &scraper::node::Element) {
        let name = el.name();
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

/// Whether an element's content is left out: furniture everywhere, and
/// permalink marks inside headings.
fn skip(el: &scraper::node::Element, in_heading: bool) -> bool {
    SKIPPED.contains(&el.name())
        || el.attr("role").is_some_and(|r| SKIPPED_ROLES.contains(&r))
        || el.attr("hidden").is_some()
        || el.attr("aria-hidden") == Some("true")
        || (in_heading && el.classes().any(|c| PERMALINK_CLASSES.contains(&c)))
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
}
