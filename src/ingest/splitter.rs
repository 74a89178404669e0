//! The [`Splitter`]: splitting rules made ready, the reader each format
//! needs, and the plain-text splitter itself: plain text in, [`Article`] out.
//!
//! The articles quire was built for are pages scraped from sites whose pages
//! share one template, flattened to text: a title line, headings as short
//! lines of their own, body paragraphs, and some site boilerplate. Nothing
//! marks a heading as such, so the splitter reads the shape of the text:
//!
//! - the first non-empty line is the title;
//! - a heading is a one-line paragraph of a few words, with no
//!   sentence-ending punctuation and no list marker, that has body text
//!   somewhere after it;
//! - headings with nothing between them nest, the first being the parent;
//!   one that merely restates its parent ("Examine" / "an examination") or
//!   repeats it is dropped;
//! - a single heading after body text opens a sibling of the last heading; a
//!   run of two or more starts again from the top level; headings named in
//!   [`Rules::top_level_headings`] are always top-level;
//! - a section's first paragraph loses a leading copy of the heading
//!   ("Introduction Facial muscle twitching, ...");
//! - paragraphs that begin with a [`Rules::boilerplate`] phrase are dropped,
//!   and so is every section left with no text.
//!
//! Body text that comes before the first heading becomes a section with an
//! empty path, labelled with the article title.

use std::collections::HashSet;

use tantivy::tokenizer::TextAnalyzer;

use super::anchors::Anchors;
use super::article::{
    Article, LABEL_SEPARATOR, MAX_DEPTH, MAX_SECTION_BYTES, MAX_SECTIONS, Section,
    cut_long_sections, keep_whole_title, shorten,
};
use super::format::Format;
use super::rules::Rules;
use crate::analysis::analyzers;
use crate::analysis::tokens::{fold, fold_prefix};

/// Splits plain-text articles into sections by a set of [`Rules`].
///
/// Build one and reuse it: building prepares the rules' keys.
///
/// ```
/// let splitter = quire::Splitter::new(quire::Rules::default());
/// let article = splitter.split("Gout\n\nTreatment\n\nRest and ice help.\n");
/// assert_eq!(article.title, "Gout");
/// assert_eq!(article.sections[0].label, "Treatment");
/// ```
#[derive(Clone)]
pub struct Splitter {
    rules: Rules,
    top_level: HashSet<Vec<String>>,
    boilerplate: Vec<String>,
    analyzer: TextAnalyzer,
}

/// What a paragraph is, once the title is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Boilerplate.
    Dropped,
    /// A heading, if body text comes after it.
    Candidate,
    Body,
}

impl Default for Splitter {
    /// A splitter with the built-in rules.
    fn default() -> Splitter {
        Splitter::new(Rules::default())
    }
}

impl Splitter {
    /// Prepares a splitter that follows `rules`.
    pub fn new(rules: Rules) -> Splitter {
        let mut analyzer = analyzers::stemmer_without(&rules.heading_stop_words);
        let top_level = rules
            .top_level_headings
            .iter()
            .map(|h| heading_key(&mut analyzer, h))
            .collect();
        let boilerplate = rules
            .boilerplate
            .iter()
            .map(|b| fold(b))
            .filter(|b| !b.is_empty())
            .collect();
        Splitter {
            rules,
            top_level,
            boilerplate,
            analyzer,
        }
    }

    /// The rules this splitter follows.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Splits one article's text into its title and sections.
    ///
    /// Never fails: text with no headings gives one section labelled with
    /// the title, and empty text gives an article with no title and no
    /// sections.
    pub fn split(&self, text: &str) -> Article {
        let mut analyzer = self.analyzer.clone();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rest = Paragraphs(text.lines());
        let Some(mut first) = rest.next() else {
            return Article {
                title: String::new(),
                sections: vec![],
                lang: None,
            };
        };
        let mut title = first.remove(0).to_string();
        let full_title = shorten(&title).map(|short| std::mem::replace(&mut title, short));
        let first = (!first.is_empty()).then_some(first);
        let paragraphs = || first.clone().into_iter().chain(rest.clone());
        // Two passes over the text, so that only a byte per paragraph is
        // held between them: what each paragraph is, then the sections.
        let kinds: Vec<Kind> = paragraphs().map(|p| self.kind(&p)).collect();
        // A heading must be followed by text: short lines after the last
        // body paragraph are body text themselves.
        let last_body = kinds.iter().rposition(|&k| k == Kind::Body);
        let mut nest = Nest {
            splitter: self,
            analyzer: &mut analyzer,
            title: &title,
            path: Vec::new(),
            run: Vec::new(),
            draft: None,
            sections: Vec::new(),
            anchors: Anchors::default(),
        };
        for (i, (paragraph, kind)) in paragraphs().zip(kinds).enumerate() {
            match kind {
                Kind::Dropped => {}
                Kind::Candidate if last_body.is_some_and(|b| i < b) => nest.heading(paragraph[0]),
                _ => nest.body(paragraph.join("\n")),
            }
        }
        let mut sections = nest.finish();
        if let Some(full) = full_title {
            keep_whole_title(&mut sections, full);
        }
        let sections = cut_long_sections(sections, MAX_SECTION_BYTES);
        Article {
            sections,
            title,
            lang: None,
        }
    }

