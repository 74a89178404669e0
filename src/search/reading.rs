//! Reading one article: its sections' whole text in order, with a query's
//! words marked wherever they occur, and the sections the query finds
//! flagged (see `Index::read`; `quire serve`'s reader shows it).
//!
//! The words are marked as the search marks its snippets: the same terms
//! (stems in the article's language, typo'd variants the search looked up,
//! synonyms, completions), found by the same tokenizer over the text as it
//! is stored.

use serde::{Deserialize, Serialize};

use super::caches::Caches;
use super::links::Target;
use super::options::{Matching, SearchOptions};
use super::results::{Highlight, RESULTS_VERSION, SectionRef};
use super::run;
use super::snippet;
use crate::error::Result;
use crate::store::document::{article_sections, store_readers};
use crate::store::open::Store;

/// How much text one reading holds at most, by default: an article can be
/// a whole book.
pub const DEFAULT_READ_BYTES: usize = 4 * 1024 * 1024;

/// What [`Index::read`](crate::Index::read) reads.
///
/// ```
/// let options = quire::ReadOptions::default().query("uric acid").anchor("cause");
/// assert_eq!(options.query.as_deref(), Some("uric acid"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// The query whose words to mark, if any.
    pub query: Option<String>,
    /// The section to read around (its anchor): when the article's text is
    /// more than [`ReadOptions::max_bytes`], the text kept is this
    /// section's and its neighbours'.
    pub anchor: Option<String>,
    /// The most text to return, in bytes (at least the one section's).
    pub max_bytes: usize,
    /// No typo tolerance in marking the query's words.
    pub exact: bool,
    /// The query's last word also marks the longer words it starts (see
    /// [`SearchOptions::prefix_last`]).
    pub prefix_last: bool,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            query: None,
            anchor: None,
            max_bytes: DEFAULT_READ_BYTES,
            exact: false,
            prefix_last: false,
        }
    }
}

impl ReadOptions {
    /// Sets [`ReadOptions::query`].
    pub fn query(mut self, query: impl Into<String>) -> ReadOptions {
        self.query = Some(query.into());
        self
    }

    /// Sets [`ReadOptions::anchor`].
    pub fn anchor(mut self, anchor: impl Into<String>) -> ReadOptions {
        self.anchor = Some(anchor.into());
        self
    }

    /// Sets [`ReadOptions::max_bytes`].
    pub fn max_bytes(mut self, max_bytes: usize) -> ReadOptions {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets [`ReadOptions::exact`].
    pub fn exact(mut self, exact: bool) -> ReadOptions {
        self.exact = exact;
        self
    }

    /// Sets [`ReadOptions::prefix_last`].
    pub fn prefix_last(mut self, prefix_last: bool) -> ReadOptions {
        self.prefix_last = prefix_last;
        self
    }
}

/// An article to read ([`Index::read`](crate::Index::read), `GET
/// /articles/{id}`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArticleText {
    /// The version of the results contract: [`RESULTS_VERSION`].
    pub schema_version: u32,
    /// The article id.
    pub id: String,
    /// The article title.
    pub title: String,
    /// The path of the article's file as it was indexed.
    pub source: String,
    /// The article's language, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The article's page on its site (`quire index --base-url`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The query whose words are marked, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// How many sections the query finds (flagged `matched`).
    pub matched: usize,
    /// Whether some sections' text was left out ([`SectionText::left_out`]).
    pub partial: bool,
    /// The sections, in order.
    pub sections: Vec<SectionText>,
}

/// A section of an [`ArticleText`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SectionText {
    /// Its headings, label, anchor and position.
    #[serde(flatten)]
    pub section: SectionRef,
    /// Its text, white space as stored (empty when left out).
    pub text: String,
    /// The query's words in `text`, in order, as ranges of it.
    pub highlights: Vec<Highlight>,
    /// Whether the query finds the section (it is one of the hits of the
    /// query searched in this article alone).
    pub matched: bool,
    /// Whether its text was left out: the article's text is over
    /// [`ReadOptions::max_bytes`] and the section is far from the one read.
    pub left_out: bool,
    /// The section on the article's site, if it has a base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Reads the article `id` of `store` (see `Index::read`); `None` when the
