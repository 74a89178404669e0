//! HTML's tokenizer over the page's bytes: start tags with their
//! attributes, end tags and text, as the standard's tokenization (WHATWG
//! HTML 13.2.5) gives them, for a reader that needs no tree.
//!
//! html5ever's tokenizer, which this replaces, steps a state machine one
//! character at a time through a queue of buffers; this one jumps to the
//! next `<` or `&` with `memchr` and slices the page in between, so text
//! costs a copy and tags an allocation or two. What it does as the
//! standard does: character references (named, with the legacy ones
//! without `;`, numeric, with the C1 replacements), CR LF and CR as LF, a
//! leading byte order mark dropped, case-folded tag and attribute names,
//! the first of repeated attributes kept, comments, `<!DOCTYPE>`,
//! `<![CDATA[` and `<?` read past, raw text after the start tags its
//! reader names (RCDATA, RAWTEXT, script data, PLAINTEXT), and a tag cut
//! off by the end of the page dropped. What it leaves out: attributes of
//! a tag past its 256th ([`MAX_ATTRIBUTES`]), the escaped
//! states of script data (`<!--` inside a script makes no `</script>`
//! wait for `-->`), and parse errors, which it does not report.
//!
//! Tags come as html5ever's [`Tag`], so that the reader (and its tests)
//! take the same values from either tokenizer.

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{Tag, TagKind, TokenSinkResult};
use html5ever::{Attribute, LocalName, QualName, ns};
use rustc_hash::{FxHashMap, FxHashSet};

/// What reads the tokens.
pub(crate) trait Sink {
    /// A start tag; the answer says how the text after it is read.
    fn start(&mut self, tag: &Tag) -> TokenSinkResult<()>;
    /// An end tag.
    fn end(&mut self, name: &LocalName);
    /// Text between tags, character references decoded.
    fn text(&mut self, text: &str);
    /// The end of the page.
    fn eof(&mut self);
}

/// Reads `page` into `sink`.
pub(crate) fn tokenize(page: &str, sink: &mut impl Sink) {
    let page = page.strip_prefix('\u{feff}').unwrap_or(page);
    let mut tokenizer = Tokenizer {
        s: page,
        pos: 0,
        text: String::new(),
        names: FxHashMap::default(),
    };
    tokenizer.run(sink);
    sink.eof();
}

/// How text is read after a start tag.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Data,
    /// Text with character references, up to the end tag (`title`,
    /// `textarea`).
    Rcdata,
    /// Text as it is, up to the end tag (`style`, `script`, ...).
    Rawtext,
    /// The rest of the page is text.
    Plaintext,
}

struct Tokenizer<'a> {
    s: &'a str,
    pos: usize,
    /// Text read since the last tag.
    text: String,
    /// The names of tags and attributes as written, folded and interned:
    /// a page repeats a few dozen of them thousands of times. At most
    /// [`NAMES_KEPT`].
    names: FxHashMap<&'a str, LocalName>,
}

/// How many names a page's tokenizer keeps interned.
const NAMES_KEPT: usize = 512;

/// HTML's white space inside tags (CR is read as LF).
fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b' ' | b'\r')
}

/// A tag as read: what the tokenizer gives the sink, or the end of the
/// page inside it.
enum Read {
    Tag(Tag),
    Eof,
}

impl<'a> Tokenizer<'a> {
    fn run(&mut self, sink: &mut impl Sink) {
        let mut mode = Mode::Data;
        // The name of the element whose raw text is being read.
        let mut raw_end = LocalName::from("");
        loop {
            let step = match mode {
                Mode::Data => self.data(),
                Mode::Rcdata | Mode::Rawtext => self.raw(&raw_end, mode == Mode::Rcdata),
                Mode::Plaintext => {
                    let rest = &self.s[self.pos..];
                    push_text(&mut self.text, rest, true);
                    self.pos = self.s.len();
                    None
                }
            };
            let Some(at) = step else {
                self.flush(sink);
                return;
            };
            match self.tag(at) {
                Read::Eof => {
                    self.flush(sink);
                    return;
                }
                Read::Tag(tag) => {
                    self.flush(sink);
                    mode = Mode::Data;
                    match tag.kind {
                        TagKind::EndTag => sink.end(&tag.name),
                        TagKind::StartTag => match sink.start(&tag) {
                            TokenSinkResult::RawData(kind) => {
                                mode = match kind {
                                    RawKind::Rcdata => Mode::Rcdata,
                                    _ => Mode::Rawtext,
                                };
                                raw_end = tag.name;
                            }
                            TokenSinkResult::Plaintext => mode = Mode::Plaintext,
                            _ => {}
                        },
                    }
                }
            }
        }
    }

