//! [`Covered`]: what finding one unit of a query adds to a section in the
//! relaxed tiers, whatever the unit's frequency there, a little less in a
//! long section than in a short one.
//!
//! Counting each unit found at its full rarity let the longest sections of
//! a corpus (linux-doc has sections of 100–400 KB, lists of every kernel
//! parameter or sysfs file) win every question: they have nearly every
//! word. BM25 already weighs a word's frequency against the length; this
//! weighs its mere presence, on a logarithm of the length so that a
//! section twice the usual length loses little and one four hundred times
//! it loses most.

use std::fmt;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Field;
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term};

/// How much length counts against presence: the factor at a section of
/// length `n` times the average is `(1 + β ln 2) / (1 + β ln(1 + n))`.
pub const LENGTH_WEIGHT: f32 = 1.0;

/// Matches what `query` matches, each section scored `score` times a
/// factor that falls slowly with the length of its `field`.
pub(crate) struct Covered {
    query: Box<dyn Query>,
    score: Score,
    field: Field,
    /// The average length of `field`, in tokens.
    average: f32,
}

impl Covered {
    pub(crate) fn new(query: Box<dyn Query>, score: Score, field: Field, average: f32) -> Covered {
        Covered {
            query,
            score,
            field,
            average: average.max(1.0),
        }
    }
}

impl Clone for Covered {
    fn clone(&self) -> Covered {
        Covered {
            query: self.query.box_clone(),
            ..*self
        }
    }
}

impl fmt::Debug for Covered {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Covered(score={}, query={:?})", self.score, self.query)
    }
}

impl Query for Covered {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // Only whether the query matches counts: its own scores are not
        // worked out.
        let disabled = match enable_scoring.searcher() {
            Some(searcher) => EnableScoring::disabled_from_searcher(searcher),
            None => EnableScoring::disabled_from_schema(enable_scoring.schema()),
        };
        let inner = self.query.weight(disabled)?;
        if !enable_scoring.is_scoring_enabled() {
            return Ok(inner);
        }
        Ok(Box::new(CoveredWeight {
            inner,
            score: self.score,
            field: self.field,
            average: self.average,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct CoveredWeight {
    inner: Box<dyn Weight>,
    score: Score,
    field: Field,
    average: f32,
}

impl Weight for CoveredWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(CoveredScorer {
            inner: self.inner.scorer(reader, 1.0)?,
            lengths: reader.get_fieldnorms_reader(self.field)?,
            score: boost * self.score,
            average: self.average,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new("Covered", scorer.score()))
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.inner.count(reader)
    }
}

struct CoveredScorer {
    inner: Box<dyn Scorer>,
    lengths: FieldNormReader,
    score: Score,
    average: f32,
}

impl DocSet for CoveredScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }
}

impl Scorer for CoveredScorer {
    fn score(&mut self) -> Score {
        let length = self.lengths.fieldnorm(self.inner.doc()) as f32;
        self.score * length_factor(length / self.average)
    }
}

/// The factor at a section `relative` times the average length.
fn length_factor(relative: f32) -> f32 {
    (1.0 + LENGTH_WEIGHT * std::f32::consts::LN_2) / (1.0 + LENGTH_WEIGHT * relative.ln_1p())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_counts_less_the_longer_the_section() {
        assert!((length_factor(1.0) - 1.0).abs() < 1e-6);
        assert!(length_factor(0.1) > 1.0 && length_factor(0.1) < 1.7);
        assert!(length_factor(2.0) > 0.8);
        assert!(length_factor(400.0) < 0.3);
    }
}
