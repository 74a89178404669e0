//! Ingest: files in, [`Article`](article::Article)s out. Nothing here knows the index.
//!
//! - [`walk`]: which files under the paths given are articles, and their ids;
//! - [`read`]: reading one file safely (binary, empty, not UTF-8);
//! - [`format`]: which reader an extension needs, and [`READER_VERSION`];
//! - [`splitter`]: the [`Splitter`](splitter::Splitter), which holds the [`rules`] and sends each
//!   format to its reader; plain text is split here, by the shape of its
//!   lines;
//! - [`markdown`], [`html`]: the structured readers, which both hand an
//!   outline (headings and text) to [`outline`] to make the sections;
//! - [`tokenizer`]: HTML's tokens, for [`html`];
//! - [`article`]: what every reader makes; [`anchors`]: section slugs;
//! - [`check`]: what `quire split --check` says of how a folder splits.
//!
//! Changing what any reader makes from the same input means bumping
//! [`READER_VERSION`], so that existing indexes split every article again.
//!
//! [`READER_VERSION`]: format::READER_VERSION

pub(crate) mod anchors;
pub(crate) mod article;
pub(crate) mod check;
pub(crate) mod format;
pub(crate) mod html;
pub(crate) mod markdown;
pub(crate) mod outline;
pub(crate) mod read;
pub(crate) mod rules;
pub(crate) mod splitter;
pub(crate) mod tokenizer;
pub(crate) mod walk;