/// index has no such article.
pub(crate) fn read(
    store: &Store,
    caches: &Caches,
    id: &str,
    options: &ReadOptions,
) -> Result<Option<ArticleText>> {
    let searcher = store.searcher();
    let stores = store_readers(store, &searcher)?;
    let mut sections = article_sections(store, &searcher, &stores, id, true)?;
    let Some((first_address, first)) = sections.first() else {
        return Ok(None);
    };
    let first_address = *first_address;
    let (title, source, lang) = (
        first.title.clone(),
        first.source.clone(),
        first.lang.clone(),
    );
    let query = options.query.as_deref().filter(|q| !q.trim().is_empty());
    let (mut marks, found) = match query {
        Some(query) => {
            let mut search = SearchOptions::default()
                .limit(sections.len())
                .exact(options.exact)
                .matching(Matching::Words)
                .prefix_last(options.prefix_last);
            search.article_id = Some(id.to_string());
            let (marks, found) = run::matches(store, caches, query, &search)?;
            (Some(marks), found)
        }
        None => (None, Default::default()),
    };
    let kept = kept_texts(
        &sections
            .iter()
            .map(|(_, s)| s.text.len())
            .collect::<Vec<_>>(),
        options
            .anchor
            .as_deref()
            .and_then(|a| sections.iter().position(|(_, s)| s.anchor == a))
            .unwrap_or(0),
        options.max_bytes,
    );
    let generation = searcher.generation().generation_id();
    let sites = caches
        .sites
        .get(store, generation)
        .map_err(|e| store.error(e))?;
    let url = sites
        .url_at(&searcher, first_address, &Target::page(id))
        .map_err(|e| store.error(e))?;
    let mut texts = Vec::with_capacity(sections.len());
    for (i, (address, stored)) in sections.iter_mut().enumerate() {
        let left_out = !kept[i];
        // Before the text is taken: a short heading's link names its first
        // word.
        let url = sites
            .url_at(&searcher, *address, &Target::of(stored))
            .map_err(|e| store.error(e))?;
        let text = match left_out {
            true => String::new(),
            false => std::mem::take(&mut stored.text),
        };
        let highlights = match &mut marks {
            Some(marks) if !text.is_empty() => {
                marks.set_language(stored.lang.as_deref());
                snippet::highlights(&text, marks)
            }
            _ => vec![],
        };
        texts.push(SectionText {
            section: SectionRef {
                path: std::mem::take(&mut stored.path),
                label: std::mem::take(&mut stored.label),
                anchor: std::mem::take(&mut stored.anchor),
                anchor_in_page: stored.anchor_in_page,
                ordinal: stored.ordinal,
            },
            text,
            highlights,
            matched: found.contains(address),
            left_out,
            url,
        });
    }
    Ok(Some(ArticleText {
        schema_version: RESULTS_VERSION,
        id: id.to_string(),
        title,
        source,
        lang,
        url,
        query: query.map(str::to_string),
        matched: texts.iter().filter(|s| s.matched).count(),
        partial: texts.iter().any(|s| s.left_out),
        sections: texts,
    }))
}

/// Which of the sections of these text lengths keep their text within
/// `budget` bytes: the one at `focus` always, then its neighbours, the
/// nearer first (the one after before the one before), while they fit.
fn kept_texts(lengths: &[usize], focus: usize, budget: usize) -> Vec<bool> {
    let mut kept = vec![false; lengths.len()];
    if lengths.is_empty() {
        return kept;
    }
    let focus = focus.min(lengths.len() - 1);
    kept[focus] = true;
    let mut spent = lengths[focus];
    let (mut before, mut after) = (focus, focus + 1);
    loop {
        let next = match (after < lengths.len(), before > 0) {
            (true, true) if after - focus <= focus - before + 1 => after,
            (true, true) | (false, true) => before - 1,
            (true, false) => after,
            (false, false) => break,
        };
        if spent + lengths[next] > budget {
            break;
        }
        spent += lengths[next];
        kept[next] = true;
        if next == after {
            after += 1;
        } else {
            before -= 1;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::kept_texts;

    #[test]
    fn texts_kept_are_the_focus_and_its_nearest_neighbours() {
        // Everything fits.
        assert_eq!(kept_texts(&[1, 1, 1], 1, 10), [true; 3]);
        // The focus alone is over the budget: it is kept all the same.
        assert_eq!(kept_texts(&[1, 50, 1], 1, 10), [false, true, false]);
        // Neighbours alternate, the next one first, until one does not fit.
        assert_eq!(
            kept_texts(&[1, 1, 1, 1, 1, 1], 2, 4),
            [false, true, true, true, true, false]
        );
        // At the end, the ones before.
        assert_eq!(kept_texts(&[1, 1, 1, 1], 3, 3), [false, true, true, true]);
        assert_eq!(kept_texts(&[], 0, 3), Vec::<bool>::new());
    }
}
