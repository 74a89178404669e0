//! Searching by meaning: the model that embeds queries, the sections'
//! vectors held in memory, and the scan that finds the sections nearest a
//! query.
//!
//! The model is the one the index remembers (see `store::payload`),
//! loaded once per open index on the first search that needs it, and
//! checked to be the same weights; a search may point it at another folder
//! (the same model, moved). Vectors are read a segment at a time, once
//! (segments never change), and let go when their segment leaves the
//! index. The scan is exact: every live section's quantised vector against
//! the query's, 388 bytes a section for a 384-dimension model.

use std::collections::{BinaryHeap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::index::SegmentId;
use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, DocSet, Searcher, TERMINATED};

use crate::embed::identity::ModelIdentity;
use crate::embed::model::Model;
use crate::embed::vector::QueryVector;
use crate::error::Result;
use crate::store::open::Store;
use crate::store::vectors::SegmentVectors;

/// The model and the vectors of one open index.
#[derive(Default)]
pub(crate) struct MeaningCache {
    /// The model loaded, if any.
    model: Mutex<Option<Arc<Model>>>,
    /// A folder to load the model from instead of the one the index
    /// remembers.
    folder: Mutex<Option<PathBuf>>,
    /// Each segment's vectors.
    segments: Mutex<HashMap<SegmentId, Arc<SegmentVectors>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl MeaningCache {
    /// The model whose vectors the commit of `generation` has, if any.
    pub(crate) fn identity(&self, store: &Store, generation: u64) -> Result<Option<ModelIdentity>> {
        let committed = store.committed(generation).map_err(|e| store.error(e))?;
        Ok(committed.model.clone())
    }

    /// Loads the model from `dir` from now on, instead of the folder the
    /// index remembers.
    pub(crate) fn use_folder(&self, dir: &Path) {
        *lock(&self.folder) = Some(dir.to_path_buf());
        *lock(&self.model) = None;
    }

    /// The model that embeds queries for the commit of `generation`; `None`
    /// when its sections have no vectors.
    ///
    /// # Errors
    ///
    /// [`Error::ModelMissing`] when the model's folder is gone,
    /// [`Error::ModelChanged`] when it holds other weights, the errors of
    /// [`Model::load`].
    pub(crate) fn model(&self, store: &Store, generation: u64) -> Result<Option<Arc<Model>>> {
        let Some(identity) = self.identity(store, generation)? else {
            return Ok(None);
        };
        // Held while loading: searches at the same time wait for this one.
        let mut model = lock(&self.model);
        if let Some(loaded) = &*model
            && loaded.identity().same_model(&identity)
        {
            return Ok(Some(loaded.clone()));
        }
        let dir = lock(&self.folder)
            .clone()
            .unwrap_or_else(|| identity.path.clone());
        let loaded = Arc::new(Model::load_as(&identity, &dir, &store.dir)?);
        *model = Some(loaded.clone());
        Ok(Some(loaded))
    }

    /// The vectors of every segment of `searcher`, in segment order, of
    /// `dimensions` numbers each.
    pub(crate) fn vectors(
        &self,
        searcher: &Searcher,
        dimensions: usize,
    ) -> tantivy::Result<Vec<Arc<SegmentVectors>>> {
        let mut segments = lock(&self.segments);
        let live: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        segments.retain(|id, _| live.contains(id));
        let mut out = Vec::with_capacity(live.len());
        for reader in searcher.segment_readers() {
            let vectors = match segments.get(&reader.segment_id()) {
                Some(v) => v.clone(),
                None => {
                    let v = Arc::new(SegmentVectors::read(reader, 4 + dimensions)?);
                    segments.insert(reader.segment_id(), v.clone());
                    v
                }
            };
            out.push(vectors);
        }
        Ok(out)
    }
}

/// A section found by meaning, ordered by cosine for the heap.
#[derive(PartialEq)]
struct Near(f32, DocAddress);

impl Eq for Near {}

impl PartialOrd for Near {
    fn partial_cmp(&self, other: &Near) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Near {
    /// Reversed, so that the heap's top is the farthest kept; ties go to
    /// the earlier section.
    fn cmp(&self, other: &Near) -> std::cmp::Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| self.1.cmp(&other.1))
    }
}

/// The `n` live sections nearest `query`, nearest first, among those that
/// `filter` matches (all without one).
pub(crate) fn nearest(
    searcher: &Searcher,
    vectors: &[Arc<SegmentVectors>],
    query: &QueryVector,
    filter: Option<&dyn Query>,
    n: usize,
) -> tantivy::Result<Vec<(f32, DocAddress)>> {
    let mut heap: BinaryHeap<Near> = BinaryHeap::with_capacity(n + 1);
    let weight = match filter {
        Some(f) => Some(f.weight(EnableScoring::disabled_from_searcher(searcher))?),
        None => None,
    };
    let mut keep = |cosine: f32, address: DocAddress| {
        if heap.len() < n {
            heap.push(Near(cosine, address));
        } else if heap.peek().is_some_and(|far| cosine > far.0) {
            heap.pop();
            heap.push(Near(cosine, address));
        }
    };
    for (ord, (segment, vectors)) in searcher.segment_readers().iter().zip(vectors).enumerate() {
        if vectors.is_empty() {
            continue;
        }
        let ord = ord as u32;
        let mut each = |doc| {
            if let Some(cosine) = vectors.get(doc).and_then(|v| query.cosine(v)) {
                keep(cosine, DocAddress::new(ord, doc));
            }
        };
        match &weight {
            Some(weight) => {
                let mut docs = weight.scorer(segment, 1.0)?;
                let alive = segment.alive_bitset();
                let mut doc = docs.doc();
                while doc != TERMINATED {
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        each(doc);
                    }
                    doc = docs.advance();
                }
            }
            None => segment.doc_ids_alive().for_each(&mut each),
        }
    }
    let mut found: Vec<(f32, DocAddress)> = heap.into_iter().map(|Near(c, a)| (c, a)).collect();
    found.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(found)
}

/// The cosine of `query` and the section at `address`; `None` when it has
/// no vector.
pub(crate) fn cosine_of(
    vectors: &[Arc<SegmentVectors>],
    query: &QueryVector,
    address: DocAddress,
) -> Option<f32> {
    let segment = vectors.get(address.segment_ord as usize)?;
    query.cosine(segment.get(address.doc_id)?)
}
