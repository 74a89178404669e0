//! Long sections already read, kept for the searches that follow.
//!
//! A hit's stored section is decompressed and copied out of tantivy's
//! document store, and on a corpus like linux-doc the hits are mostly long
//! sections (over 20 KB on average for random two-word queries, three
//! quarters of those bytes in sections over 64 KB): reading them was a
//! fifth of a search's time. The same long sections keep coming back as
//! hits of different queries, so an open index keeps the long ones it has
//! read, up to [`SECTION_CACHE_BYTES`] of text, and drops the least
//! recently used first.
//!
//! Sections are keyed by segment and document: a segment never changes
//! once written, so what is kept stays right across commits; sections of
//! segments merged away are simply not asked for again and age out.

use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;
use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Searcher};

use crate::store::document::StoredSection;
use crate::store::schema::Fields;

/// How much section text an open index keeps, in bytes.
pub const SECTION_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// Sections shorter than this are read again each time: it costs little.
const KEPT_TEXT: usize = 4 * 1024;

/// Long sections read, by segment and document, with when each was last
/// used.
#[derive(Default)]
pub(crate) struct SectionCache {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    sections: FxHashMap<(SegmentId, DocId), (Arc<StoredSection>, u64)>,
    bytes: usize,
    clock: u64,
}

impl SectionCache {
    /// The section at `address`, from the cache or read (and kept, if it
    /// is long).
    pub(crate) fn get(
        &self,
        fields: Fields,
        searcher: &Searcher,
        address: DocAddress,
    ) -> tantivy::Result<Arc<StoredSection>> {
        let segment = searcher.segment_reader(address.segment_ord).segment_id();
        let key = (segment, address.doc_id);
        {
            let mut kept = self.lock();
            kept.clock += 1;
            let now = kept.clock;
            if let Some((section, used)) = kept.sections.get_mut(&key) {
                *used = now;
                return Ok(Arc::clone(section));
            }
        }
        let section = Arc::new(StoredSection::read(fields, searcher, address)?);
        let size = section.text.len();
        if (KEPT_TEXT..=SECTION_CACHE_BYTES / 4).contains(&size) {
            let mut kept = self.lock();
            let now = kept.clock;
            if kept
                .sections
                .insert(key, (Arc::clone(&section), now))
                .is_none()
            {
                kept.bytes += size;
            }
            if kept.bytes > SECTION_CACHE_BYTES {
                kept.shrink();
            }
        }
        Ok(section)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Kept {
    /// Drops the least recently used sections until three quarters of the
    /// budget are left: one sort now and then, not a search on every
    /// insertion.
    fn shrink(&mut self) {
        let mut by_use: Vec<(u64, (SegmentId, DocId), usize)> = self
            .sections
            .iter()
            .map(|(key, (section, used))| (*used, *key, section.text.len()))
            .collect();
        by_use.sort_unstable_by_key(|&(used, _, _)| used);
        for (_, key, size) in by_use {
            if self.bytes <= SECTION_CACHE_BYTES / 4 * 3 {
                break;
            }
            self.sections.remove(&key);
            self.bytes -= size;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Index, IndexOptions, SearchOptions, build_index};

    #[test]
    fn the_least_recently_used_go_first() {
        let section = |bytes: usize| {
            Arc::new(StoredSection {
                text: "x".repeat(bytes),
                ..StoredSection::default()
            })
        };
        let segment = SegmentId::generate_random();
        let mut kept = Kept::default();
        let tenth = SECTION_CACHE_BYTES / 10;
        for doc in 0..11 {
            // Document 0 is used last of all.
            let used = if doc == 0 { 100 } else { u64::from(doc) };
            kept.sections.insert((segment, doc), (section(tenth), used));
            kept.bytes += tenth;
        }
        kept.shrink();
        assert!(kept.bytes <= SECTION_CACHE_BYTES / 4 * 3);
        assert_eq!(kept.bytes, kept.sections.len() * tenth);
        let mut left: Vec<DocId> = kept.sections.keys().map(|&(_, doc)| doc).collect();
        left.sort();
        assert_eq!(left, [0, 5, 6, 7, 8, 9, 10]);
    }

    fn article(word: &str) -> String {
        let filler = "Nothing to see in this sentence of filler words. ".repeat(120);
        format!("# Long\n\n{filler}The {word} is here.\n\n# Short\n\nA few words.\n")
    }

    fn snippet(index: &Index, query: &str) -> String {
        let results = index.search(query, &SearchOptions::default()).unwrap();
        results.hits[0].snippets[0].text.clone()
    }

    #[test]
    fn long_sections_are_kept_and_never_outlive_their_text() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        let file = corpus.join("a.md");
        std::fs::write(&file, article("zebra")).unwrap();
        let index_dir = dir.path().join("index");
        let options = IndexOptions::default();
        build_index(&index_dir, std::slice::from_ref(&corpus), &options).unwrap();

        let index = Index::open(&index_dir).unwrap();
        assert!(snippet(&index, "zebra").contains("zebra"));
        let kept = |index: &Index| index.caches.sections.lock().sections.len();
        assert_eq!(kept(&index), 1, "the long section is kept");
        assert!(snippet(&index, "few words").contains("few words"));
        assert_eq!(kept(&index), 1, "the short one is not");
        assert!(snippet(&index, "zebra").contains("zebra"));

        // The article changes: the next commit's section is read afresh.
        std::fs::write(&file, article("okapi")).unwrap();
        build_index(&index_dir, std::slice::from_ref(&corpus), &options).unwrap();
        index.reload().unwrap();
        assert!(snippet(&index, "okapi").contains("okapi"));
        let results = index.search("zebra", &SearchOptions::default()).unwrap();
        assert!(
            results
                .hits
                .iter()
                .all(|h| h.snippets.iter().all(|s| !s.text.contains("zebra")))
        );
    }
}
