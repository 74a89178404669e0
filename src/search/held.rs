//! Which fields a segment holds postings of, so that a search never asks a
//! segment for a field it lacks.
//!
//! Asked for the inverted index of a field that none of its sections has,
//! a tantivy segment answers with an empty one, whose empty term
//! dictionary tantivy builds once a process with a full FST builder: a
//! megabyte of registry written page by page, a quarter of the page faults
//! of a whole `quire search` on the 1 GB set (937), whose segments mostly
//! hold no article in a language with stems of its own and so nothing in
//! `title_stems` and `headings_stems`. A small segment of one page may
//! lack `headings` too. The term and phrase queries of a search are
//! wrapped in [`Held`], and the lookups of typos and statistics ask
//! [`postings`] first.
//!
//! What a segment holds never changes (a segment is written once), so the
//! answers are kept by segment id for the process, a few thousand at most.

use std::cell::Cell;
use std::fmt;
use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;
use tantivy::index::SegmentId;
use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Field;
use tantivy::{
    DocId, InvertedIndexReader, Score, SeekDangerResult, SegmentReader, TERMINATED, TantivyError,
    Term,
};

/// How many segments' answers are kept; they start over when full.
const SEGMENTS: usize = 4096;

/// The fields with postings, one bit each, by segment.
static HELD: RwLock<Option<FxHashMap<SegmentId, u64>>> = RwLock::new(None);

/// Whether `segment` holds postings of `field`. A field whose id does not
/// fit the bits, or a segment whose fields cannot be listed, counts as
/// held: tantivy is then asked, as it would be anyway.
pub(crate) fn holds(segment: &SegmentReader, field: Field) -> bool {
    let Some(bit) = 1u64.checked_shl(field.field_id()) else {
        return true;
    };
    held_bits(segment) & bit != 0
}

/// The inverted index of `field` in `segment`, or `None` when the segment
/// holds none of it.
pub(crate) fn postings(
    segment: &SegmentReader,
    field: Field,
) -> tantivy::Result<Option<Arc<InvertedIndexReader>>> {
    if !holds(segment, field) {
        return Ok(None);
    }
    segment.inverted_index(field).map(Some)
}

thread_local! {
    /// The segment this thread asked about last, and its answer: a search
    /// asks about each of its terms in one segment after the other.
    static LAST: Cell<Option<(SegmentId, u64)>> = const { Cell::new(None) };
}

fn held_bits(segment: &SegmentReader) -> u64 {
    let id = segment.segment_id();
    if let Some((last, bits)) = LAST.get()
        && last == id
    {
        return bits;
    }
    let bits = shared_bits(segment);
    LAST.set(Some((id, bits)));
    bits
}

fn shared_bits(segment: &SegmentReader) -> u64 {
    let id = segment.segment_id();
    if let Some(bits) = HELD
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|held| held.get(&id))
    {
        return *bits;
    }
    let bits = match segment.fields_metadata() {
        Ok(fields) => {
            let schema = segment.schema();
            fields
                .iter()
                .filter(|f| f.postings_size.is_some_and(|size| size.get_bytes() > 0))
                .filter_map(|f| schema.get_field(&f.field_name).ok())
                .fold(0, |bits, field| {
                    bits | 1u64.checked_shl(field.field_id()).unwrap_or(0)
                })
        }
        Err(_) => u64::MAX,
    };
    let mut held = HELD.write().unwrap_or_else(|e| e.into_inner());
    let held = held.get_or_insert_with(FxHashMap::default);
    if held.len() >= SEGMENTS {
        held.clear();
    }
    held.insert(id, bits);
    bits
}

/// `query`, a query of the terms of `field` alone, that matches nothing
/// in a segment without postings of `field`, without asking it for them.
pub(crate) struct Held {
    field: Field,
    query: Box<dyn Query>,
}

impl Held {
    pub(crate) fn new(field: Field, query: Box<dyn Query>) -> Held {
        Held { field, query }
    }
}

impl Clone for Held {
    fn clone(&self) -> Held {
        Held {
            field: self.field,
            query: self.query.box_clone(),
        }
    }
}

impl fmt::Debug for Held {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.query.fmt(f)
    }
}

