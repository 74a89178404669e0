//! Fusing the two rankings of a hybrid search: the sections ranked by
//! their words (the tiers of `run`) and those nearest the query's meaning.
//!
//! Each side's best [`DEPTH`] sections are pooled. A section's meaning
//! score is its cosine with the query, known for every pooled section (the
//! vectors are all in memory), scaled to 0..1 over the pool; its words
//! score is its BM25 score over the best one's, never rising down the
//! words ranking (a later tier's higher BM25 does not jump an earlier
//! tier), and 0 for a section the words did not find. The fused score is
//! `weight × meaning + (1 − weight) × words`, the weight set by the query's
//! shape: a question (it opens with a question word, or ends with `?`)
//! leans on meaning (less with a static table than with a transformer);
//! keywords that some section has every one of are
//! ranked by their words, the sections found by meaning alone after them
//! (and when a whole pool, [`DEPTH`], has every one, `run` does not embed
//! the query at all);
//! keywords that no section has every one of lean a little on meaning.
//!
//! Measured on the benchmarks (README, "Relevance"): reciprocal-rank
//! fusion (k = 60) gave 0.481 on the questions against 0.507 for this
//! combination at the same weight; raw cosines instead of scaled ones
//! 0.477; pooling 30 or 100 a side instead of 50 changed nothing. Any
//! weight of meaning for keywords that match cost the known-item queries
//! (0.03: MRR@10 0.713 → 0.635): their rare words are what the model
//! reads worst (0.10 by meaning alone).

use tantivy::DocAddress;

use super::collect::Candidate;
use super::results::Match;

/// How many of each side's best sections are pooled (more when a page
/// asks for more).
pub(crate) const DEPTH: usize = 50;

/// The weight of meaning for a question (0.8 to 0.9 did as well on the
/// question benchmark; 0.5 lost 0.04).
pub(crate) const QUESTION_WEIGHT: f32 = 0.85;

/// The weight of meaning for a question with a static table of token
/// vectors, which reads a question worse than its words do (MRR@10 on the
/// question benchmark: by meaning alone 0.277, by words 0.358; fused at
/// 0.3, 0.388; at 0.5, 0.385; at 0.7, 0.364; at 0.85, 0.338).
pub(crate) const STATIC_QUESTION_WEIGHT: f32 = 0.3;

/// The weight of meaning for keywords that some section has every one of:
/// none, their words decide.
pub(crate) const KEYWORD_WEIGHT: f32 = 0.0;

/// The weight of meaning for keywords that no section has every one of.
pub(crate) const RELAXED_WEIGHT: f32 = 0.2;

/// A pooled section, fused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Fused {
    pub candidate: Candidate,
    pub matched: Match,
    pub cosine: f32,
}

/// The pooled sections of `words` (best first, as the tiers ranked them)
/// and `near` (nearest first, with their cosines), best first by the
/// fused score with meaning weighing `weight`; `cosine` gives any
/// section's cosine with the query.
pub(crate) fn fuse(
    words: &[Candidate],
    near: &[(f32, DocAddress)],
    cosine: impl Fn(DocAddress) -> Option<f32>,
    weight: f32,
) -> Vec<Fused> {
    let nearest: std::collections::HashSet<DocAddress> = near.iter().map(|(_, a)| *a).collect();
    let mut pool: Vec<(Fused, f32)> = Vec::with_capacity(words.len() + near.len());
    let top = words
        .first()
        .map_or(1.0, |c| c.score.max(f32::MIN_POSITIVE));
    let mut ceiling = 1.0f32;
    for c in words {
        ceiling = ceiling.min(c.score / top);
        let matched = if nearest.contains(&c.address) {
            Match::Both
        } else {
            Match::Words
        };
        let fused = Fused {
            candidate: *c,
            matched,
            cosine: cosine(c.address).unwrap_or(0.0),
        };
        pool.push((fused, ceiling.max(0.0)));
    }
    let found: std::collections::HashSet<DocAddress> = words.iter().map(|c| c.address).collect();
    for &(cos, address) in near {
        if found.contains(&address) {
            continue;
        }
        let candidate = Candidate {
            address,
            score: 0.0,
            exact: true,
            full: false,
        };
        pool.push((
            Fused {
                candidate,
                matched: Match::Meaning,
                cosine: cos,
            },
            0.0,
        ));
    }
    let (low, high) = pool.iter().fold((f32::MAX, f32::MIN), |(lo, hi), (f, _)| {
        (lo.min(f.cosine), hi.max(f.cosine))
    });
    let span = (high - low).max(1e-6);
    let mut scored: Vec<(f32, usize, Fused)> = pool
        .into_iter()
        .enumerate()
        .map(|(i, (mut f, words))| {
            let meaning = (f.cosine - low) / span;
            let score = weight * meaning + (1.0 - weight) * words;
            f.candidate.score = score;
            (score, i, f)
        })
        .collect();
    // Ties keep the words' order, then the nearest first.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, f)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(d: u32) -> DocAddress {
        DocAddress::new(0, d)
    }

    fn words(scores: &[(u32, f32)]) -> Vec<Candidate> {
        scores
            .iter()
            .map(|&(d, score)| Candidate {
                address: doc(d),
                score,
                exact: true,
                full: true,
            })
            .collect()
    }

    #[test]
    fn each_side_can_win_and_both_are_marked() {
        let cosines = [(1, 0.2), (2, 0.5), (3, 0.9), (4, 0.1)];
        let cosine = |a: DocAddress| cosines.iter().find(|c| c.0 == a.doc_id).map(|c| c.1);
        let lexical = words(&[(1, 10.0), (2, 5.0), (4, 1.0)]);
        let near = [(0.9, doc(3)), (0.5, doc(2))];
        // Keywords: the best words hit stays first.
        let fused = fuse(&lexical, &near, cosine, 0.3);
        assert_eq!(fused[0].candidate.address, doc(1));
        assert_eq!(fused[0].matched, Match::Words);
        let two = fused
            .iter()
            .find(|f| f.candidate.address == doc(2))
            .unwrap();
        assert_eq!(two.matched, Match::Both);
        // Leaning on meaning, the nearest section comes first though no
        // word of the query is in it.
        let fused = fuse(&lexical, &near, cosine, 0.8);
        assert_eq!(fused[0].candidate.address, doc(3));
        assert_eq!(fused[0].matched, Match::Meaning);
        assert_eq!(fused.len(), 4);
    }

    #[test]
    fn a_later_tier_never_outscores_an_earlier_one_by_words() {
        // The second tier's BM25 scale is its own: 30 after 10.
        let lexical = words(&[(1, 10.0), (2, 30.0)]);
        let fused = fuse(&lexical, &[], |_| Some(0.5), 0.0);
        let order: Vec<u32> = fused.iter().map(|f| f.candidate.address.doc_id).collect();
        assert_eq!(order, [1, 2]);
    }
}
