//! [`WithBonuses`]: the sections a query matches, each with what the
//! bonus queries it also matches add to its score, looked up only at those
//! sections.
//!
//! A tier's bonuses (its units in the section's headings, its words as
//! typed, two units near each other in the text) decide no match, and
//! tantivy's `Must` + `Should` gives them one union that is sought from one
//! matching section to the next. A phrase's scorer answers such a seek with
//! the next section *after* it whose positions make the phrase, reading the
//! positions of every section in between that has both words: on the 13×
//! benchmark index a fifth of a search went to proximity phrases checking
//! sections that no unit of the query led to. Here each bonus is asked
//! only whether it matches the section at hand (tantivy's `seek_danger`,
//! which a phrase answers from that section's positions alone).
//!
//! A section's score is the one tantivy gives `Must` + `Should`: the
//! query's score plus the sum, in order, of those of the bonuses that
//! match it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;

use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{
    DocAddress, DocId, DocSet, Score, SeekDangerResult, SegmentReader, TERMINATED, Term,
};

/// A query that adds to the score of a section that matches it, and how
/// much at most, when that is known: a search then leaves it out for the
/// sections it could not lift among the best.
pub(crate) struct Bonus {
    pub(crate) query: Box<dyn Query>,
    pub(crate) most: Option<Score>,
}

impl Bonus {
    /// A bonus with no known bound: it is looked up at every section.
    pub(crate) fn new(query: Box<dyn Query>) -> Bonus {
        Bonus { query, most: None }
    }

    /// A phrase scored by BM25 (or a single term), boosted by `boost`,
    /// whose terms' inverse document frequencies add up to `idf` (`None`
    /// when they cannot be read: no bound then). BM25 gives it at most
    /// `boost × idf × (1 + k1)`, since its frequency's share, `tf / (tf +
    /// k1 (1 − b + b len / avg))`, stays below 1; a little is added for
    /// rounding.
    pub(crate) fn bm25(query: Box<dyn Query>, boost: Score, idf: Option<Score>) -> Bonus {
        Bonus {
            query,
            most: idf.map(|idf| boost * idf * (1.0 + BM25_K1) * 1.001 + 1e-3),
        }
    }
}

/// BM25's `k1`, as tantivy scores with it.
const BM25_K1: Score = 1.2;

/// What `query` matches, scored by its score plus that of each of
/// `bonuses` that matches too.
pub(crate) struct WithBonuses {
    query: Box<dyn Query>,
    bonuses: Vec<Box<dyn Query>>,
    /// For each bonus, the most it and the bonuses after it can add
    /// together, when every one of them has a bound.
    reach: Vec<Option<Score>>,
}

impl WithBonuses {
    pub(crate) fn new(query: Box<dyn Query>, bonuses: Vec<Bonus>) -> WithBonuses {
        let mut reach = vec![None; bonuses.len()];
        let mut sum = Some(0.0);
        for (i, bonus) in bonuses.iter().enumerate().rev() {
            sum = sum.zip(bonus.most).map(|(a, b)| a + b);
            reach[i] = sum;
        }
        WithBonuses {
            query,
            bonuses: bonuses.into_iter().map(|b| b.query).collect(),
            reach,
        }
    }

    fn weights(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<WithBonusesWeight> {
        Ok(WithBonusesWeight {
            query: self.query.weight(enable_scoring)?,
            bonuses: self
                .bonuses
                .iter()
                .map(|q| q.weight(enable_scoring))
                .collect::<tantivy::Result<Vec<_>>>()?,
            reach: self.reach.clone(),
        })
    }

    /// The best `n` sections by score, as tantivy's `TopDocs` ranks them
    /// (ties by address), and how many sections match in all, scored with
    /// the statistics of `provider`. A bonus with a bound is not looked up
    /// for a section that it and the bonuses after it could not lift to
    /// the score of the `n`th best found so far.
    pub(crate) fn top(
        &self,
        searcher: &tantivy::Searcher,
        provider: &dyn Bm25StatisticsProvider,
        n: usize,
    ) -> tantivy::Result<(Vec<(Score, DocAddress)>, usize)> {
        let n = n.max(1);
        let weight = self.weights(EnableScoring::enabled_from_statistics_provider(
            provider, searcher,
        ))?;
        let collector = TopDocs::with_limit(n).order_by_score();
        // The best n scores so far (as bits: scores are not negative), the
        // least on top.
        let mut best: BinaryHeap<Reverse<u32>> = BinaryHeap::with_capacity(n + 1);
        let mut count = 0;
        let mut fruits = Vec::with_capacity(searcher.segment_readers().len());
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut segment = collector.for_segment(ord as u32, reader)?;
            let mut scorer = weight.bonus_scorer(reader, 1.0)?;
            let alive = reader.alive_bitset();
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    count += 1;
                    let threshold = match best.peek() {
                        Some(Reverse(bits)) if best.len() >= n => f32::from_bits(*bits),
                        _ => Score::NEG_INFINITY,
                    };
                    if let Some(score) = scorer.score_above(threshold) {
                        segment.collect(doc, score);
                        best.push(Reverse(score.max(0.0).to_bits()));
                        if best.len() > n {
                            best.pop();
                        }
                    }
                }
                doc = scorer.advance();
            }
            fruits.push(segment.harvest());
        }
        Ok((collector.merge_fruits(fruits)?, count))
    }
}