impl Query for Held {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(HeldWeight {
            field: self.field,
            weight: self.query.weight(enable_scoring)?,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct HeldWeight {
    field: Field,
    weight: Box<dyn Weight>,
}

impl Weight for HeldWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        if !holds(reader, self.field) {
            return Ok(Box::new(EmptyScorer));
        }
        self.weight.scorer(reader, boost)
    }

    fn scorer_danger(
        &self,
        reader: &SegmentReader,
        target: DocId,
        boost: Score,
    ) -> tantivy::Result<(SeekDangerResult, Box<dyn Scorer>)> {
        if !holds(reader, self.field) {
            return Ok((
                SeekDangerResult::SeekLowerBound(TERMINATED),
                Box::new(EmptyScorer),
            ));
        }
        self.weight.scorer_danger(reader, target, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if !holds(reader, self.field) {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        self.weight.explain(reader, doc)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        if !holds(reader, self.field) {
            return Ok(0);
        }
        self.weight.count(reader)
    }

    fn for_each(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score),
    ) -> tantivy::Result<()> {
        if !holds(reader, self.field) {
            return Ok(());
        }
        self.weight.for_each(reader, callback)
    }

    fn for_each_no_score(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(&[DocId]),
    ) -> tantivy::Result<()> {
        if !holds(reader, self.field) {
            return Ok(());
        }
        self.weight.for_each_no_score(reader, callback)
    }

    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        if !holds(reader, self.field) {
            return Ok(());
        }
        self.weight.for_each_pruning(threshold, reader, callback)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{Bm25StatisticsProvider, PhraseQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, IndexWriter, doc};

    use super::*;

    #[test]
    fn a_field_a_segment_lacks_matches_nothing_there_and_the_same_elsewhere() {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let stems = schema.add_text_field("stems", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        // One segment without `stems`, one with it.
        writer.add_document(doc!(body => "alpha beta")).unwrap();
        writer.add_document(doc!(body => "alpha")).unwrap();
        writer.commit().unwrap();
        writer
            .add_document(doc!(body => "alpha", stems => "gamma delta"))
            .unwrap();
        writer
            .add_document(doc!(body => "beta", stems => "gamma"))
            .unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let segments = searcher.segment_readers();
        assert_eq!(segments.len(), 2);
        let held: Vec<bool> = segments.iter().map(|s| holds(s, stems)).collect();
        let without = held
            .iter()
            .position(|h| !h)
            .expect("a segment without stems");
        assert_eq!(held.iter().filter(|h| **h).count(), 1);
        assert!(segments.iter().all(|s| holds(s, body)));
        assert!(postings(&segments[without], stems).unwrap().is_none());
        assert!(postings(&segments[1 - without], stems).unwrap().is_some());

        let term = |field, text| Term::from_field_text(field, text);
        // The BM25 statistics a search reads skip the segment, and are
        // tantivy's own.
        let statistics = crate::search::statistics::Statistics::default();
        let provider = statistics.provider(&searcher);
        for field in [body, stems] {
            assert_eq!(
                provider.total_num_tokens(field).unwrap(),
                searcher.total_num_tokens(field).unwrap()
            );
        }
        for t in [
            term(stems, "gamma"),
            term(stems, "delta"),
            term(body, "alpha"),
        ] {
            assert_eq!(
                provider.doc_freq(&t).unwrap(),
                searcher.doc_freq(&t).unwrap()
            );
        }
        assert_eq!(provider.doc_freq(&term(stems, "gamma")).unwrap(), 2);

        let queries: Vec<(Field, Box<dyn Query>)> = vec![
            (
                stems,
                Box::new(TermQuery::new(
                    term(stems, "gamma"),
                    IndexRecordOption::WithFreqs,
                )),
            ),
            (
                stems,
                Box::new(PhraseQuery::new(vec![
                    term(stems, "gamma"),
                    term(stems, "delta"),
                ])),
            ),
            (
                body,
                Box::new(TermQuery::new(
                    term(body, "alpha"),
                    IndexRecordOption::WithFreqs,
                )),
            ),
        ];
        for (field, query) in queries {
            let held = Held::new(field, query.box_clone());
            let top = || TopDocs::with_limit(10).order_by_score();
            let expected = searcher.search(&query, &(top(), Count)).unwrap();
            let found = searcher.search(&held, &(top(), Count)).unwrap();
            assert_eq!(found.1, expected.1, "{query:?}");
            assert_eq!(found.0, expected.0, "{query:?}");
            assert!(expected.1 > 0, "{query:?} matches something");
        }
    }
}
