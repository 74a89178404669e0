//! Analysis: what a word is, how it is stemmed and folded, shared by the
//! readers, the writer and the search.
//!
//! Everything here is part of the index format: the index holds the terms
//! these analyzers made, and searches and snippets must make the same ones.
//! Change any of it and bump `FORMAT_VERSION` (`store/schema.rs`).
//!
//! - [`analyzers`]: the field analyzers (`en_stem`, `default`) and query-side
//!   helpers;
//! - [`language`]: an article's language (declared or detected) and its
//!   stemmer;
//! - [`stem`]: Snowball stems with a cache;
//! - [`tokens`]: the token rules (runs of letters and digits, at most 40
//!   bytes) and case and space folding;
//! - [`checkpoints`]: the byte offsets of every 32nd token of long sections.

pub(crate) mod analyzers;
pub(crate) mod checkpoints;
pub(crate) mod language;
pub(crate) mod stem;
pub(crate) mod tokens;
