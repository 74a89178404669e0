//! BM25 statistics, remembered per commit.
//!
//! Each time tantivy builds a query's weights it asks every segment how
//! many sections hold each term, and how many tokens each field has: a
//! dictionary lookup per term and segment, and a tenth of a search's time
//! on linux-doc. The answers change only with a commit, so an open index
//! keeps them for the commit its searcher reads, and a search asks
//! through [`Statistics::provider`]. The scores are exactly those
//! tantivy's own statistics give.

use std::sync::Mutex;

use rustc_hash::FxHashMap;
use tantivy::Searcher;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::{Field, Term};

use super::held;

/// How many terms' document frequencies are kept; it starts over when
/// full.
const TERMS: usize = 1 << 16;

/// The statistics of one commit, shared by the searches on it.
#[derive(Default)]
pub(crate) struct Statistics {
    remembered: Mutex<Remembered>,
}

#[derive(Default)]
struct Remembered {
    /// The searcher generation these are for.
    generation: Option<u64>,
    docs: Option<u64>,
    tokens: FxHashMap<Field, u64>,
    doc_freqs: FxHashMap<Term, u64>,
}

impl Statistics {
    #[cfg(test)]
    fn lock_for_test(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.remembered.lock().unwrap()
    }

    /// What a search on `searcher` scores with.
    pub(crate) fn provider<'a>(&'a self, searcher: &'a Searcher) -> Provider<'a> {
        Provider {
            statistics: self,
            searcher,
            generation: searcher.generation().generation_id(),
        }
    }
}

/// [`Statistics`] for one searcher: answers from what is remembered for
/// its commit, else from the searcher (and remembers the answer).
pub(crate) struct Provider<'a> {
    statistics: &'a Statistics,
    searcher: &'a Searcher,
    generation: u64,
}

impl Provider<'_> {
    fn remembered(
        &self,
        get: impl Fn(&Remembered) -> Option<u64>,
        compute: impl FnOnce(&Searcher) -> tantivy::Result<u64>,
        put: impl FnOnce(&mut Remembered, u64),
    ) -> tantivy::Result<u64> {
        {
            let remembered = self.lock();
            if remembered.generation == Some(self.generation)
                && let Some(value) = get(&remembered)
            {
                return Ok(value);
            }
        }
        let value = compute(self.searcher)?;
        let mut remembered = self.lock();
        // A newer commit starts over; a searcher on an older one (still
        // finishing while the index reloads) keeps its answers to itself.
        if remembered.generation.is_none_or(|g| g < self.generation) {
            *remembered = Remembered {
                generation: Some(self.generation),
                ..Remembered::default()
            };
        }
        if remembered.generation == Some(self.generation) {
            put(&mut remembered, value);
        }
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.statistics
            .remembered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

impl Bm25StatisticsProvider for Provider<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.remembered(
            |r| r.tokens.get(&field).copied(),
            |searcher| {
                let mut tokens = 0;
                for segment in searcher.segment_readers() {
                    if let Some(index) = held::postings(segment, field)? {
                        tokens += index.total_num_tokens();
                    }
                }
                Ok(tokens)
            },
            |r, n| {
                r.tokens.insert(field, n);
            },
        )
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.remembered(
            |r| r.docs,
            |searcher| searcher.total_num_docs(),
            |r, n| r.docs = Some(n),
        )
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.remembered(
            |r| r.doc_freqs.get(term).copied(),
            |searcher| {
                let mut docs = 0;
                for segment in searcher.segment_readers() {
                    if let Some(index) = held::postings(segment, term.field())? {
                        docs += u64::from(index.doc_freq(term)?);
                    }
                }
                Ok(docs)
            },
            |r, n| {
                if r.doc_freqs.len() >= TERMS {
                    r.doc_freqs.clear();
                }
                r.doc_freqs.insert(term.clone(), n);
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    #[test]
    fn statistics_follow_commits_and_never_mix_them() {
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        let add = |writer: &mut IndexWriter, text: &str| {
            let mut doc = TantivyDocument::default();
            doc.add_text(body, text);
            writer.add_document(doc).unwrap();
        };
        add(&mut writer, "gout and uric acid");
        writer.commit().unwrap();
        let reader = index.reader().unwrap();
        let old = reader.searcher();
        let statistics = Statistics::default();
        let gout = Term::from_field_text(body, "gout");
        let ask = |searcher: &Searcher| {
            let provider = statistics.provider(searcher);
            (
                provider.doc_freq(&gout).unwrap(),
                provider.total_num_docs().unwrap(),
                provider.total_num_tokens(body).unwrap(),
            )
        };
        assert_eq!(ask(&old), (1, 1, 4));
        {
            let mut remembered = statistics.lock_for_test();
            let generation = old.generation().generation_id();
            assert_eq!(remembered.generation, Some(generation));
            assert_eq!(
                (
                    remembered.doc_freqs.get(&gout),
                    remembered.docs,
                    remembered.tokens.get(&body)
                ),
                (Some(&1), Some(1), Some(&4)),
                "remembered"
            );
            // The next answers come from memory, not from the searcher.
            remembered.doc_freqs.insert(gout.clone(), 99);
            remembered.docs = Some(98);
        }
        assert_eq!(ask(&old), (99, 98, 4), "answered from memory");
        {
            let mut remembered = statistics.lock_for_test();
            remembered.doc_freqs.insert(gout.clone(), 1);
            remembered.docs = Some(1);
        }

        add(&mut writer, "gout again");
        writer.commit().unwrap();
        reader.reload().unwrap();
        let new = reader.searcher();
        assert_eq!(ask(&new), (2, 2, 6));
        // A search still on the older commit gets that commit's numbers,
        // and leaves the newer ones in place.
        assert_eq!(ask(&old), (1, 1, 4));
        assert_eq!(ask(&new), (2, 2, 6));
        assert_eq!(statistics.lock_for_test().doc_freqs.get(&gout), Some(&2));
    }
}