    fn flush(&mut self, sink: &mut impl Sink) {
        if !self.text.is_empty() {
            sink.text(&self.text);
            self.text.clear();
        }
    }

    /// Reads text up to the next tag and returns where its `<` is, or
    /// `None` at the end of the page. Comments and declarations on the
    /// way are passed over.
    fn data(&mut self) -> Option<usize> {
        let s = self.s;
        let b = s.as_bytes();
        loop {
            let Some(found) = memchr::memchr2(b'<', b'&', &b[self.pos..]) else {
                push_text(&mut self.text, &s[self.pos..], false);
                self.pos = s.len();
                return None;
            };
            let at = self.pos + found;
            push_text(&mut self.text, &s[self.pos..at], false);
            self.pos = at;
            if b[at] == b'&' {
                self.pos = char_ref(s, at, false, &mut self.text);
                continue;
            }
            match b.get(at + 1) {
                Some(b'!') => self.pos = declaration_end(b, at + 2),
                Some(b'/') => match b.get(at + 2) {
                    Some(c) if c.is_ascii_alphabetic() => return Some(at),
                    Some(b'>') => self.pos = at + 3,
                    Some(_) => self.pos = bogus_comment_end(b, at + 2),
                    None => {
                        self.text.push_str("</");
                        self.pos = at + 2;
                    }
                },
                Some(c) if c.is_ascii_alphabetic() => return Some(at),
                Some(b'?') => self.pos = bogus_comment_end(b, at + 1),
                _ => {
                    self.text.push('<');
                    self.pos = at + 1;
                }
            }
        }
    }

    /// Reads raw text up to the end tag of `name` and returns where it
    /// starts, or `None` at the end of the page.
    fn raw(&mut self, name: &str, references: bool) -> Option<usize> {
        let start = self.pos;
        let s = self.s;
        let b = s.as_bytes();
        let mut from = start;
        let end = loop {
            let Some(found) = memchr::memmem::find(&b[from..], b"</") else {
                break None;
            };
            let at = from + found;
            let after = at + 2 + name.len();
            if b.len() > after
                && b[at + 2..after].eq_ignore_ascii_case(name.as_bytes())
                && (is_space(b[after]) || b[after] == b'/' || b[after] == b'>')
            {
                break Some(at);
            }
            from = at + 2;
        };
        let stop = end.unwrap_or(b.len());
        let raw = &s[start..stop];
        if references {
            let mut i = 0;
            while let Some(found) = memchr::memchr(b'&', &raw.as_bytes()[i..]) {
                push_text(&mut self.text, &raw[i..i + found], true);
                i = char_ref(raw, i + found, false, &mut self.text);
            }
            push_text(&mut self.text, &raw[i..], true);
        } else {
            push_text(&mut self.text, raw, true);
        }
        self.pos = stop;
        end
    }

    /// Reads the tag whose `<` is at `at`.
    /// The name `written` (a tag's or an attribute's) folds to.
    fn name(&mut self, written: &'a str) -> LocalName {
        if let Some(name) = self.names.get(written) {
            return name.clone();
        }
        let name = LocalName::from(&*folded_name(written));
        if self.names.len() < NAMES_KEPT {
            self.names.insert(written, name.clone());
        }
        name
    }

