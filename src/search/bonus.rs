//! [`with_bonuses`]: the sections a query matches, each with what the
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

use std::fmt;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, TERMINATED, Term};

/// What `query` matches, scored by its score plus that of each of
/// `bonuses` that matches too.
pub(crate) fn with_bonuses(query: Box<dyn Query>, bonuses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if bonuses.is_empty() {
        return query;
    }
    Box::new(WithBonuses { query, bonuses })
}

/// See [`with_bonuses`].
struct WithBonuses {
    query: Box<dyn Query>,
    bonuses: Vec<Box<dyn Query>>,
}

impl Clone for WithBonuses {
    fn clone(&self) -> WithBonuses {
        WithBonuses {
            query: self.query.box_clone(),
            bonuses: self.bonuses.iter().map(|q| q.box_clone()).collect(),
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
        let query = self.query.weight(enable_scoring)?;
        // Bonuses change scores only.
        if !enable_scoring.is_scoring_enabled() {
            return Ok(query);
        }
        let bonuses = self
            .bonuses
            .iter()
            .map(|q| q.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(WithBonusesWeight { query, bonuses }))
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
}

impl Weight for WithBonusesWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let scorer = self.query.scorer(reader, boost)?;
        let first = scorer.doc();
        if first == TERMINATED {
            return Ok(scorer);
        }
        let mut bonuses = Vec::with_capacity(self.bonuses.len());
        for weight in &self.bonuses {
            // Made at the first section, where a phrase need not look for
            // its first match from the segment's start.
            let (found, bonus) = weight.scorer_danger(reader, first, boost)?;
            let (at, valid) = match found {
                SeekDangerResult::Found => (first, true),
                SeekDangerResult::SeekLowerBound(at) => (at, false),
            };
            if at != TERMINATED {
                bonuses.push(Bonus {
                    scorer: bonus,
                    at,
                    valid,
                });
            }
        }
        if bonuses.is_empty() {
            return Ok(scorer);
        }
        Ok(Box::new(WithBonusesScorer { scorer, bonuses }))
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
struct Bonus {
    scorer: Box<dyn Scorer>,
    /// The scorer's document when `valid`, else a lower bound of its next
    /// one (its state is then only good for another `seek_danger`).
    at: DocId,
    valid: bool,
}

impl Bonus {
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
    bonuses: Vec<Bonus>,
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
        let doc = self.scorer.doc();
        let own = self.scorer.score();
        let mut bonus = 0.0;
        for b in &mut self.bonuses {
            if b.matches(doc) {
                bonus += b.scorer.score();
            }
        }
        own + bonus
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{DocAddress, Index, IndexWriter, doc};

    /// A query with bonuses finds what tantivy's `Must` + `Should` finds,
    /// scored alike, the phrases among the bonuses included.
    #[test]
    fn scores_as_must_and_should_do() {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT);
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let words = ["nerve", "spasm", "face", "muscle", "botox", "twitch", "the"];
        for i in 0..10_000usize {
            let pick = |k: usize| words[(i * (k + 5) + k * k + i / 7) % words.len()];
            let text = format!(
                "{} {} {} {} {}",
                pick(0),
                pick(1),
                pick(2),
                pick(3),
                pick(4)
            );
            writer
                .add_document(doc!(title => pick(5), body => text))
                .unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |field, word: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, word),
                IndexRecordOption::WithFreqs,
            ))
        };
        let phrase = |a: &str, b: &str, slop: u32| -> Box<dyn Query> {
            let terms = vec![
                Term::from_field_text(body, a),
                Term::from_field_text(body, b),
            ];
            let mut phrase = PhraseQuery::new(terms);
            phrase.set_slop(slop);
            Box::new(BoostQuery::new(Box::new(phrase), 0.5))
        };
        type Case = (Box<dyn Query>, Vec<Box<dyn Query>>);
        let cases: Vec<Case> = vec![
            (
                term(body, "nerve"),
                vec![phrase("nerve", "spasm", 2), term(title, "face")],
            ),
            (
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, term(body, "muscle")),
                    (Occur::Must, term(body, "botox")),
                ])),
                vec![
                    phrase("muscle", "botox", 0),
                    phrase("botox", "the", 1),
                    term(title, "absent"),
                ],
            ),
        ];
        let run = |q: &dyn Query| -> (Vec<(Score, DocAddress)>, usize) {
            searcher
                .search(q, &(TopDocs::with_limit(20_000).order_by_score(), Count))
                .unwrap()
        };
        for (query, bonuses) in cases {
            let mut clauses = vec![(Occur::Must, query.box_clone())];
            clauses.extend(bonuses.iter().map(|b| (Occur::Should, b.box_clone())));
            let theirs = BooleanQuery::new(clauses);
            let ours = with_bonuses(query, bonuses);
            let (found, count) = run(ours.as_ref());
            assert!(count > 100, "the case matches many sections");
            assert_eq!((found, count), run(&theirs), "{theirs:?}");
        }
    }
}
