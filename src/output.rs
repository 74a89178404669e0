//! Writing results for people and for programs, to any `io::Write`.
//!
//! The text form is for a terminal or a pager; the JSON form is the stable
//! contract documented in README.md and is the serde form of the library's
//! own types, so the CLI, the library and the server agree by construction.

use std::io::{self, Write};

use serde::Serialize;

use crate::ingest::article::{Article, Section};
use crate::search::results::{Match, SearchResults, Snippet};

const BOLD: &str = "\x1b[1m";
const MATCH: &str = "\x1b[1;31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// How text output looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Plain text, for files, pipes and `NO_COLOR`.
    Plain,
    /// Headings bold, matched words bold red, the rest dim (ANSI escapes),
    /// for a terminal.
    Colored,
}

/// What the text output says of how a hit matched: nothing for words,
/// the only way an index without a model matches.
fn how(matched: Match) -> &'static str {
    match matched {
        Match::Meaning => ", by meaning",
        Match::Both => ", words and meaning",
        _ => "",
    }
}

/// Writes search results as text: per hit, its rank, article title, section
/// label and score, the article id and anchor, and the snippets, in `style`.
pub fn write_results_text(
    w: &mut impl Write,
    results: &SearchResults,
    style: Style,
) -> io::Result<()> {
    let color = style == Style::Colored;
    let paint = |style: &str, text: &str| {
        if color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    for (i, hit) in results.hits.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        let heading = if hit.section.path.is_empty() {
            printable(&hit.article.title)
        } else {
            printable(&format!("{} › {}", hit.article.title, hit.section.label))
        };
        writeln!(
            w,
            "{}. {}  {}",
            hit.rank,
            paint(BOLD, &heading),
            paint(
                DIM,
                &format!("(score {:.2}{})", hit.score, how(hit.matched))
            )
        )?;
        writeln!(
            w,
            "   {}",
            paint(
                DIM,
                &printable(&match &hit.url {
                    Some(url) => url.clone(),
                    None => format!("{}#{}", hit.article.id, hit.section.anchor),
                })
            )
        )?;
        for snippet in &hit.snippets {
            writeln!(w, "   {}", marked(snippet, color))?;
        }
        if !hit.missing.is_empty() {
            let missing = format!("(missing: {})", hit.missing.join(", "));
            writeln!(w, "   {}", paint(DIM, &printable(&missing)))?;
        }
        if hit.more_in_article > 0 {
            let n = hit.more_in_article;
            let more = format!(
                "(+{n} more section{} in this article)",
                if n == 1 { "" } else { "s" }
            );
            writeln!(w, "   {}", paint(DIM, &more))?;
        }
    }
    Ok(())
}

/// The snippet's text with its highlights made bold, or as it is.
fn marked(snippet: &Snippet, color: bool) -> String {
    if !color {
        return printable(&snippet.text);
    }
    let mut out = String::with_capacity(snippet.text.len() + 16 * snippet.highlights.len());
    let mut at = 0;
    for h in &snippet.highlights {
        out.push_str(&printable(&snippet.text[at..h.start]));
        out.push_str(MATCH);
        out.push_str(&printable(&snippet.text[h.start..h.end]));
        out.push_str(RESET);
        at = h.end;
    }
    out.push_str(&printable(&snippet.text[at..]));
    out
}

/// `text` with control characters written as escapes (`\n`, `\u{1b}`): a
/// file name or an article's text can hold them, and printed as they are
/// they would break the output's lines or drive the terminal.
fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Writes search results as one JSON object and a newline.
pub fn write_results_json(w: &mut impl Write, results: &SearchResults) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, results)?;
    writeln!(w)
}

/// An article as `quire split --json` shows it.
#[derive(Serialize)]
pub struct SplitArticle<'a> {
    /// The article title.
    pub title: &'a str,
    /// The file it was read from.
    pub source: &'a str,
    /// Its sections.
    pub sections: &'a [Section],
}

/// Writes split articles as a JSON array and a newline.
pub fn write_split_json(w: &mut impl Write, articles: &[SplitArticle]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, articles)?;
    writeln!(w)
}

/// Writes what `quire split --check` found, for people.
pub fn write_split_check(
    w: &mut impl Write,
    check: &crate::ingest::check::SplitCheck,
) -> io::Result<()> {
    writeln!(
        w,
        "{} articles, {} sections",
        check.articles, check.sections
    )?;
    writeln!(
        w,
        "anchors in their page: {} of {} ({:.1}%)",
        check.anchors_in_page,
        check.sections,
        check.in_page_percent()
    )?;
    writeln!(
        w,
        "links that land on their section: {:.1}% (with {} title sections at the top of a page with no id for them)",
        check.landing_percent(),
        check.titles_at_top
    )?;
    let lists = [
        (
            check.slugs(),
            "sections whose anchor is a slug (the page has no id for them; links find their heading's words, #:~:text=)",
            &check.slug_examples,
        ),
        (
            check.title_repeated,
            "sections whose first heading repeats the title",
            &check.title_repeated_examples,
        ),
        (
            check.furniture,
            "sections that look like furniture (contents, notes, navigation)",
            &check.furniture_examples,
        ),
    ];
    for (count, what, examples) in lists {
        writeln!(w, "{what}: {count}")?;
        for example in examples {
            writeln!(w, "  {}", printable(example))?;
        }
    }
    Ok(())
}

/// Writes how an article splits, for people: one line per section with its
/// label and anchor, and the opening of its text.
pub fn write_split_text(w: &mut impl Write, source: &str, article: &Article) -> io::Result<()> {
    let n = article.sections.len();
    writeln!(
        w,
        "{}  ({}, {n} section{})",
        printable(&article.title),
        printable(source),
        if n == 1 { "" } else { "s" }
    )?;
    for section in &article.sections {
        writeln!(
            w,
            "  {}. {}  #{}",
            section.ordinal + 1,
            printable(&section.label),
            printable(&section.anchor)
        )?;
        writeln!(w, "     {}", printable(&opening(&section.text, 72)))?;
    }
    Ok(())
}

/// The first `max` characters of `text` on one line, with `…` if cut.
fn opening(text: &str, max: usize) -> String {
    let flat: Vec<&str> = text.split_whitespace().collect();
    let flat = flat.join(" ");
    match flat.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", flat[..i].trim_end()),
        None => flat,
    }
}
