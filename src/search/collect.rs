//! Collecting a search's sections: the tiers' top sections merged into one
//! ranking, every section of a tier before any of the next, and matching
//! sections counted per article (for `--per-article`).

use std::collections::HashMap;

use rustc_hash::FxHashSet;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentReader};

use crate::store::schema::names;

/// A section found by one of the tiers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub(crate) address: DocAddress,
    pub(crate) score: Score,
    /// Found by an exact tier (no typos).
    pub(crate) exact: bool,
    /// Found by a tier that wants every unit of the query.
    pub(crate) full: bool,
}

/// The best sections of the tiers searched so far, best first.
#[derive(Default)]
pub(crate) struct Ranked {
    pub(crate) best: Vec<Candidate>,
    seen: FxHashSet<DocAddress>,
    /// How many sections the last tier added matches: each tier matches
    /// every section the tiers before it match.
    pub(crate) total: usize,
}

impl Ranked {
    /// How many of the next tier's best sections to ask for, to fill `want`
    /// even though it finds the earlier tiers' sections again.
    pub(crate) fn next_ask(&self, want: usize) -> usize {
        want + self.best.len()
    }

    /// Adds the next tier's best sections (`top`, best first) that no
    /// earlier tier found, up to `want` sections in all; `count` is how
    /// many sections the tier matches, `kind` what it matches.
    pub(crate) fn add_tier(
        &mut self,
        top: Vec<(Score, DocAddress)>,
        count: usize,
        want: usize,
        kind: TierKind,
    ) {
        for (score, address) in top {
            if self.best.len() < want && self.seen.insert(address) {
                self.best.push(Candidate {
                    address,
                    score,
                    exact: kind.exact,
                    full: kind.full,
                });
            }
        }
        self.total = count;
    }
}

/// What the sections of a tier have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TierKind {
    /// Every word as typed, no typos.
    pub(crate) exact: bool,
    /// Every unit of the query.
    pub(crate) full: bool,
}

/// Counts matching sections per article key.
pub(crate) struct ArticleCounts;

pub(crate) struct SegmentArticleCounts {
    column: Option<tantivy::columnar::Column<u64>>,
    counts: HashMap<u64, u64>,
}

impl Collector for ArticleCounts {
    type Fruit = HashMap<u64, u64>;
    type Child = SegmentArticleCounts;

    fn for_segment(
        &self,
        _: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentArticleCounts> {
        Ok(SegmentArticleCounts {
            column: segment.fast_fields().u64(names::ARTICLE_KEY).ok(),
            counts: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<u64, u64>>) -> tantivy::Result<HashMap<u64, u64>> {
        let mut all = HashMap::new();
        for fruit in fruits {
            for (k, n) in fruit {
                *all.entry(k).or_default() += n;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentArticleCounts {
    type Fruit = HashMap<u64, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(key) = self.column.as_ref().and_then(|c| c.first(doc)) {
            *self.counts.entry(key).or_default() += 1;
        }
    }

    fn harvest(self) -> HashMap<u64, u64> {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_tiers_add_only_sections_the_earlier_ones_did_not_find() {
        let doc = |d: DocId| DocAddress::new(0, d);
        let exact = TierKind {
            exact: true,
            full: true,
        };
        let typos = TierKind {
            exact: false,
            ..exact
        };
        let mut ranked = Ranked::default();
        ranked.add_tier(vec![(3.0, doc(1)), (2.0, doc(2))], 2, 4, exact);
        assert_eq!(ranked.next_ask(4), 6);
        // The typo tier finds the exact sections again, some scored higher.
        ranked.add_tier(
            vec![
                (9.0, doc(3)),
                (3.5, doc(1)),
                (2.5, doc(2)),
                (1.0, doc(4)),
                (0.5, doc(5)),
            ],
            5,
            4,
            typos,
        );
        let found: Vec<(DocId, bool)> = ranked
            .best
            .iter()
            .map(|c| (c.address.doc_id, c.exact))
            .collect();
        assert_eq!(found, [(1, true), (2, true), (3, false), (4, false)]);
        assert_eq!(
            ranked.best[0].score, 3.0,
            "an exact hit keeps its exact score"
        );
        assert_eq!(ranked.total, 5);
    }
}