    /// What a paragraph is: boilerplate, a heading if text follows, or
    /// body text.
    fn kind(&self, paragraph: &[&str]) -> Kind {
        if self.is_boilerplate(&paragraph.join(" ")) {
            Kind::Dropped
        } else if paragraph.len() == 1 && self.looks_like_heading(paragraph[0]) {
            Kind::Candidate
        } else {
            Kind::Body
        }
    }

    /// Moves `path` to where a run of headings puts it. Returns true when
    /// the run only repeats the current heading, so the current section
    /// goes on.
    fn apply_run(
        &self,
        path: &mut Vec<(String, Vec<String>)>,
        run: Vec<(String, Vec<String>)>,
    ) -> bool {
        if run.len() == 1 {
            let (h, key) = run.into_iter().next().expect("run has one heading");
            if path.last().is_some_and(|(_, k)| *k == key) {
                return true;
            }
            if self.top_level.contains(&key) {
                path.clear();
            } else {
                path.pop();
            }
            path.push((h, key));
        } else {
            path.clear();
            for (h, key) in run {
                if self.top_level.contains(&key) {
                    path.clear();
                }
                path.push((h, key));
            }
        }
        false
    }

    /// Splits `text` read as `format`. `name` (the file name without its
    /// extension, say) is the title of a Markdown or HTML article that
    /// names none.
    pub fn split_as(&self, format: Format, text: &str, name: &str) -> Article {
        match format {
            Format::Text => self.split(text),
            Format::Markdown | Format::Html => {
                let parse = match format {
                    Format::Markdown => super::markdown::parse,
                    _ => super::html::parse,
                };
                let mut article = parse(text, name, &|p: &str| self.is_boilerplate(p));
                article.sections = cut_long_sections(article.sections, MAX_SECTION_BYTES);
                article
            }
        }
    }

    /// Whether a paragraph begins with one of the rules' boilerplate
    /// phrases.
    pub(crate) fn is_boilerplate(&self, paragraph: &str) -> bool {
        let Some(longest) = self.boilerplate.iter().map(String::len).max() else {
            return false;
        };
        let folded = fold_prefix(paragraph, longest);
        self.boilerplate.iter().any(|b| folded.starts_with(b))
    }

    /// Whether a line has the shape of a heading: short, not a sentence,
    /// not a list item.
    fn looks_like_heading(&self, line: &str) -> bool {
        let line = line.trim();
        let words = line.split_whitespace().count();
        words >= 1
            && words <= self.rules.max_heading_words
            && line.chars().count() <= self.rules.max_heading_chars
            && line.chars().any(char::is_alphabetic)
            && !line.ends_with(['.', '!', '?', ':', ';', ',', '…'])
            && !is_list_item(line)
    }
}

/// Text's paragraphs (runs of non-blank lines), each a list of trimmed
/// lines, read as they are asked for.
#[derive(Clone)]
struct Paragraphs<'a>(std::str::Lines<'a>);

impl<'a> Iterator for Paragraphs<'a> {
    type Item = Vec<&'a str>;

    fn next(&mut self) -> Option<Vec<&'a str>> {
        let mut paragraph = Vec::new();
        for line in self.0.by_ref() {
            let line = line.trim();
            if !line.is_empty() {
                paragraph.push(line);
            } else if !paragraph.is_empty() {
                break;
            }
        }
        (!paragraph.is_empty()).then_some(paragraph)
    }
}

