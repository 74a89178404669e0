//! quire: section-level full-text search over articles.
//!
//! quire splits each article into *sections* (a heading path and the text
//! under it), indexes every section as its own document with
//! [tantivy](https://docs.rs/tantivy), and answers queries with ranked
//! sections, each labelled with its article and heading path and shown with
//! a snippet that marks the matched words.
//!
//! The `quire` binary is a thin layer over this library: everything it does,
//! another program can do by calling the same functions.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use quire::{Index, IndexOptions, SearchOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let article = dir.path().join("gout.txt");
//! std::fs::write(&article, "Gout\n\nTreatment\n\nRest, ice, and drugs that lower uric acid.\n")?;
//!
//! // Split, index and commit; running it again replaces, never duplicates.
//! let report = quire::build_index(dir.path().join("index"), &[article], &IndexOptions::default())?;
//! assert_eq!((report.articles, report.sections), (1, 1));
//!
//! // Search: typed hits, the same that `quire search --json` prints.
//! let index = Index::open(dir.path().join("index"))?;
//! let results = index.search("uric acid", &SearchOptions::default())?;
//! let hit = &results.hits[0];
//! assert_eq!((hit.article.title.as_str(), hit.section.label.as_str()), ("Gout", "Treatment"));
//! assert_eq!(hit.snippets[0].highlights.len(), 2);
//! # Ok(()) }
//! ```
//!
//! The splitter works on its own too:
//!
//! ```
//! let article = quire::Splitter::default().split("Gout\n\nCause\n\nUric acid crystals.\n");
//! assert_eq!(article.sections[0].label, "Cause");
//! ```

#![deny(missing_docs)]

mod article;
mod corpus;
mod error;
mod expand;
pub mod export;
mod format;
mod html;
mod index;
mod markdown;
mod outline;
pub mod output;
mod query;
mod rules;
pub mod schema;
mod search;
mod sections;
mod snippet;
mod statistics;
mod text;

pub use article::{Article, LABEL_SEPARATOR, Section, Splitter};
pub use corpus::{
    ArticleFile, DEFAULT_MAX_FILE_SIZE, IndexOptions, IndexReport, NoProgress, Notice, Progress,
    build_index, build_index_with_progress, find_articles, read_article, split_file,
};
pub use error::{Error, Result};
pub use export::{ExportFormat, ExportedSection, export};
pub use format::Format;
pub use index::{DEFAULT_WRITER_MEMORY, Index, MIN_WRITER_MEMORY_PER_THREAD, Writer};
pub use rules::Rules;
pub use search::{
    ArticleRef, DEFAULT_LIMIT, HEADINGS_BOOST, Hit, SCHEMA_VERSION, SearchOptions, SearchResults,
    SectionRef, TITLE_BOOST,
};
pub use snippet::{DEFAULT_SNIPPET_CHARS, Highlight, Snippet};
pub use text::slugify;
