//! One search, from a query string to ranked, labelled, typed hits.
//!
//! A [`Search`] holds what every step of one query needs: the searcher (one
//! commit, whatever commits come meanwhile), the analyzer, the analysed
//! words, the options and the filters.
//!
//! Ranking goes in tiers, as Meilisearch's does: sections with every word
//! spelled as given come first; then sections that need typos (words of 5+
//! characters may have one, 9+ two; see [`super::typos`]); when those do
//! not fill the page, sections with some of the words, ranked by how much
//! of the query they cover, again exact before typo'd, and the results say
//! so (`relaxed`, and each such hit's `missing` words). Stop words count in
//! none of this (see [`super::vocabulary`]). Within a tier, BM25 and the
//! bonuses decide (see [`super::ranking`]). The tiers' sections are merged
//! by [`Ranked::add_tier`], each tier's top sections found by
//! [`Search::top`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tantivy::postings::Postings;
use tantivy::query::{AllQuery, Bm25StatisticsProvider, BooleanQuery, Occur, Query};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, DocSet, Score, Searcher};

use super::bonus::WithBonuses;
use super::caches::Caches;
use super::collect::{ArticleCounts, Candidate, Ranked, TierKind};
use super::fusion::{self, Fused};
use super::links::Target;
use super::meaning;
use super::options::{Matching, SearchOptions};
use super::query;
use super::ranking::{self, Tier, Unit};
use super::results::{ArticleRef, Hit, Match, RESULTS_VERSION, SearchResults, SectionRef, Snippet};
use super::snippet::{self, Marks};
use super::suggest::suggest;
use super::vocabulary::Synonym;
use super::words::{self, OtherLanguage, Stretch, Word};
use crate::analysis::analyzers::stemmed_in;
use crate::analysis::language::{self, language_code};
use crate::analysis::tokens::{MAX_TOKEN_BYTES, count_tokens};
use crate::embed::model::Model;
use crate::embed::vector::QueryVector;
use crate::error::{Error, Result};
use crate::store::document::StoredSection;
use crate::store::open::Store;
use crate::store::schema::names;
use crate::store::vectors::SegmentVectors;

/// Searches the index in `store` for `query` (see `Index::search`).
pub(crate) fn search(
    store: &Store,
    caches: &Caches,
    query: &str,
    options: &SearchOptions,
) -> Result<SearchResults> {
    Search::new(store, caches, query, options)?.run()
}

/// What reading an article with `query` marks, and which of its sections
/// the query finds: the terms a search's snippets mark, once its ranking
/// has looked up what it needs (typo'd variants, when the words as typed
/// find too few sections), and the sections of its page. `options` name
/// the article ([`SearchOptions::article_id`]) and ask for all of it.
pub(crate) fn matches(
    store: &Store,
    caches: &Caches,
    query: &str,
    options: &SearchOptions,
) -> Result<(Marks, HashSet<DocAddress>)> {
    let mut search = Search::new(store, caches, query, options)?;
    let (mut tiers, mut ranked) = (Tiers::new(), Ranked::default());
    search.words_ranking(&mut tiers, &mut ranked, options.limit.max(1))?;
    let marks = Marks::new(&words::highlighted(&search.words, &search.synonyms));
    Ok((marks, ranked.best.iter().map(|c| c.address).collect()))
}

/// One query on one commit of the index.
struct Search<'a> {
    store: &'a Store,
    caches: &'a Caches,
    query: &'a str,
    options: &'a SearchOptions,
    searcher: Searcher,
    analyzer: TextAnalyzer,
    /// The analyzers of the other languages the index holds, with a
    /// stemmer of their own.
    others: Vec<OtherLanguage>,
    words: Vec<Word>,
    synonyms: Vec<Synonym>,
    units: Vec<Unit>,
    filters: Vec<Box<dyn Query>>,
}

