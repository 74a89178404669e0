//! The results contract: what a search returns, and what `quire search
//! --json`, the server and the library all give, by construction (the JSON
//! is these types' serde form). README.md ("JSON output") documents every
//! field; docs/openapi.yaml describes them for HTTP clients.

use serde::{Deserialize, Serialize};

/// The version of the results contract ([`SearchResults`], its
/// `schema_version` field). It goes up only when a field changes meaning or
/// goes away; new fields may appear without it.
pub const RESULTS_VERSION: u32 = 1;

/// The result of a search: what `quire search --json` prints.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SearchResults {
    /// The version of this contract: [`RESULTS_VERSION`].
    pub schema_version: u32,
    /// The query as given.
    pub query: String,
    /// How many sections matched in all, beyond the hits returned.
    pub total_hits: u64,
    /// True when the hits go on past the sections that have every word
    /// (none has, or fewer than were asked for) with sections that have
    /// some: those hits list their [`Hit::missing`] words, and
    /// `total_hits` counts them too. Stop words count for nothing here.
    pub relaxed: bool,
    /// How many hits were passed over before the first one here.
    pub offset: usize,
    /// The best hits, best first.
    pub hits: Vec<Hit>,
    /// When nothing matched, the query with its unknown words replaced by
    /// the nearest words of the corpus ("did you mean"), if any are near.
    pub suggestion: Option<String>,
    /// The query's words (or synonym phrases) that no section has, even
    /// with typos: they decided nothing. Empty when every word matched.
    #[serde(default)]
    pub unmatched: Vec<String>,
}

/// One matching section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Hit {
    /// 1 for the best hit (counting those passed over by the offset).
    pub rank: usize,
    /// The BM25 score with field boosts; higher is better within a tier,
    /// comparable only within one search.
    pub score: f32,
    /// False when the section matched only with typos; among the sections
    /// with every word, such hits come after every exact one.
    pub exact: bool,
    /// The article the section belongs to.
    pub article: ArticleRef,
    /// The section.
    pub section: SectionRef,
    /// Fragments of the section's text with the matched words marked.
    pub snippets: Vec<Snippet>,
    /// With a per-article limit, how many more sections of this article
    /// matched but are not shown; otherwise 0.
    pub more_in_article: u64,
    /// The query's words this section does not have (in a relaxed search;
    /// see [`SearchResults::relaxed`]), as typed. Empty when it has every
    /// one.
    #[serde(default)]
    pub missing: Vec<String>,
    /// How the section matched: by the query's words, by its meaning (an
    /// index built with a model), or both.
    #[serde(rename = "match", default)]
    pub matched: Match,
    /// The link to the section on the site its folder is published at
    /// (`quire index --base-url`): the base URL, the article id, and
    /// `#anchor` when the page has the anchor. None without a base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// How a [`Hit`] matched ([`Hit::matched`], `"match"` in JSON).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Match {
    /// By the query's words alone.
    #[default]
    Words,
    /// By meaning alone: the section is among those nearest the query, and
    /// the words ranking did not find it.
    Meaning,
    /// By both: found by the words and among the nearest.
    Both,
}

/// The article of a [`Hit`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArticleRef {
    /// The article id: its path relative to the indexed folder.
    pub id: String,
    /// The article title.
    pub title: String,
    /// The path of the article's file as it was indexed.
    pub source: String,
    /// The article's language (an ISO 639-1 code such as `de`), as it says
    /// or as detected; none when neither could tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// The section of a [`Hit`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SectionRef {
    /// The headings from the top level down.
    pub path: Vec<String>,
    /// The headings joined with `" › "`.
    pub label: String,
    /// The anchor, unique within the article.
    pub anchor: String,
    /// Whether the anchor is an `id` (or `name`) the page has, so that
    /// `page#anchor` lands on the section; false for a slug quire made
    /// (plain text, Markdown without `{#id}`, HTML headings with no id on,
    /// in, before or around them).
    #[serde(default)]
    pub anchor_in_page: bool,
    /// The section's position in the article, from 0.
    pub ordinal: u64,
}

/// A fragment of a section's text with the matched words marked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Snippet {
    /// The fragment, white space folded, `…` where it was cut.
    pub text: String,
    /// The matched words, in order, as ranges of `text`.
    pub highlights: Vec<Highlight>,
}

/// A matched word inside a [`Snippet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Highlight {
    /// Byte offset of the first byte, in the snippet's UTF-8 text.
    pub start: usize,
    /// Byte offset just past the last byte.
    pub end: usize,
    /// Offset of the first character, counted in Unicode scalar values.
    pub char_start: usize,
    /// Offset just past the last character.
    pub char_end: usize,
}
