//! [`any_of`]: the sections any of a few queries match, each scored by the
//! sum of the scores of the queries that match it, found by moving each
//! query only as far as it is asked.
//!
//! tantivy's union of `Should` clauses reads each clause 4,096 sections
//! ahead and scores every section in that window, then on a seek past the
//! window clears it and reads the next: the fast way to go through a union
//! on its own. But most of quire's unions sit in an intersection. A unit of
//! a query is one (its word in the title or the body, its typo'd variants,
//! its synonyms), and a tier wants every unit, so the rarest unit leads and
//! the others are sought from one of its sections to the next: there each
//! seek scored thousands of sections that were never returned, and building
//! the union scored its first window before the intersection asked for
//! anything. On the 13× benchmark index (312,659 sections in 9 segments)
//! that was the larger part of the time a search spent in tantivy. The
//! bonuses a section with every unit can earn (its headings, the words as
//! typed, the units next to each other) are such a union too: each is
//! looked up at the sections the units lead to.
//!
//! The scores are those of tantivy's union: a section's is the sum, in the
//! queries' order, of the scores of those that match it.

use std::fmt;

use tantivy::query::{
    BooleanQuery, EmptyScorer, EnableScoring, Explanation, Occur, Query, Scorer, Weight,
};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// Unions of more queries than this are left to tantivy's, whose buffer
/// costs less than moving every one of many queries at each step. A word
/// stands for at most 32 typo'd variants or completions in each of two
/// fields; with 32 here rather than 8 a search on the 13× benchmark index
/// ran 7% fewer instructions (callgrind, 200 queries of the latency
/// benchmark's kinds).
pub(crate) const MOST: usize = 32;

/// The sections any of `queries` match, scored by the sum of the scores of
/// those that match. One query is returned as it is.
pub(crate) fn any_of(mut queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        1 => queries.pop().expect("one query"),
        n if n > MOST => Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Should, q)).collect(),
        )),
        _ => Box::new(AnyOf { queries }),
    }
}

/// See [`any_of`].
struct AnyOf {
    queries: Vec<Box<dyn Query>>,
}

