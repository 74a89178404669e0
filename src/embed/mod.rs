//! Meaning: sentence embeddings of sections and queries, for ranking by
//! what a text is about as well as by its words.
//!
//! [`model`] loads a sentence-transformers folder and runs its BERT
//! encoder ([`bert`]) on the CPU (cargo feature `model`; without it,
//! [`model::Model`] cannot be loaded and says so), or a static [`table`]
//! of token vectors, which [`distill`] makes from a transformer;
//! [`input`] is what is embedded of a section; [`identity`] is what an
//! index remembers of the model that built its vectors; [`vector`] is how
//! vectors are stored (a byte a dimension) and compared.

#[cfg(feature = "model")]
pub(crate) mod bert;
#[cfg(feature = "model")]
pub(crate) mod distill;
pub(crate) mod identity;
pub(crate) mod input;
#[cfg(feature = "model")]
pub(crate) mod model;
#[cfg(not(feature = "model"))]
#[path = "unavailable.rs"]
pub(crate) mod model;
#[cfg(feature = "model")]
pub(crate) mod table;
pub mod vector;