impl Clone for WithBonuses {
    fn clone(&self) -> WithBonuses {
        WithBonuses {
            query: self.query.box_clone(),
            bonuses: self.bonuses.iter().map(|q| q.box_clone()).collect(),
            reach: self.reach.clone(),
        }
    }
}

impl fmt::Debug for WithBonuses {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("WithBonuses")
            .field("query", &self.query)
            .field("bonuses", &self.bonuses)
            .finish()
    }
}

impl Query for WithBonuses {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // Bonuses change scores only.
        if !enable_scoring.is_scoring_enabled() {
            return self.query.weight(enable_scoring);
        }
        Ok(Box::new(self.weights(enable_scoring)?))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
        for bonus in &self.bonuses {
            bonus.query_terms(visitor);
        }
    }
}

struct WithBonusesWeight {
    query: Box<dyn Weight>,
    bonuses: Vec<Box<dyn Weight>>,
    reach: Vec<Option<Score>>,
}

impl WithBonusesWeight {
    /// The scorer of a segment; the bounds hold for `boost` 1.
    fn bonus_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<WithBonusesScorer> {
        let scorer = self.query.scorer(reader, boost)?;
        let first = scorer.doc();
        let mut bonuses = Vec::with_capacity(self.bonuses.len());
        if first != TERMINATED {
            for (weight, &reach) in self.bonuses.iter().zip(&self.reach) {
                // Made at the first section, where a phrase need not look
                // for its first match from the segment's start.
                let (found, bonus) = weight.scorer_danger(reader, first, boost)?;
                let (at, valid) = match found {
                    SeekDangerResult::Found => (first, true),
                    SeekDangerResult::SeekLowerBound(at) => (at, false),
                };
                bonuses.push(BonusScorer {
                    scorer: bonus,
                    at,
                    valid,
                    reach,
                });
            }
        }
        Ok(WithBonusesScorer { scorer, bonuses })
    }
}

impl Weight for WithBonusesWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.bonus_scorer(reader, boost)?))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let own = self.query.explain(reader, doc)?;
        let mut parts = Vec::new();
        for weight in &self.bonuses {
            let mut scorer = weight.scorer(reader, 1.0)?;
            if scorer.doc() <= doc && scorer.seek(doc) == doc {
                parts.push(weight.explain(reader, doc)?);
            }
        }
        let bonus: Score = parts.iter().map(Explanation::value).sum();
        let mut explanation = Explanation::new("with bonuses, the sum of", own.value() + bonus);
        explanation.add_detail(own);
        for part in parts {
            explanation.add_detail(part);
        }
        Ok(explanation)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.query.count(reader)
    }
}

/// One bonus's scorer, asked only through `seek_danger` after it is made.
struct BonusScorer {
    scorer: Box<dyn Scorer>,
    /// The scorer's document when `valid`, else a lower bound of its next
    /// one (its state is then only good for another `seek_danger`).
    at: DocId,
    valid: bool,
    /// The most this bonus and those after it can add, when known.
    reach: Option<Score>,
}

impl BonusScorer {
    /// Whether the bonus matches `doc`; asked of ascending documents.
    fn matches(&mut self, doc: DocId) -> bool {
        if self.at > doc {
            return false;
        }
        if self.at == doc && self.valid {
            return true;
        }
        match self.scorer.seek_danger(doc) {
            SeekDangerResult::Found => {
                (self.at, self.valid) = (doc, true);
                true
            }
            SeekDangerResult::SeekLowerBound(at) => {
                (self.at, self.valid) = (at, false);
                false
            }
        }
    }
}

struct WithBonusesScorer {
    scorer: Box<dyn Scorer>,
    bonuses: Vec<BonusScorer>,
}