impl Clone for AnyOf {
    fn clone(&self) -> AnyOf {
        AnyOf {
            queries: self.queries.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl fmt::Debug for AnyOf {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_tuple("AnyOf").field(&self.queries).finish()
    }
}

impl Query for AnyOf {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .queries
            .iter()
            .map(|q| q.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(AnyOfWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for query in &self.queries {
            query.query_terms(visitor);
        }
    }
}

struct AnyOfWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for AnyOfWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            1 => scorers.pop().expect("one scorer"),
            _ => Box::new(AnyOfScorer::new(scorers, reader.max_doc())),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut explanation = None;
        let mut score = 0.0;
        for weight in &self.weights {
            let mut scorer = weight.scorer(reader, 1.0)?;
            if scorer.doc() <= doc && scorer.seek(doc) == doc {
                let part = weight.explain(reader, doc)?;
                score += part.value();
                explanation.get_or_insert_with(Vec::new).push(part);
            }
        }
        let Some(parts) = explanation else {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        };
        let mut explanation = Explanation::new("AnyOf, the sum of", score);
        for part in parts {
            explanation.add_detail(part);
        }
        Ok(explanation)
    }
}

/// The union of a few scorers, none of which has ended when it is made.
struct AnyOfScorer {
    scorers: Vec<Box<dyn Scorer>>,
    doc: DocId,
    /// The segment's number of documents, for [`DocSet::size_hint`].
    max_doc: u32,
}

impl AnyOfScorer {
    fn new(scorers: Vec<Box<dyn Scorer>>, max_doc: u32) -> AnyOfScorer {
        let doc = first(&scorers);
        AnyOfScorer {
            scorers,
            doc,
            max_doc,
        }
    }
}

/// The smallest of the scorers' current documents.
fn first(scorers: &[Box<dyn Scorer>]) -> DocId {
    scorers.iter().map(|s| s.doc()).min().unwrap_or(TERMINATED)
}

impl DocSet for AnyOfScorer {
    fn advance(&mut self) -> DocId {
        for scorer in &mut self.scorers {
            if scorer.doc() == self.doc {
                scorer.advance();
            }
        }
        self.doc = first(&self.scorers);
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for scorer in &mut self.scorers {
            if scorer.doc() < target {
                scorer.seek(target);
            }
        }
        self.doc = first(&self.scorers);
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    /// As tantivy estimates a union: the chance that a section is in none
    /// of the scorers, as if they were independent, with a factor for
    /// words that tend to come together.
    fn size_hint(&self) -> u32 {
        let max_doc = f64::from(self.max_doc.max(1));
        let outside: f64 = self
            .scorers
            .iter()
            .map(|s| 1.0 - f64::from(s.size_hint()) / max_doc * 0.8)
            .product();
        (max_doc * (1.0 - outside)).round().min(max_doc) as u32
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for AnyOfScorer {
    fn score(&mut self) -> Score {
        let mut score = 0.0;
        for scorer in &mut self.scorers {
            if scorer.doc() == self.doc {
                score += scorer.score();
            }
        }
        score
    }
}

/// For the tests of quire's own queries: sections of a title and a body in
/// an index in memory, and term queries on them.
#[cfg(test)]
pub(crate) mod testing {
    use tantivy::query::{Query, TermQuery};
    use tantivy::schema::{Field, IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, IndexWriter, Searcher, Term, doc};

    /// A searcher over `sections` (title, body), committed as one segment,
    /// or as two with the first `split_at` sections in the first.
    pub(crate) fn sections(
        sections: impl IntoIterator<Item = (String, String)>,
        split_at: Option<usize>,
    ) -> (Searcher, Field, Field) {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT);
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (i, (t, b)) in sections.into_iter().enumerate() {
            if Some(i) == split_at {
                writer.commit().unwrap();
            }
            writer.add_document(doc!(title => t, body => b)).unwrap();
        }
        writer.commit().unwrap();
        (index.reader().unwrap().searcher(), title, body)
    }

    /// `word` in `field`, scored by BM25.
    pub(crate) fn term(field: Field, word: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, word),
            IndexRecordOption::WithFreqs,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::testing::{sections, term};
    use tantivy::DocAddress;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{PhraseQuery, QueryClone};

    /// Every query shape quire makes a union of, searched on its own and
    /// in an intersection with a rarer word: the same sections, the same
    /// scores, as tantivy's own union.
    #[test]
    fn finds_and_scores_what_tantivys_union_does() {
        let words = ["nerve", "spasm", "face", "muscle", "botox", "twitch"];
        // Ten thousand sections, so that the unions span several of
        // tantivy's windows of 4,096 and the seeks jump past them.
        let (searcher, title, body) = sections(
            (0..10_000usize).map(|i| {
                let pick = |k: usize| words[(i * (k + 3) + k * k) % words.len()];
                let text = format!("{} {} {} the {}", pick(0), pick(1), pick(2), pick(3));
                let rare = if i % 997 == 0 { " hemifacial" } else { "" };
                (pick(4).to_string(), format!("{text}{rare}"))
            }),
            None,
        );
        let phrase = |a: &str, b: &str| -> Box<dyn Query> {
            let terms = vec![
                Term::from_field_text(body, a),
                Term::from_field_text(body, b),
            ];
            Box::new(PhraseQuery::new(terms))
        };
        let shapes: Vec<Vec<Box<dyn Query>>> = vec![
            vec![term(title, "nerve"), term(body, "nerve")],
            vec![
                term(body, "spasm"),
                term(body, "absent"),
                term(title, "face"),
            ],
            vec![term(body, "muscle"), phrase("nerve", "spasm")],
            vec![term(body, "absent"), term(title, "absent")],
        ];
        for queries in shapes {
            let ours = AnyOf {
                queries: queries.iter().map(|q| q.box_clone()).collect(),
            };
            let theirs = BooleanQuery::new(
                queries
                    .iter()
                    .map(|q| (Occur::Should, q.box_clone()))
                    .collect(),
            );
            let run = |q: &dyn Query| -> (Vec<(Score, DocAddress)>, usize) {
                searcher
                    .search(q, &(TopDocs::with_limit(20_000).order_by_score(), Count))
                    .unwrap()
            };
            let rare = || term(body, "hemifacial");
            let within = |q: Box<dyn Query>| {
                BooleanQuery::new(vec![(Occur::Must, rare()), (Occur::Must, q)])
            };
            assert_eq!(run(&ours), run(&theirs), "{queries:?}");
            let (ours_within, theirs_within) =
                (within(ours.box_clone()), within(theirs.box_clone()));
            assert_eq!(
                run(&ours_within),
                run(&theirs_within),
                "{queries:?} with a rare word"
            );
        }
    }

    #[test]
    fn one_query_is_left_as_it_is_and_many_to_tantivy() {
        let query = || -> Box<dyn Query> { Box::new(tantivy::query::AllQuery) };
        assert!(any_of(vec![query()]).is::<tantivy::query::AllQuery>());
        assert!(any_of(vec![query(), query()]).is::<AnyOf>());
        assert!(any_of((0..=MOST).map(|_| query()).collect()).is::<BooleanQuery>());
    }
}