/// The sections of an article as its paragraphs come: the heading path,
/// the run of headings since the last body text, the section being filled.
struct Nest<'a> {
    splitter: &'a Splitter,
    analyzer: &'a mut TextAnalyzer,
    title: &'a str,
    path: Vec<(String, Vec<String>)>,
    run: Vec<(String, Vec<String>)>,
    draft: Option<Draft>,
    sections: Vec<Section>,
    anchors: Anchors,
}

/// A section while it is being filled.
struct Draft {
    path: Vec<String>,
    text: String,
}

impl Nest<'_> {
    fn heading(&mut self, heading: &str) {
        if self.sections.len() >= MAX_SECTIONS || shorten(heading).is_some() {
            // Past the limits (a rules file may allow long headings): text.
            return self.body(heading.to_string());
        }
        let key = heading_key(self.analyzer, heading);
        // A heading that restates or repeats the one before it in the run
        // adds nothing.
        if self.run.last().is_some_and(|(_, k)| *k == key) {
            return;
        }
        if self.run.len() == MAX_DEPTH {
            // Short lines in a row deeper than any outline: the outermost
            // is text of the section before.
            let (outer, _) = self.run.remove(0);
            self.add(outer);
        }
        self.run.push((heading.to_string(), key));
    }

    fn body(&mut self, paragraph: String) {
        if !self.run.is_empty() {
            let run = std::mem::take(&mut self.run);
            let continues = self.splitter.apply_run(&mut self.path, run);
            if !continues || self.draft.is_none() {
                let path = self.path.iter().map(|(h, _)| h.clone()).collect();
                self.start(path);
            }
        }
        self.add(paragraph);
    }

    /// Adds a paragraph to the section being filled; the first one loses a
    /// leading copy of the heading.
    fn add(&mut self, paragraph: String) {
        if self.draft.is_none() {
            self.start(vec![]);
        }
        let draft = self.draft.as_mut().expect("a draft was started");
        let mut paragraph = paragraph.as_str();
        if draft.text.is_empty() {
            if let Some(rest) = draft
                .path
                .last()
                .and_then(|heading| strip_repeated_heading(paragraph, heading))
            {
                paragraph = rest;
            }
        } else {
            draft.text.push_str("\n\n");
        }
        draft.text.push_str(paragraph);
    }

    /// Ends the section being filled and starts one at `path`.
    fn start(&mut self, path: Vec<String>) {
        self.end();
        self.draft = Some(Draft {
            path,
            text: String::new(),
        });
    }

    /// Numbers, labels and keeps the section being filled, unless it has
    /// no text.
    fn end(&mut self) {
        let Some(Draft { path, text }) = self.draft.take() else {
            return;
        };
        if text.trim().is_empty() {
            return;
        }
        let (label, anchor) = match path.last() {
            Some(heading) => (path.join(LABEL_SEPARATOR), self.anchors.unique(heading)),
            None => (self.title.to_string(), self.anchors.unique(self.title)),
        };
        self.sections.push(Section {
            ordinal: self.sections.len() as u64,
            path,
            label,
            anchor,
            anchor_in_page: false,
            text,
        });
    }

    fn finish(mut self) -> Vec<Section> {
        self.end();
        self.sections
    }
}

/// `1. Foo`, `2) Foo`, `a) Foo`, `- Foo`, `* Foo`, `• Foo`.
fn is_list_item(line: &str) -> bool {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let rest = &line[digits..];
    if digits > 0 && (rest.starts_with('.') || rest.starts_with(')')) {
        return true;
    }
    let mut chars = line.chars();
    match (chars.next(), chars.next()) {
        (Some('-' | '*' | '•' | '·' | '–'), Some(c)) if c.is_whitespace() => true,
        (Some(c), Some(')')) if c.is_alphabetic() => true,
        _ => false,
    }
}

/// What two headings must share to count as the same heading: their stemmed
/// words less stop words, as a set. A heading of stop words only keeps them.
fn heading_key(analyzer: &mut TextAnalyzer, heading: &str) -> Vec<String> {
    let mut key = analyzers::terms(analyzer, heading);
    if key.is_empty() {
        key = fold(heading).split(' ').map(str::to_string).collect();
    }
    key.sort();
    key.dedup();
    key
}