    fn tag(&mut self, at: usize) -> Read {
        let s = self.s;
        let b = s.as_bytes();
        let (kind, mut i) = match b[at + 1] {
            b'/' => (TagKind::EndTag, at + 2),
            _ => (TagKind::StartTag, at + 1),
        };
        let name_start = i;
        while i < b.len() && !is_space(b[i]) && b[i] != b'/' && b[i] != b'>' {
            i += 1;
        }
        if i == b.len() {
            return Read::Eof;
        }
        let name = self.name(&s[name_start..i]);
        let mut tag = Tag {
            kind,
            name,
            self_closing: false,
            attrs: Vec::new(),
            had_duplicate_attributes: false,
        };
        let mut value = String::new();
        // The names of a tag with many attributes, so that telling a
        // repeated one stays linear in the tag.
        let mut names: FxHashSet<LocalName> = FxHashSet::default();
        loop {
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            match b.get(i) {
                None => return Read::Eof,
                Some(b'>') => {
                    self.pos = i + 1;
                    return Read::Tag(tag);
                }
                Some(b'/') => {
                    if b.get(i + 1) == Some(&b'>') {
                        tag.self_closing = true;
                        self.pos = i + 2;
                        return Read::Tag(tag);
                    }
                    i += 1;
                    continue;
                }
                Some(_) => {}
            }
            // An attribute's name: a leading `=` is part of it.
            let attr_start = i;
            i += 1;
            while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
                i += 1;
            }
            if i == b.len() {
                return Read::Eof;
            }
            let attr_name = &s[attr_start..i];
            while i < b.len() && is_space(b[i]) {
                i += 1;
            }
            value.clear();
            if b.get(i) == Some(&b'=') {
                i += 1;
                while i < b.len() && is_space(b[i]) {
                    i += 1;
                }
                match b.get(i) {
                    None => return Read::Eof,
                    Some(&quote @ (b'"' | b'\'')) => {
                        let Some(close) = memchr::memchr(quote, &b[i + 1..]) else {
                            return Read::Eof;
                        };
                        attribute_value(&s[i + 1..i + 1 + close], &mut value);
                        i += close + 2;
                    }
                    Some(b'>') => {}
                    Some(_) => {
                        let start = i;
                        while i < b.len() && !is_space(b[i]) && b[i] != b'>' {
                            i += 1;
                        }
                        if i == b.len() {
                            return Read::Eof;
                        }
                        attribute_value(&s[start..i], &mut value);
                    }
                }
            }
            if kind == TagKind::StartTag && tag.attrs.len() < MAX_ATTRIBUTES {
                let local = self.name(attr_name);
                let repeated = if tag.attrs.len() < MANY_ATTRIBUTES {
                    tag.attrs.iter().any(|a| a.name.local == local)
                } else {
                    if names.is_empty() {
                        names.extend(tag.attrs.iter().map(|a| a.name.local.clone()));
                    }
                    !names.insert(local.clone())
                };
                if repeated {
                    tag.had_duplicate_attributes = true;
                } else {
                    tag.attrs.push(Attribute {
                        name: QualName::new(None, ns!(), local),
                        value: StrTendril::from_slice(&value),
                    });
                }
            }
        }
    }
}

/// Past this many attributes, a tag's names are kept in a set.
const MANY_ATTRIBUTES: usize = 16;

/// The attributes kept of one tag; the rest are read past. No page needs
/// more, and each kept name is interned for the page's life: a million of
/// them in one tag would cost seconds.
const MAX_ATTRIBUTES: usize = 256;

/// A tag or attribute name as the standard folds it: ASCII lower case,
/// NUL as U+FFFD.
fn folded_name(name: &str) -> std::borrow::Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase() || b == 0) {
        name.to_ascii_lowercase().replace('\0', "\u{fffd}").into()
    } else {
        name.into()
    }
}

/// Decodes an attribute's value into `out`.
fn attribute_value(raw: &str, out: &mut String) {
    let mut i = 0;
    while let Some(found) = memchr::memchr(b'&', &raw.as_bytes()[i..]) {
        push_text(out, &raw[i..i + found], true);
        i = char_ref(raw, i + found, true, out);
    }
    push_text(out, &raw[i..], true);
}

/// Appends `text` with CR LF and CR as LF, and NUL as U+FFFD if
/// `replace_nul`, else left out (as a tree builder leaves out the NUL the
/// data state gives).
fn push_text(out: &mut String, text: &str, replace_nul: bool) {
    let mut rest = text;
    loop {
        let Some(i) = memchr::memchr2(b'\r', b'\0', rest.as_bytes()) else {
            out.push_str(rest);
            return;
        };
        out.push_str(&rest[..i]);
        if rest.as_bytes()[i] == b'\0' {
            if replace_nul {
                out.push('\u{fffd}');
            }
            rest = &rest[i + 1..];
        } else {
            out.push('\n');
            rest = rest[i + 1..].strip_prefix('\n').unwrap_or(&rest[i + 1..]);
        }
    }
}

