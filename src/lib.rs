//! quire: section-level full-text search over articles.
//!
//! quire splits each article into *sections* (a heading path and the text
//! under it), indexes every section as its own document with
//! [tantivy](https://docs.rs/tantivy), and answers queries with ranked
//! sections, each labelled with its article and heading path and shown with
//! a snippet that marks the matched words.
//!
//! The `quire` binary is a thin layer over this library: indexing,
//! searching, splitting and exporting are these functions, and `quire
//! serve` answers with [`Index::search`]'s results as JSON. The server's
//! own parts (HTTP, its queue of waiting searches, its answer cache) live
//! in the binary. Built with `default-features = false`, the library has
//! none of the binary's dependencies (clap, axum, tokio, ...).
//!
//! The modules follow the pipeline, each importing only from those above
//! it (ARCHITECTURE.md): `analysis` (words and stems), `ingest` (files to
//! articles), `store` (articles to a committed index), `search` (a query
//! to hits), `export`, `output`, and [`Index`], the door to all of them.
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

mod analysis;
mod embed;
mod error;
mod export;
mod index;
mod ingest;
pub mod output;
mod search;
mod store;

pub use analysis::language::{detect_language, language_code};
#[cfg(feature = "model")]
pub use embed::distill::{Distilled, distill};
pub use embed::identity::ModelIdentity;
#[cfg(feature = "model")]
pub use embed::model::Model;
pub use embed::vector;
pub use error::{ArticleProblem, Error, Result};
pub use export::{ArticlePage, ExportFormat, ExportedSection, ListedArticle};
pub use index::{Index, export};
pub use ingest::anchors::slugify;
pub use ingest::article::{
    Article, LABEL_SEPARATOR, MAX_DEPTH, MAX_HEADING_CHARS, MAX_SECTION_BYTES, MAX_SECTIONS,
    Section,
};
pub use ingest::check::SplitCheck;
pub use ingest::format::Format;
pub use ingest::read::{Decoded, decode, read_article, split_file};
pub use ingest::rules::Rules;
pub use ingest::splitter::Splitter;
pub use ingest::walk::{ArticleFile, Found, Notice, find_articles};
pub use search::options::{DEFAULT_LIMIT, DEFAULT_SNIPPET_CHARS, Matching, SearchOptions};
pub use search::ranking::{HEADINGS_BOOST, TITLE_BOOST};
pub use search::reading::{ArticleText, DEFAULT_READ_BYTES, ReadOptions, SectionText};
pub use search::results::{
    ArticleRef, Highlight, Hit, Match, RESULTS_VERSION, SearchResults, SectionRef, Snippet,
};
pub use store::schema;
pub use store::update::{
    DEFAULT_MAX_FILE_SIZE, Embedding, IndexOptions, IndexReport, NoProgress, Progress, build_index,
    build_index_with_progress,
};
pub use store::writer::{DEFAULT_WRITER_MEMORY, MIN_WRITER_MEMORY_PER_THREAD, Writer};
