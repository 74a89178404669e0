//! What the readers make: an [`Article`], a title and the [`Section`]s that
//! get indexed, each one a heading path and the text under it.

use serde::Serialize;

/// The separator between headings in a section label.
pub const LABEL_SEPARATOR: &str = " › ";

/// An article split into the sections that get indexed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Article {
    /// The article's title: its first non-empty line.
    pub title: String,
    /// The sections that have text, in the order they appear.
    pub sections: Vec<Section>,
}

/// One section of an article: a heading path and the text under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The headings from the top level down to this section's own; empty
    /// for text that comes before the first heading.
    pub path: Vec<String>,
    /// The path joined with `" › "`, or the article title when the path is
    /// empty.
    pub label: String,
    /// A slug unique within the article, as GitHub makes them
    /// (`medical-examination`, a repeat gets `-1`).
    pub anchor: String,
    /// The section's position among the article's sections, from 0.
    pub ordinal: u64,
    /// The section's text: paragraphs separated by a blank line.
    pub text: String,
}