/// Where a markup declaration that starts at `at` (after `<!`) ends: a
/// comment's `-->`, else the next `>`.
fn declaration_end(b: &[u8], at: usize) -> usize {
    let rest = &b[at..];
    if !rest.starts_with(b"--") {
        return bogus_comment_end(b, at);
    }
    let body = at + 2;
    let rest = &b[body..];
    if rest.starts_with(b">") {
        return body + 1;
    }
    if rest.starts_with(b"->") {
        return body + 2;
    }
    // `--!>` is looked for only before the first `-->`, so that a page of
    // many comments is read once, not once a comment to its end.
    let close = memchr::memmem::find(rest, b"-->").map_or(rest.len(), |i| i + 3);
    let bang = memchr::memmem::find(&rest[..close], b"--!>").map(|i| i + 4);
    body + bang.unwrap_or(close)
}

/// Where a bogus comment (`<?...>`, `<!x...>`, `</1...>`) ends: past the
/// next `>`, or at the end of the page.
fn bogus_comment_end(b: &[u8], at: usize) -> usize {
    memchr::memchr(b'>', &b[at..]).map_or(b.len(), |i| at + i + 1)
}

/// Reads the character reference at `at` (its `&`) in `s` into `out`, and
/// returns where reading goes on. A `&` that starts none is itself.
fn char_ref(s: &str, at: usize, in_attribute: bool, out: &mut String) -> usize {
    let b = s.as_bytes();
    match b.get(at + 1) {
        Some(b'#') => numeric_ref(b, at, out),
        Some(c) if c.is_ascii_alphanumeric() => named_ref(s, at, in_attribute, out),
        _ => {
            out.push('&');
            at + 1
        }
    }
}

fn numeric_ref(b: &[u8], at: usize, out: &mut String) -> usize {
    let mut i = at + 2;
    let base = match b.get(i) {
        Some(b'x' | b'X') => {
            i += 1;
            16
        }
        _ => 10,
    };
    let digits = i;
    let mut n: u32 = 0;
    let mut too_big = false;
    while let Some(d) = b.get(i).and_then(|&c| (c as char).to_digit(base)) {
        n = n.wrapping_mul(base);
        too_big |= n > 0x10FFFF;
        n = n.wrapping_add(d);
        i += 1;
    }
    if i == digits {
        // No digits: `&#` or `&#x` as written.
        out.push('&');
        return at + 1;
    }
    if b.get(i) == Some(&b';') {
        i += 1;
    }
    let c = match n {
        _ if too_big || n > 0x10FFFF => '\u{fffd}',
        0 | 0xD800..=0xDFFF => '\u{fffd}',
        0x80..=0x9F => C1_REPLACEMENTS[(n - 0x80) as usize]
            .unwrap_or_else(|| char::from_u32(n).unwrap_or('\u{fffd}')),
        n => char::from_u32(n).unwrap_or('\u{fffd}'),
    };
    out.push(c);
    i
}

