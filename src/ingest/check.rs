//! What `quire split --check` reports of a folder: whether each section's
//! anchor is an id its page has (so that `page#anchor` lands on it), and
//! the sections that look like page furniture rather than content: the
//! title again as a first heading, a table of contents, a Note box, a
//! navigation block.

use serde::Serialize;

use super::article::Article;
use crate::analysis::tokens::fold;

/// Headings that name furniture or an admonition, not content.
const FURNITURE_HEADINGS: &[&str] = &[
    "note",
    "warning",
    "tip",
    "important",
    "caution",
    "danger",
    "attention",
    "hint",
    "contents",
    "table of contents",
    "on this page",
    "in this article",
    "navigation",
    "navigation menu",
    "menu",
    "breadcrumbs",
    "share",
    "share this",
    "was this page helpful?",
    "was this helpful?",
    "edit this page",
    "feedback",
    "cookies",
    "skip to content",
];

/// How many examples of each finding are kept.
const EXAMPLES: usize = 10;

/// The findings over the articles checked.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct SplitCheck {
    /// Articles checked.
    pub articles: usize,
    /// Their sections.
    pub sections: usize,
    /// Sections whose anchor is an id their page has.
    pub anchors_in_page: usize,
    /// Title sections (text before the first heading) whose page has no
    /// id for them: a link to the page, without a fragment, lands on
    /// them.
    pub titles_at_top: usize,
    /// Sections whose first heading is the article's title again.
    pub title_repeated: usize,
    /// Sections whose own heading names furniture or an admonition.
    pub furniture: usize,
    /// Examples, `source#anchor  label`, of sections whose anchor is a
    /// slug,
    pub slug_examples: Vec<String>,
    /// of sections whose first heading is the title again,
    pub title_repeated_examples: Vec<String>,
    /// and of sections that look like furniture.
    pub furniture_examples: Vec<String>,
}

impl SplitCheck {
    /// Adds the sections of `article`, read from `source`.
    pub fn add(&mut self, source: &str, article: &Article) {
        self.articles += 1;
        let title = fold(&article.title);
        for section in &article.sections {
            self.sections += 1;
            let example = || format!("{source}#{}  {}", section.anchor, section.label);
            let keep = |examples: &mut Vec<String>| {
                if examples.len() < EXAMPLES {
                    examples.push(example());
                }
            };
            if section.anchor_in_page {
                self.anchors_in_page += 1;
            } else if section.path.is_empty() && section.ordinal == 0 {
                self.titles_at_top += 1;
            } else {
                keep(&mut self.slug_examples);
            }
            if section.path.first().is_some_and(|h| fold(h) == title) {
                self.title_repeated += 1;
                keep(&mut self.title_repeated_examples);
            }
            let own = section.path.last().map(|h| fold(h.trim_end_matches(':')));
            if own.is_some_and(|h| FURNITURE_HEADINGS.contains(&h.as_str())) {
                self.furniture += 1;
                keep(&mut self.furniture_examples);
            }
        }
    }

    /// The share of sections whose anchor is in their page, in percent.
    pub fn in_page_percent(&self) -> f64 {
        percent(self.anchors_in_page, self.sections)
    }

    /// The share of sections a link lands on, in percent: by an anchor in
    /// the page, or at the top of the page for its title's section.
    pub fn landing_percent(&self) -> f64 {
        percent(self.anchors_in_page + self.titles_at_top, self.sections)
    }

    /// Sections whose anchor is a slug and that are not at the top of
    /// their page: a link cannot land on them.
    pub fn slugs(&self) -> usize {
        self.sections - self.anchors_in_page - self.titles_at_top
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::article::Section;

    fn section(path: &[&str], anchor: &str, in_page: bool) -> Section {
        Section {
            path: path.iter().map(|s| s.to_string()).collect(),
            label: path.join(" › "),
            anchor: anchor.into(),
            anchor_in_page: in_page,
            ordinal: 0,
            text: "x".into(),
        }
    }

    #[test]
    fn slugs_repeated_titles_and_furniture_are_counted() {
        let article = Article {
            lang: None,
            title: "Tides".into(),
            sections: vec![
                section(&[], "tides", false),
                section(&["Tides", "Spring"], "spring", true),
                section(&["Note"], "note", false),
                section(&["Neap"], "neap", true),
            ],
        };
        let mut check = SplitCheck::default();
        check.add("t.html", &article);
        assert_eq!(
            (
                check.sections,
                check.anchors_in_page,
                check.titles_at_top,
                check.slugs(),
                check.title_repeated,
                check.furniture
            ),
            (4, 2, 1, 1, 1, 1)
        );
        assert_eq!(check.slug_examples, ["t.html#note  Note"]);
        assert!((check.in_page_percent() - 50.0).abs() < 1e-9);
        assert!((check.landing_percent() - 75.0).abs() < 1e-9);
    }
}
