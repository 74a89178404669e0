//! Store: articles in, a committed index folder out; and reading back what
//! it holds.
//!
//! - [`schema`]: the fields, their analyzers, and [`schema::FORMAT_VERSION`];
//! - [`document`]: one section's document, its write half and its read half;
//! - [`stamp`]: what each article's file was when it was indexed;
//! - [`open`]: the index folder, opened or created ([`open::Store`]),
//!   through [`directory`], which reads read-only folders too;
//! - [`writer`]: adding, replacing, removing articles, and committing,
//!   with the search rules as the commit's [`payload`];
//! - [`update`]: [`update::build_index`], which walks, plans, reads and
//!   splits in parallel ([`pool`]) and commits once.
//!
//! What is on disk is a contract with plain tantivy programs (README,
//! "Index format"): a change to the schema, the documents, the analyzers or
//! the checkpoints bumps [`schema::FORMAT_VERSION`].

pub(crate) mod directory;
pub(crate) mod document;
pub(crate) mod merge;
pub(crate) mod open;
pub(crate) mod payload;
pub(crate) mod pool;
pub mod schema;
pub(crate) mod stamp;
pub(crate) mod update;
pub(crate) mod vectors;
pub(crate) mod writer;