fn named_ref(s: &str, at: usize, in_attribute: bool, out: &mut String) -> usize {
    let b = s.as_bytes();
    let start = at + 1;
    let mut end = start;
    // The longest name in the table that the text starts with.
    let mut found: Option<(usize, (u32, u32))> = None;
    while end < b.len() && b[end].is_ascii() {
        end += 1;
        match NAMED_ENTITIES.get(&s[start..end]) {
            Some(&m) => {
                if m.0 != 0 {
                    found = Some((end, m));
                }
            }
            None => break,
        }
    }
    let Some((end, (c1, c2))) = found else {
        out.push('&');
        return at + 1;
    };
    let next = b.get(end).copied();
    if in_attribute
        && b[end - 1] != b';'
        && next.is_some_and(|c| c == b'=' || c.is_ascii_alphanumeric())
    {
        // For history's sake, `&copy=` in an attribute stays as written.
        out.push('&');
        return at + 1;
    }
    for c in [c1, c2] {
        if let Some(c) = char::from_u32(c).filter(|_| c != 0) {
            out.push(c);
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens as text: `<a x="1">`, `</a>`, `"text"`.
    #[derive(Default)]
    struct Tokens {
        out: Vec<String>,
        raw: Option<&'static str>,
    }

    impl Sink for Tokens {
        fn start(&mut self, tag: &Tag) -> TokenSinkResult<()> {
            let attrs: String = tag
                .attrs
                .iter()
                .map(|a| format!(" {}=\"{}\"", &*a.name.local, &*a.value))
                .collect();
            let close = if tag.self_closing { "/" } else { "" };
            self.out.push(format!("<{}{attrs}{close}>", &*tag.name));
            match (self.raw, &*tag.name) {
                (Some(name), n) if n == name => match n {
                    "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
                    "plaintext" => TokenSinkResult::Plaintext,
                    _ => TokenSinkResult::RawData(RawKind::Rawtext),
                },
                _ => TokenSinkResult::Continue,
            }
        }
        fn end(&mut self, name: &LocalName) {
            self.out.push(format!("</{}>", &**name));
        }
        fn text(&mut self, text: &str) {
            self.out.push(format!("{text:?}"));
        }
        fn eof(&mut self) {}
    }

    fn tokens(page: &str, raw: Option<&'static str>) -> Vec<String> {
        let mut sink = Tokens {
            raw,
            ..Tokens::default()
        };
        tokenize(page, &mut sink);
        sink.out
    }

    #[test]
    fn tags_attributes_and_text() {
        assert_eq!(
            tokens(
                "\u{feff}<!DOCTYPE html><P Class=a ID='x' class=\"b\" hidden>One<br/>two</p >",
                None
            ),
            [
                r#"<p class="a" id="x" hidden="">"#,
                r#""One""#,
                "<br/>",
                r#""two""#,
                "</p>"
            ]
        );
    }

    #[test]
    fn of_many_repeated_attributes_the_first_is_kept() {
        let attrs: String = (0..40).map(|i| format!(" a{}={i}", i % 25)).collect();
        let want: String = (0..25).map(|i| format!(" a{i}=\"{i}\"")).collect();
        assert_eq!(tokens(&format!("<p{attrs}>"), None), [format!("<p{want}>")]);
    }

    #[test]
    fn attributes_past_the_limit_are_read_past() {
        let attrs: String = (0..MAX_ATTRIBUTES + 5).map(|i| format!(" a{i}")).collect();
        let want: String = (0..MAX_ATTRIBUTES).map(|i| format!(" a{i}=\"\"")).collect();
        assert_eq!(
            tokens(&format!("<p{attrs}>x"), None),
            [format!("<p{want}>"), r#""x""#.to_string()]
        );
    }

    #[test]
    fn character_references_as_the_standard_reads_them() {
        assert_eq!(
            tokens(
                "&amp; &lt;b&gt; &copy 2 &notit; &#65;&#x42;&#150; &#0; &bogus; & &#; \
                 <a href=\"?a=1&copy=2&amp;b=&lt\">",
                None
            ),
            [
                r#""& <b> © 2 ¬it; AB– � &bogus; & &#; ""#,
                r#"<a href="?a=1&copy=2&b=<">"#
            ]
        );
    }

    #[test]
    fn comments_declarations_and_stray_marks_are_passed_over() {
        assert_eq!(
            tokens(
                "a<!-- <p> -->b<!---->c<!--->d<?php x ?>e</>f<![CDATA[g]]>h</ 1>i < j <",
                None
            ),
            [r#""abcdefhi < j <""#]
        );
        assert_eq!(tokens("x<!-- open", None), [r#""x""#]);
        // A comment ends at whichever of `-->` and `--!>` comes first.
        assert_eq!(
            tokens("a<!-- b --!> c -->d<!-- e --> f --!>g", None),
            [r#""a c -->d f --!>g""#]
        );
    }

    #[test]
    fn raw_text_ends_at_its_own_end_tag_only() {
        assert_eq!(
            tokens("<style>a</b> &amp; </STYLE2></Style >x", Some("style")),
            [
                "<style>",
                r#""a</b> &amp; </STYLE2>""#,
                "</style>",
                r#""x""#
            ]
        );
        assert_eq!(
            tokens("<title>A &amp; <b>B</title>", Some("title")),
            ["<title>", r#""A & <b>B""#, "</title>"]
        );
        assert_eq!(
            tokens("<plaintext>a</plaintext><b>", Some("plaintext")),
            ["<plaintext>", r#""a</plaintext><b>""#]
        );
    }

    #[test]
    fn line_ends_are_read_as_lf_and_a_tag_cut_off_is_dropped() {
        assert_eq!(
            tokens("a\r\nb\rc<p\r\nclass=x>d</p", None),
            [r#""a\nb\nc""#, r#"<p class="x">"#, r#""d""#]
        );
        assert_eq!(tokens("a<p title=\"b", None), [r#""a""#]);
    }
}
