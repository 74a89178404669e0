//! Stamps: what quire keeps of each article's file (size, time, content
//! hash, the folder and the splitting rules) to tell, next time, whether it
//! changed. They are fast fields of every section, so they are committed
//! with the sections, atomically.

use std::collections::HashMap;

use super::open::Store;
use super::schema::names;
use crate::error::Result;

/// What quire keeps of an article's file to tell, next time, whether it
/// changed; stored in fast fields of every section, so it is committed with
/// the sections, atomically.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// Hash of the folder the article was indexed from.
    pub root_key: u64,
    pub size: u64,
    /// Modification time in nanoseconds since 1970.
    pub mtime: u64,
    pub content_hash: u64,
    /// Hash of the rules the article was split with.
    pub splitter_key: u64,
}

/// The key an article's sections are deleted by: a hash of its id.
pub(crate) fn article_key(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// The stamp of every article in the index, by article key, as of the last
/// commit `store` has seen.
pub(crate) fn stamps(store: &Store) -> Result<HashMap<u64, Stamp>> {
    let err = |e| store.error(e);
    let searcher = store.searcher();
    let mut stamps = HashMap::new();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let column = |name| fast.u64(name).map_err(err);
        let key = column(names::ARTICLE_KEY)?;
        let root = column(names::ROOT_KEY)?;
        let size = column(names::FILE_SIZE)?;
        let mtime = column(names::MTIME)?;
        let hash = column(names::CONTENT_HASH)?;
        let splitter = column(names::SPLITTER_KEY)?;
        for doc in segment.doc_ids_alive() {
            let Some(k) = key.first(doc) else { continue };
            stamps.entry(k).or_insert_with(|| Stamp {
                root_key: root.first(doc).unwrap_or(0),
                size: size.first(doc).unwrap_or(0),
                mtime: mtime.first(doc).unwrap_or(0),
                content_hash: hash.first(doc).unwrap_or(0),
                splitter_key: splitter.first(doc).unwrap_or(0),
            });
        }
    }
    Ok(stamps)
}