impl WithBonusesScorer {
    /// The section's score, or `None` when the bonuses still to look up
    /// cannot bring it to `threshold`.
    fn score_above(&mut self, threshold: Score) -> Option<Score> {
        let doc = self.scorer.doc();
        let own = self.scorer.score();
        let mut bonus = 0.0;
        for b in &mut self.bonuses {
            if b.reach.is_some_and(|most| own + (bonus + most) < threshold) {
                return None;
            }
            if b.matches(doc) {
                bonus += b.scorer.score();
            }
        }
        Some(own + bonus)
    }
}

impl DocSet for WithBonusesScorer {
    fn advance(&mut self) -> DocId {
        self.scorer.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.scorer.seek(target)
    }

    fn doc(&self) -> DocId {
        self.scorer.doc()
    }

    fn size_hint(&self) -> u32 {
        self.scorer.size_hint()
    }

    fn cost(&self) -> u64 {
        self.scorer.cost()
    }
}

impl Scorer for WithBonusesScorer {
    fn score(&mut self) -> Score {
        self.score_above(Score::NEG_INFINITY)
            .expect("no threshold leaves nothing out")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::search::union::testing::{sections, term};
    use tantivy::DocAddress;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery};

    /// A query with bonuses finds what tantivy's `Must` + `Should` finds,
    /// scored and ranked alike, whether searched as a query or through
    /// [`WithBonuses::top`], which leaves bounded bonuses out where they
    /// cannot count; with bounds that are too low it would not.
    #[test]
    fn ranks_as_must_and_should_do() {
        let words = ["nerve", "spasm", "face", "muscle", "botox", "twitch", "the"];
        let (searcher, title, body) = sections(
            (0..10_000usize).map(|i| {
                let pick = |k: usize| words[(i * (k + 5) + k * k + i / 7) % words.len()];
                let text: Vec<&str> = (0..5 + i % 9).map(pick).collect();
                (pick(5).to_string(), text.join(" "))
            }),
            // Two segments.
            Some(6_001),
        );
        let idf = |word: &str| -> Score {
            let docs = searcher
                .doc_freq(&Term::from_field_text(body, word))
                .unwrap() as f32;
            let total = searcher.num_docs() as f32;
            (1.0 + (total - docs + 0.5) / (docs + 0.5)).ln()
        };
        // A phrase bonus, and one whose bound is far too low.
        let phrase = |a: &str, b: &str, slop: u32, low: bool| -> (Box<dyn Query>, Bonus) {
            let terms = vec![
                Term::from_field_text(body, a),
                Term::from_field_text(body, b),
            ];
            let mut phrase = PhraseQuery::new(terms);
            phrase.set_slop(slop);
            let query: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(phrase), 0.5));
            let idf = if low { 0.0 } else { idf(a) + idf(b) };
            (query.box_clone(), Bonus::bm25(query, 0.5, Some(idf)))
        };
        let plain = |q: Box<dyn Query>| (q.box_clone(), Bonus::new(q));
        let run = |q: &dyn Query, n: usize| -> (Vec<(Score, DocAddress)>, usize) {
            searcher
                .search(q, &(TopDocs::with_limit(n).order_by_score(), Count))
                .unwrap()
        };
        // A query, and its bonuses both as plain queries and as bonuses.
        type Case = (Box<dyn Query>, Vec<(Box<dyn Query>, Bonus)>);
        let mut wrong = 0;
        for low in [false, true] {
            let cases: Vec<Case> = vec![
                (
                    term(body, "nerve"),
                    vec![plain(term(title, "face")), phrase("nerve", "spasm", 2, low)],
                ),
                (
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Must, term(body, "muscle")),
                        (Occur::Must, term(body, "botox")),
                    ])),
                    vec![
                        plain(term(title, "absent")),
                        phrase("muscle", "botox", 0, low),
                        phrase("botox", "the", 1, low),
                    ],
                ),
            ];
            for (query, bonuses) in cases {
                let mut clauses = vec![(Occur::Must, query.box_clone())];
                clauses.extend(bonuses.iter().map(|(q, _)| (Occur::Should, q.box_clone())));
                let theirs = BooleanQuery::new(clauses);
                let ours = WithBonuses::new(query, bonuses.into_iter().map(|(_, b)| b).collect());
                let everything = run(&ours, 20_000);
                assert!(everything.1 > 100, "the case matches many sections");
                assert_eq!(everything, run(&theirs, 20_000), "{theirs:?}");
                for n in [1, 3, 10, 50] {
                    let top = ours.top(&searcher, &searcher, n).unwrap();
                    if low {
                        wrong += usize::from(top != run(&theirs, n));
                    } else {
                        assert_eq!(top, run(&theirs, n), "top {n} of {theirs:?}");
                    }
                }
            }
        }
        assert!(wrong > 0, "bounds too low leave out sections that count");
    }
}