/// From how many units (words but stop words, or synonym runs) on a query
/// whose every unit too few sections have goes on with sections that have
/// some. With two, such a section lacks half the query: a keyword search
/// is better without it; a question of three or more words often has one
/// its answer does not use.
const FILL_FROM_UNITS: usize = 3;

/// A question that fewer sections than this have every unit of (as typed)
/// is ranked anew by coverage (see [`Search::run`]).
const RANK_QUESTIONS_ANEW_BELOW: usize = 10;

/// The tiers a search has run, in order, and what each one matches.
type Tiers = Vec<(WithBonuses, TierKind)>;

/// What a search by meaning needs: the query's vector and the sections'.
struct Meaning {
    query: QueryVector,
    vectors: Vec<Arc<SegmentVectors>>,
    /// The weight of meaning for a question, by the kind of model.
    question_weight: f32,
}

impl<'a> Search<'a> {
    /// Analyses the query.
    ///
    /// # Errors
    ///
    /// [`Error::Query`] when it has no word to search for (it is empty,
    /// only punctuation, or only excludes words).
    fn new(
        store: &'a Store,
        caches: &'a Caches,
        query: &'a str,
        options: &'a SearchOptions,
    ) -> Result<Search<'a>> {
        let searcher = store.searcher();
        let fields = store.fields;
        let mut analyzer = store
            .inner
            .tokenizer_for_field(fields.body)
            .map_err(|e| store.error(e))?;
        // `--lang` as the code the index holds (`pt-BR` is `pt`).
        let lang = options
            .lang
            .as_deref()
            .map(|tag| language_code(tag).ok_or_else(|| Error::Language(tag.to_string())))
            .transpose()?;
        let vocabulary = caches
            .vocabulary
            .get(store, &searcher)
            .map_err(|e| store.error(e))?;
        let mut others: Vec<OtherLanguage> = vocabulary
            .languages()
            .iter()
            .filter(|code| !language::analysed_as_english(code))
            .filter_map(|code| {
                let analyzer = stemmed_in(language::stemmer(code)?);
                Some(OtherLanguage {
                    code: code.clone(),
                    analyzer,
                })
            })
            .collect();
        let clauses = query::parse(query);
        let wordy = clauses
            .iter()
            .any(|c| c.text.chars().any(char::is_alphanumeric));
        let words = words::analyse(
            &searcher,
            fields.words,
            &mut analyzer,
            &mut others,
            &vocabulary,
            clauses,
            Stretch {
                typos: !options.exact,
                // A last word white space follows is typed in full.
                complete_last: options.prefix_last && !query.ends_with(char::is_whitespace),
            },
        )
        .map_err(|e| store.error(e))?;
        if words.iter().all(|w| w.exclude) {
            let reason = if words.is_empty() && wordy {
                // The analyzer drops long tokens.
                format!(
                    "has no words quire can search: words over {MAX_TOKEN_BYTES} bytes are not indexed"
                )
            } else if words.is_empty() {
                "has no words to search for".to_string()
            } else {
                "only excludes words: add a word to search for".to_string()
            };
            return Err(Error::Query(format!(
                "the query {:?} {reason}",
                query.trim()
            )));
        }
        let synonyms = vocabulary.synonyms(&words::replaceable(&words));
        let units = ranking::units(&words, &synonyms);
        Ok(Search {
            store,
            caches,
            query,
            options,
            searcher,
            analyzer,
            others,
            filters: ranking::filters(fields, options, lang.as_deref()),
            words,
            synonyms,
            units,
        })
    }

    fn run(mut self) -> Result<SearchResults> {
        let options = self.options;
        let want = options.offset + options.limit.max(1);
        let model = self.model()?;
        // A hybrid search pools each side's best sections.
        let depth = match &model {
            Some(_) => want.max(fusion::DEPTH),
            None => want,
        };
        let mut tiers = Tiers::new();
        let mut ranked = Ranked::default();
        let mut full = 0;
        if options.matching != Matching::Meaning {
            full = self.words_ranking(&mut tiers, &mut ranked, depth)?;
        }
        // Keywords that a whole pool of sections has every one of are
        // ranked by their words alone (the fusion gives meaning no weight
        // for them, and its own hits would come after the pool): the query
        // is not embedded. Decided on the query, never on the page, so
        // every page of it follows one ranking.
        let words_decide = options.matching == Matching::Hybrid
            && full >= fusion::DEPTH
            && ranked.best.first().is_some_and(|c| c.full)
            && !words::asks(self.query, &self.words);
        let meaning = match model {
            Some(model) if !words_decide => Some(self.meaning(&model)?),
            _ => None,
        };
        let mut total = ranked.total;
        let mut relaxed = total > full;
        let (page, more) = match &meaning {
            Some(meaning) => {
                let fused = self.fuse(meaning, &ranked.best, depth)?;
                let by_meaning = fused.iter().filter(|f| f.matched == Match::Meaning).count();
                total += by_meaning;
                relaxed |= by_meaning > 0;
                self.fused_page(fused, want)?
            }
            None => match options.per_article {
                None => (
                    ranked.best.into_iter().map(|c| (c, Match::Words)).collect(),
                    HashMap::new(),
                ),
                Some(n) => {
                    let (kept, more) = self.per_article(&tiers, want, n.max(1))?;
                    (kept.into_iter().map(|c| (c, Match::Words)).collect(), more)
                }
            },
        };
        let mut marks = Marks::new(&words::highlighted(&self.words, &self.synonyms));
        let mut hits = Vec::with_capacity(options.limit);
        for (i, (candidate, matched)) in page.into_iter().enumerate().skip(options.offset) {
            let mut hit = self.hit(i + 1, candidate, &mut marks)?;
            hit.matched = matched;
            hit.more_in_article = more.get(&candidate.address).copied().unwrap_or(0);
            if !candidate.full {
                (hit.missing, hit.exact) = self.coverage_of(candidate.address)?;
            }
            hits.push(hit);
        }
        let unmatched = if relaxed || total == 0 {
            self.unmatched()?
        } else {
            vec![]
        };
        let suggestion = if total == 0 {
            // Words already looked up within two typos come from the cache.
            suggest(
                &self.searcher,
                self.store.fields.words,
                &self.caches.typos,
                self.query,
            )
            .map_err(|e| self.store.error(e))?
        } else {
            None
        };
        Ok(SearchResults {
            schema_version: RESULTS_VERSION,
            query: self.query.to_string(),
            total_hits: total as u64,
            relaxed,
            offset: options.offset,
            hits,
            suggestion,
            unmatched,
        })
    }

    /// Ranks the sections by their words, tier after tier, until `want`
    /// are found; returns how many have every unit.
    fn words_ranking(
        &mut self,
        tiers: &mut Tiers,
        ranked: &mut Ranked,
        want: usize,
    ) -> Result<usize> {
        let exact_full = self.exact_tier(tiers, ranked, true, want)?;
        // A question's relaxed tiers rank every section anew, those with
        // every unit among them, when few have every one: a short section
        // without one word of a question is often its answer, rather than
        // a long one with all (a list of every kernel parameter has most
        // words). Keywords keep the sections with every one first: ranked
        // anew they lost 0.02 of MRR@10 on the known-item benchmark, and
        // 0.05 with typos. Which of the two is decided on the query alone
        // (how many sections have every unit as typed), never on the page,
        // so that every page of a query, of any size, follows one ranking.
        let anew = words::is_question(&self.words)
            && exact_full < RANK_QUESTIONS_ANEW_BELOW
            && self.units.len() > 1;
        if !anew {
            self.typo_tier(tiers, ranked, true, want)?;
        }
        let full = if anew { exact_full } else { ranked.total };
        // Else, no section has every unit, or too few do for a query of
        // several: the page goes on with those that have some.
        if anew
            || (full == 0 && self.units.len() > 1)
            || (full < want && self.units.len() >= FILL_FROM_UNITS)
        {
            if anew {
                tiers.clear();
                *ranked = Ranked::default();
            }
            self.exact_tier(tiers, ranked, false, want)?;
            self.typo_tier(tiers, ranked, false, want)?;
        }
        Ok(full)
    }

    /// The index's model, when the search ranks by meaning: an index with
    /// vectors, not searched by words alone.
    fn model(&self) -> Result<Option<Arc<Model>>> {
        let generation = self.searcher.generation().generation_id();
        if self.options.matching == Matching::Words {
            return Ok(None);
        }
        match self.caches.meaning.model(self.store, generation) {
            Ok(Some(model)) => Ok(Some(model)),
            Ok(None) if self.options.matching == Matching::Meaning => Err(Error::Query(format!(
                "the index at '{}' has no vectors to search by meaning: build it with `quire index --model DIR`",
                self.store.dir.display()
            ))),
            Ok(None) => Ok(None),
            // A quire that cannot run models searches by words.
            Err(Error::NoModelSupport) if self.options.matching == Matching::Hybrid => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The query's vector, by `model`, and the sections' vectors.
    fn meaning(&self, model: &Model) -> Result<Meaning> {
        let mut vector = model.embed(&[self.query])?;
        let query = QueryVector::new(&vector.pop().unwrap_or_default());
        let vectors = self
            .caches
            .meaning
            .vectors(&self.searcher, query.dimensions())
            .map_err(|e| self.store.error(e))?;
        let question_weight = if model.is_static() {
            fusion::STATIC_QUESTION_WEIGHT
        } else {
            fusion::QUESTION_WEIGHT
        };
        Ok(Meaning {
            query,
            vectors,
            question_weight,
        })
    }

    /// The sections the words found (`words`, best first) pooled with the
    /// `depth` nearest the query, fused.
    fn fuse(&self, meaning: &Meaning, words: &[Candidate], depth: usize) -> Result<Vec<Fused>> {
        // The sections found by meaning keep to the filters and have none
        // of the excluded words.
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = self
            .filters
            .iter()
            .map(|f| (Occur::Must, f.box_clone()))
            .collect();
        for excluded in ranking::exclusions(self.store.fields, &self.words) {
            clauses.push((Occur::MustNot, excluded));
        }
        let filter = if clauses.is_empty() {
            None
        } else {
            // Only excluded words: every other section may be near.
            if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
                clauses.push((Occur::Must, Box::new(AllQuery)));
            }
            Some(BooleanQuery::new(clauses))
        };
        let near = meaning::nearest(
            &self.searcher,
            &meaning.vectors,
            &meaning.query,
            filter.as_ref().map(|f| f as &dyn Query),
            depth,
        )
        .map_err(|e| self.store.error(e))?;
        let weight = match self.options.matching {
            Matching::Meaning => 1.0,
            _ if words::asks(self.query, &self.words) => meaning.question_weight,
            // The words' best section has every one of them.
            _ if words.first().is_some_and(|c| c.full) => fusion::KEYWORD_WEIGHT,
            _ => fusion::RELAXED_WEIGHT,
        };
        Ok(fusion::fuse(
            words,
            &near,
            |address| meaning::cosine_of(&meaning.vectors, &meaning.query, address),
            weight,
        ))
    }

    /// The best `want` of the fused sections, at most `per_article` of an
    /// article when asked, with how many of each article's pooled sections
    /// were left out.
    #[allow(clippy::type_complexity)]
    fn fused_page(
        &self,
        fused: Vec<Fused>,
        want: usize,
    ) -> Result<(Vec<(Candidate, Match)>, HashMap<DocAddress, u64>)> {
        let Some(per_article) = self.options.per_article.map(|n| n.max(1)) else {
            let page = fused
                .into_iter()
                .take(want)
                .map(|f| (f.candidate, f.matched))
                .collect();
            return Ok((page, HashMap::new()));
        };
        let mut kept = Vec::new();
        let mut per: HashMap<u64, (usize, Option<DocAddress>, u64)> = HashMap::new();
        for f in fused {
            let key = self.article_key_of(f.candidate.address)?;
            let entry = per.entry(key).or_default();
            if entry.0 < per_article && kept.len() < want {
                entry.0 += 1;
                entry.1 = Some(f.candidate.address);
                kept.push((f.candidate, f.matched));
            } else {
                entry.2 += 1;
            }
        }
        let more = per
            .into_values()
            .filter_map(|(_, last, left)| Some((last?, left)))
            .filter(|(_, left)| *left > 0)
            .collect();
        Ok((kept, more))
    }

    /// Each unit's ways of being found, as lists of terms a section must
    /// all have: its own words (or prefix expansions), its synonyms, and
    /// then, apart, its typo'd variants.
    fn ways(&self, unit: &Unit) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let run = &self.words[unit.words.clone()];
        let mut own: Vec<Vec<String>> = match run {
            [word] => match &word.prefixed {
                Some(terms) => terms.iter().map(|t| vec![t.clone()]).collect(),
                None => vec![word.terms.clone()],
            },
            _ => vec![unit.own_terms(&self.words)],
        };
        own.extend(unit.alternatives.iter().cloned());
        let typos = match run {
            [word] => word.typos.iter().map(|(t, _)| vec![t.clone()]).collect(),
            _ => vec![],
        };
        (own, typos)
    }

    /// The units a section does not have, as typed, and whether it has the
    /// others without typos.
    fn coverage_of(&self, address: DocAddress) -> Result<(Vec<String>, bool)> {
        let segment = self.searcher.segment_reader(address.segment_ord);
        let fields = self.store.fields;
        let mut indexes = Vec::new();
        for field in [fields.body, fields.title] {
            indexes.push(
                segment
                    .inverted_index(field)
                    .map_err(|e| self.store.error(e))?,
            );
        }
        let has = |terms: &[String]| -> Result<bool> {
            for term in terms {
                let mut found = false;
                for (index, field) in indexes.iter().zip([fields.body, fields.title]) {
                    let term = Term::from_field_text(field, term);
                    let postings = index
                        .read_postings(&term, IndexRecordOption::Basic)
                        .map_err(|e| self.store.error(e.into()))?;
                    if let Some(mut postings) = postings
                        && at_doc(&mut postings, address.doc_id)
                    {
                        found = true;
                        break;
                    }
                }
                if !found {
                    return Ok(false);
                }
            }
            Ok(true)
        };
        let has_any = |ways: &[Vec<String>]| -> Result<bool> {
            for terms in ways {
                if has(terms)? {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        let mut missing = Vec::new();
        let mut exact = true;
        for unit in &self.units {
            let (own, typos) = self.ways(unit);
            if has_any(&own)? {
                continue;
            }
            if has_any(&typos)? {
                exact = false;
            } else {
                missing.push(self.typed(unit));
            }
        }
        Ok((missing, exact))
    }

    /// The units no section has, even with typos, as typed.
    fn unmatched(&self) -> Result<Vec<String>> {
        let fields = self.store.fields;
        let provider = self.caches.statistics.provider(&self.searcher);
        let known = |terms: &Vec<String>| -> Result<bool> {
            for term in terms {
                let mut docs = 0;
                for field in [fields.body, fields.title] {
                    docs += provider
                        .doc_freq(&Term::from_field_text(field, term))
                        .map_err(|e| self.store.error(e))?;
                }
                if docs == 0 {
                    return Ok(false);
                }
            }
            Ok(true)
        };
        let mut unmatched = Vec::new();
        for unit in &self.units {
            let (own, typos) = self.ways(unit);
            let mut found = false;
            for terms in own.iter().chain(&typos) {
                if known(terms)? {
                    found = true;
                    break;
                }
            }
            if !found {
                unmatched.push(self.typed(unit));
            }
        }
        Ok(unmatched)
    }

    /// A unit's words as typed.
    fn typed(&self, unit: &Unit) -> String {
        let typed: Vec<&str> = self.words[unit.words.clone()]
            .iter()
            .map(|w| w.typed.as_str())
            .collect();
        typed.join(" ")
    }

    /// Searches the exact tier (of those that want every unit, with
    /// `full`, else of the relaxed ones), adding it to `tiers` and its best
    /// sections to `ranked`; returns how many sections it matches.
    fn exact_tier(
        &mut self,
        tiers: &mut Tiers,
        ranked: &mut Ranked,
        full: bool,
        want: usize,
    ) -> Result<usize> {
        let exact = self.tier_query(full, Tier::Exact)?;
        let kind = TierKind { exact: true, full };
        self.add_tier(ranked, &exact, want, kind)?;
        tiers.push((exact, kind));
        Ok(ranked.total)
    }

    /// Searches the typo tier after an exact one that did not fill the page
    /// (`want`), if any word has typo'd variants.
    fn typo_tier(
        &mut self,
        tiers: &mut Tiers,
        ranked: &mut Ranked,
        full: bool,
        want: usize,
    ) -> Result<()> {
        if ranked.total >= want
            || !words::expand_typos(
                &self.searcher,
                self.store.fields.words,
                &self.caches.typos,
                &mut self.analyzer,
                &mut self.others,
                &mut self.words,
            )
            .map_err(|e| self.store.error(e))?
        {
            return Ok(());
        }
        let kind = TierKind { exact: false, full };
        // The fewest typos first: when the variants of the words the
        // corpus lacks fill the page alone, the words it has keep their
        // own forms. Else every word's variants are ranked together, as if
        // that first look had not been: putting the sections with fewer
        // typos first cost the known-item benchmark's typo'd queries, whose
        // typos often make real words.
        if let Some(held) = words::hold_known_typos(&mut self.words) {
            let fewer = self.tier_query(full, Tier::Typos)?;
            let (top, count) = self.top(&fewer, ranked.next_ask(want))?;
            if count >= want {
                ranked.add_tier(top, count, want, kind);
                tiers.push((fewer, kind));
                return Ok(());
            }
            words::give_back_typos(&mut self.words, held);
        }
        let typos = self.tier_query(full, Tier::Typos)?;
        self.add_tier(ranked, &typos, want, kind)?;
        tiers.push((typos, kind));
        Ok(())
    }

    /// The query of a tier: one that wants every unit with `full`, else a
    /// relaxed one.
    fn tier_query(&self, full: bool, tier: Tier) -> Result<WithBonuses> {
        let fields = self.store.fields;
        let occur = if full { Occur::Must } else { Occur::Should };
        let provider = self.caches.statistics.provider(&self.searcher);
        let sections = provider.total_num_docs().map_err(|e| self.store.error(e))?;
        let idf = |term: &str| -> Option<f32> {
            let docs = provider
                .doc_freq(&Term::from_field_text(fields.body, term))
                .ok()?;
            Some(ranking::idf(docs, sections))
        };
        // A term the statistics cannot count (a failing read) counts as
        // common: it adds nothing.
        let common = ranking::idf(sections, sections);
        let rarity = |terms: &[String]| -> f32 {
            terms
                .iter()
                .map(|t| idf(t).unwrap_or(common))
                .fold(0.0, f32::max)
        };
        let tokens = provider
            .total_num_tokens(fields.body)
            .map_err(|e| self.store.error(e))?;
        let weights = ranking::Weights {
            rarity: &rarity,
            idf: &idf,
            average_length: tokens as f32 / sections.max(1) as f32,
        };
        Ok(ranking::tier(
            fields,
            &self.words,
            &self.units,
            occur,
            &self.filters,
            tier,
            &weights,
        ))
    }

    /// Adds the best sections of the next tier to `ranked`.
    fn add_tier(
        &self,
        ranked: &mut Ranked,
        tier: &WithBonuses,
        want: usize,
        kind: TierKind,
    ) -> Result<()> {
        let (top, count) = self.top(tier, ranked.next_ask(want))?;
        ranked.add_tier(top, count, want, kind);
        Ok(())
    }

    /// The best `n` sections `query` matches, by score, and how many it
    /// matches in all; BM25 statistics come from the commit's cache.
    fn top(&self, query: &WithBonuses, n: usize) -> Result<(Vec<(Score, DocAddress)>, usize)> {
        query
            .top(
                &self.searcher,
                &self.caches.statistics.provider(&self.searcher),
                n,
            )
            .map_err(|e| self.store.error(e))
    }

    /// The best `want` sections of the tiers, keeping at most `per_article`
    /// sections of each article; also returns, for each kept section that
    /// is the last kept of its article, how many of that article's
    /// matching sections were left out.
    fn per_article(
        &self,
        tiers: &[(WithBonuses, TierKind)],
        want: usize,
        per_article: usize,
    ) -> Result<(Vec<Candidate>, HashMap<DocAddress, u64>)> {
        let (all, _) = tiers.last().expect("a tier");
        let matched = self
            .searcher
            .search(all, &ArticleCounts)
            .map_err(|e| self.store.error(e))?;
        let total: usize = matched.values().map(|&n| n as usize).sum();
        let mut fetch = want * 4;
        loop {
            let mut ranked = Ranked::default();
            for (tier, kind) in tiers {
                if ranked.best.len() >= fetch {
                    break;
                }
                self.add_tier(&mut ranked, tier, fetch, *kind)?;
            }
            let candidates = ranked.best;
            let exhausted = candidates.len() >= total || candidates.len() < fetch;
            let mut kept: Vec<(Candidate, u64)> = Vec::new();
            let mut per: HashMap<u64, usize> = HashMap::new();
            for c in candidates {
                let key = self.article_key_of(c.address)?;
                let n = per.entry(key).or_default();
                if *n < per_article {
                    *n += 1;
                    kept.push((c, key));
                }
            }
            if kept.len() >= want || exhausted {
                kept.truncate(want);
                // The counts go on the last kept section of each article.
                let mut shown: HashMap<u64, u64> = HashMap::new();
                let mut last: HashMap<u64, DocAddress> = HashMap::new();
                for (c, key) in &kept {
                    *shown.entry(*key).or_default() += 1;
                    last.insert(*key, c.address);
                }
                let more = last
                    .into_iter()
                    .map(|(key, address)| {
                        let all = matched.get(&key).copied().unwrap_or(0);
                        (address, all.saturating_sub(shown[&key]))
                    })
                    .collect();
                return Ok((kept.into_iter().map(|(c, _)| c).collect(), more));
            }
            fetch *= 2;
        }
    }

    fn article_key_of(&self, address: DocAddress) -> Result<u64> {
        self.key_of(names::ARTICLE_KEY, address)
    }

    /// The value of the u64 fast field `name` for the section at `address`.
    fn key_of(&self, name: &str, address: DocAddress) -> Result<u64> {
        let segment = self.searcher.segment_reader(address.segment_ord);
        let column = segment
            .fast_fields()
            .u64(name)
            .map_err(|e| self.store.error(e))?;
        Ok(column.first(address.doc_id).unwrap_or(0))
    }

    /// The link to the section at `address` on its site, if its folder has
    /// a base URL.
    fn url_of(&self, address: DocAddress, stored: &StoredSection) -> Result<Option<String>> {
        let generation = self.searcher.generation().generation_id();
        let sites = self
            .caches
            .sites
            .get(self.store, generation)
            .map_err(|e| self.store.error(e))?;
        sites
            .url_at(&self.searcher, address, &Target::of(stored))
            .map_err(|e| self.store.error(e))
    }

    /// The hit of rank `rank`: its stored section, labelled, with snippets.
    fn hit(&self, rank: usize, candidate: Candidate, marks: &mut Marks) -> Result<Hit> {
        let stored: Arc<StoredSection> = self
            .caches
            .sections
            .get(self.store.fields, &self.searcher, candidate.address)
            .map_err(|e| self.store.error(e))?;
        let snippets = self.snippets(candidate.address, &stored, marks);
        let url = self.url_of(candidate.address, &stored)?;
        Ok(Hit {
            rank,
            score: candidate.score,
            exact: candidate.exact,
            article: ArticleRef {
                id: stored.article_id.clone(),
                title: stored.title.clone(),
                source: stored.source.clone(),
                lang: stored.lang.clone(),
            },
            section: SectionRef {
                path: stored.path.clone(),
                label: stored.label.clone(),
                anchor: stored.anchor.clone(),
                anchor_in_page: stored.anchor_in_page,
                ordinal: stored.ordinal,
            },
            snippets,
            more_in_article: 0,
            missing: vec![],
            matched: Match::Words,
            url,
        })
    }

    /// The snippets of a hit's text. A long section's matches are located
    /// through the index's positions and the section's checkpoints, so
    /// that only the stretches around them are read.
    fn snippets(
        &self,
        address: DocAddress,
        stored: &StoredSection,
        marks: &mut Marks,
    ) -> Vec<Snippet> {
        let options = self.options;
        let count = options.snippets.max(1);
        let text = &stored.text;
        marks.set_language(stored.lang.as_deref());
        if let Some(checkpoints) = &stored.checkpoints
            && let Some(positions) = self.text_positions(address, stored, marks)
            && let Some(snippets) = snippet::make_many_located(
                text,
                checkpoints,
                &positions,
                marks,
                options.snippet_chars,
                count,
            )
        {
            return snippets;
        }
        snippet::make_many(text, marks, options.snippet_chars, count)
    }

    /// Where the marked terms occur in a section's text, as token positions
    /// with a term number each, read from the `body` field's positions
    /// (which count the headings first).
    fn text_positions(
        &self,
        address: DocAddress,
        stored: &StoredSection,
        marks: &Marks,
    ) -> Option<Vec<(u32, usize)>> {
        let body = self.store.fields.body;
        let inverted = self
            .searcher
            .segment_reader(address.segment_ord)
            .inverted_index(body)
            .ok()?;
        // Heading words come first in `body` (see `section_document`).
        let heading_tokens: usize = stored.path.iter().map(|h| count_tokens(h)).sum();
        let heading_tokens = u32::try_from(heading_tokens).ok()?;
        let mut out = Vec::new();
        let mut buffer = Vec::new();
        for (term, id) in marks.terms() {
            let term = Term::from_field_text(body, term);
            let Some(mut postings) = inverted
                .read_postings(&term, IndexRecordOption::WithFreqsAndPositions)
                .ok()?
            else {
                continue;
            };
            if !at_doc(&mut postings, address.doc_id) {
                continue;
            }
            buffer.clear();
            postings.positions(&mut buffer);
            out.extend(
                buffer
                    .iter()
                    .filter_map(|&p| p.checked_sub(heading_tokens))
                    .map(|p| (p, id)),
            );
        }
        Some(out)
    }
}

/// Moves fresh `postings` to `doc`; whether `doc` is in them. Fresh
/// postings start at their first document, which may come after `doc`:
/// seeking backwards is not allowed.
fn at_doc(postings: &mut impl DocSet, doc: tantivy::DocId) -> bool {
    postings.doc() <= doc && postings.seek(doc) == doc
}
