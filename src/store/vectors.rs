//! Reading sections' vectors back: a whole segment's at once, for a
//! search's scan (see `search::meaning`), and one article's, so that the
//! sections of a changed file that did not change keep theirs.
//!
//! Vectors are a bytes fast field (see [`super::schema::names::VECTOR`]),
//! which tantivy keeps as a sorted dictionary of values and an ordinal per
//! section: reading them in dictionary order is one pass over the
//! dictionary.

use std::collections::HashMap;

use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::{DocId, Searcher, SegmentReader};

use super::schema::{Fields, names};
use crate::embed::vector;

/// No vector for this section.
const NONE: u32 = u32::MAX;

/// The vectors of one segment, held in memory: each section's row, or none.
pub(crate) struct SegmentVectors {
    /// The stored vectors, each `stride` bytes, in dictionary order.
    rows: Vec<u8>,
    stride: usize,
    /// For each document of the segment, the number of its row.
    row_of: Vec<u32>,
}

impl SegmentVectors {
    /// Reads the vectors of `segment`, keeping those of `stride` bytes (4 +
    /// the dimensions of the index's model).
    pub(crate) fn read(segment: &SegmentReader, stride: usize) -> tantivy::Result<SegmentVectors> {
        let mut vectors = SegmentVectors {
            rows: Vec::new(),
            stride,
            row_of: vec![NONE; segment.max_doc() as usize],
        };
        let Some(column) = segment.fast_fields().bytes(names::VECTOR)? else {
            return Ok(vectors);
        };
        // Dictionary ordinal -> row, for the values of the right length.
        let mut row_of_ord = vec![NONE; column.num_terms()];
        let mut stream = column.dictionary().stream()?;
        let mut rows = 0u32;
        while stream.advance() {
            let value = stream.key();
            if value.len() == stride && vector::split(value).is_some() {
                if let Some(slot) = row_of_ord.get_mut(stream.term_ord() as usize) {
                    *slot = rows;
                }
                vectors.rows.extend_from_slice(value);
                rows += 1;
            }
        }
        let ords = column.ords();
        for doc in 0..segment.max_doc() {
            if let Some(ord) = ords.first(doc)
                && let Some(&row) = row_of_ord.get(ord as usize)
            {
                vectors.row_of[doc as usize] = row;
            }
        }
        Ok(vectors)
    }

    /// The stored vector of `doc`, if it has one.
    pub(crate) fn get(&self, doc: DocId) -> Option<&[u8]> {
        let row = *self.row_of.get(doc as usize)?;
        if row == NONE {
            return None;
        }
        let start = row as usize * self.stride;
        self.rows.get(start..start + self.stride)
    }

    /// Whether any section of the segment has a vector.
    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The vectors of the sections of the article whose key is `key`, by the
/// key of what was embedded.
pub(crate) fn article_vectors(
    searcher: &Searcher,
    fields: Fields,
    key: u64,
) -> tantivy::Result<HashMap<u64, Vec<u8>>> {
    let query = TermQuery::new(
        Term::from_field_u64(fields.article_key, key),
        IndexRecordOption::Basic,
    );
    let docs = searcher.search(&query, &tantivy::collector::DocSetCollector)?;
    let mut found = HashMap::new();
    let mut buffer = Vec::new();
    for address in docs {
        let segment = searcher.segment_reader(address.segment_ord);
        let fast = segment.fast_fields();
        let (Some(bytes), Ok(keys)) = (fast.bytes(names::VECTOR)?, fast.u64(names::VECTOR_KEY))
        else {
            continue;
        };
        let (Some(ord), Some(embedded)) = (
            bytes.ords().first(address.doc_id),
            keys.first(address.doc_id),
        ) else {
            continue;
        };
        buffer.clear();
        if bytes.ord_to_bytes(ord, &mut buffer)? {
            found.insert(embedded, buffer.clone());
        }
    }
    Ok(found)
}