/// The rest of `paragraph` when it opens with `heading` repeated as a run-in
/// title: the heading (any case), a separator, then more text that does not
/// go on in lower case ("Introduction Facial muscle ..." but not
/// "Cause of death is ...").
fn strip_repeated_heading<'a>(paragraph: &'a str, heading: &str) -> Option<&'a str> {
    let mut rest = paragraph.char_indices();
    for h in heading.chars() {
        let (_, p) = rest.next()?;
        if !p.to_lowercase().eq(h.to_lowercase()) {
            return None;
        }
    }
    let after = match rest.next() {
        Some((i, c)) if c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—' | '.') => {
            &paragraph[i..]
        }
        _ => return None,
    };
    let after = after.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—' | '.')
    });
    let first = after.chars().next()?;
    (!first.is_lowercase()).then_some(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../corpus/facial-twitching.txt");

    fn split(text: &str) -> Article {
        Splitter::default().split(text)
    }

    fn labels(article: &Article) -> Vec<&str> {
        article.sections.iter().map(|s| s.label.as_str()).collect()
    }

    #[test]
    fn seed_has_the_five_expected_sections() {
        let article = split(SEED);
        assert_eq!(article.title, "Facial twitching");
        assert_eq!(
            labels(&article),
            [
                "Introduction",
                "Cause",
                "Examine › Related inspection",
                "Examine › Medical examination",
                "Diagnosis › Differential diagnosis",
            ]
        );
        let paths: Vec<Vec<&str>> = article
            .sections
            .iter()
            .map(|s| s.path.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(paths[3], ["Examine", "Medical examination"]);
        let anchors: Vec<&str> = article.sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            [
                "introduction",
                "cause",
                "related-inspection",
                "medical-examination",
                "differential-diagnosis"
            ]
        );
        let ordinals: Vec<u64> = article.sections.iter().map(|s| s.ordinal).collect();
        assert_eq!(ordinals, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn seed_repeated_introduction_is_removed() {
        let article = split(SEED);
        assert!(
            article.sections[0]
                .text
                .starts_with("Facial muscle twitching, also known as hemifacial spasm"),
            "{}",
            article.sections[0].text
        );
    }

    #[test]
    fn seed_boilerplate_is_not_in_any_section() {
        let article = split(SEED);
        for section in &article.sections {
            assert!(!section.text.contains("Was this article helpful"));
            assert!(!section.text.contains("material in this site"));
            assert!(!section.text.contains("feedback"));
        }
        let last = article.sections.last().unwrap();
        assert!(
            last.text
                .starts_with("Clinically, it should be differentiated")
        );
        assert!(
            last.text
                .ends_with("lesions in the midbrain and cone system.")
        );
    }

    #[test]
    fn seed_restating_and_repeated_headings_are_dropped() {
        let article = split(SEED);
        for section in &article.sections {
            assert!(!section.path.iter().any(|h| h == "an examination"));
            assert!(!section.text.starts_with("Cause"));
        }
        // The two paragraphs under the doubled "Cause" stay one section.
        let cause = &article.sections[1];
        assert!(cause.text.starts_with("According to the cause"));
        assert!(cause.text.contains("\n\nJannetta suggested"));
    }

    #[test]
    fn fixture_gout_sections() {
        let article = split(include_str!("../../tests/fixtures/articles/gout.txt"));
        assert_eq!(article.title, "Gout");
        assert_eq!(
            labels(&article),
            [
                "Introduction",
                "Symptom",
                "Cause",
                "Treatment › Drug treatment",
                "Treatment › Lifestyle treatment",
                "Diet",
                "Prognosis",
            ]
        );
        // "Treatment of an acute attack" is a sentence, not a run-in title.
        assert!(
            article.sections[3]
                .text
                .starts_with("Treatment of an acute attack")
        );
        assert!(
            article.sections[0]
                .text
                .starts_with("Gout is a common form")
        );
        assert!(!article.sections[6].text.contains("helpful"));
    }

    #[test]
    fn fixture_vertigo_sections() {
        let article = split(include_str!("../../tests/fixtures/articles/vertigo.txt"));
        assert_eq!(article.title, "Benign paroxysmal positional vertigo");
        assert_eq!(
            labels(&article),
            [
                "Introduction",
                "Complication",
                "Examine › Related inspection",
                "Examine › Medical examination",
                "Diagnosis › Diagnostic criteria",
                "Diagnosis › Differential diagnosis",
                "Treatment",
                "Nursing › Home care",
            ]
        );
        let exam = &article.sections[3].text;
        assert!(
            exam.ends_with("3. Weaker symptoms when the test is repeated"),
            "{exam}"
        );
        assert!(article.sections[1].text.starts_with("Sudden spinning"));
        assert!(!article.sections[7].text.contains("feedback"));
    }

    #[test]
    fn text_before_the_first_heading_is_labelled_with_the_title() {
        let article = split("Gout\n\nGout is a kind of arthritis.\n\nTreatment\n\nRest.\n");
        assert_eq!(labels(&article), ["Gout", "Treatment"]);
        assert!(article.sections[0].path.is_empty());
        assert_eq!(article.sections[0].anchor, "gout");
    }

    #[test]
    fn short_lines_with_nothing_after_them_are_body_text() {
        let article = split("Gout\n\nTreatment\n\nRest and ice.\n\nSee a doctor\n");
        assert_eq!(labels(&article), ["Treatment"]);
        assert!(article.sections[0].text.ends_with("See a doctor"));
    }

    #[test]
    fn sentences_and_list_items_are_not_headings() {
        let article = split(
            "Gout\n\nTreatment\n\nThese help:\n\n1. Rest\n\n- Ice packs\n\na) Raise the foot\n\nIt passes.\n",
        );
        assert_eq!(labels(&article), ["Treatment"]);
        assert_eq!(
            article.sections[0].text,
            "These help:\n\n1. Rest\n\n- Ice packs\n\na) Raise the foot\n\nIt passes."
        );
    }

    #[test]
    fn single_heading_after_body_is_a_sibling_and_runs_restart() {
        let text = "Gout\n\nTreatment\n\nDrug treatment\n\nPills.\n\nSurgery\n\nRarely.\n\n\
                    Home care\n\nDiet tips\n\nLess meat.\n";
        assert_eq!(
            labels(&split(text)),
            [
                "Treatment › Drug treatment",
                "Treatment › Surgery",
                "Home care › Diet tips"
            ]
        );
    }

    #[test]
    fn top_level_headings_always_start_at_the_top() {
        // "Prognosis" follows body alone, so it would be a sibling of
        // "Drug treatment"; the template says it is top-level.
        let text = "Gout\n\nTreatment\n\nDrug treatment\n\nPills.\n\nPrognosis\n\nGood.\n";
        assert_eq!(
            labels(&split(text)),
            ["Treatment › Drug treatment", "Prognosis"]
        );
        // In a run, a top-level heading resets the path even mid-run.
        let text = "Gout\n\nOverview\n\nTreatments\n\nDrug treatment\n\nPills.\n";
        assert_eq!(labels(&split(text)), ["Treatments › Drug treatment"]);
    }

    #[test]
    fn a_repeated_heading_after_body_continues_the_section() {
        let text = "Gout\n\nCause\n\nUric acid.\n\nCause\n\nAlso genes.\n";
        let article = split(text);
        assert_eq!(labels(&article), ["Cause"]);
        assert_eq!(article.sections[0].text, "Uric acid.\n\nAlso genes.");
    }

    #[test]
    fn repeated_heading_is_stripped_only_as_a_run_in_title() {
        let article = split("Gout\n\nCause\n\nCause of gout is uric acid.\n");
        assert_eq!(article.sections[0].text, "Cause of gout is uric acid.");
        let article = split("Gout\n\nCause\n\nCause: Uric acid.\n");
        assert_eq!(article.sections[0].text, "Uric acid.");
    }

    #[test]
    fn same_heading_twice_gets_unique_anchors() {
        let text =
            "Gout\n\nAcute gout\n\nHome care\n\nIce.\n\nChronic gout\n\nHome care\n\nPills.\n";
        let article = split(text);
        assert_eq!(
            labels(&article),
            ["Acute gout › Home care", "Chronic gout › Home care"]
        );
        assert_eq!(article.sections[0].anchor, "home-care");
        assert_eq!(article.sections[1].anchor, "home-care-1");
    }

    #[test]
    fn empty_and_headless_texts() {
        assert_eq!(split("").sections.len(), 0);
        assert_eq!(split("\n  \n").title, "");
        let article = split("Just a title");
        assert_eq!(article.title, "Just a title");
        assert!(article.sections.is_empty());
        let article = split("\u{feff}Title\r\n\r\nBody text here.\r\n");
        assert_eq!(article.title, "Title");
        assert_eq!(article.sections[0].text, "Body text here.");
    }
}
