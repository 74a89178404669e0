//! One search, from a query string to ranked, labelled, typed hits.
//!
//! A [`Search`] holds what every step of one query needs: the searcher (one
//! commit, whatever commits come meanwhile), the analyzer, the analysed
//! words, the options and the filters.
//!
//! Ranking goes in tiers, as Meilisearch's does: sections with every word
//! spelled as given come first; then sections that need typos (words of 5+
//! characters may have one, 9+ two; see [`super::typos`]); when no section
//! has every word, sections with any of them, again exact before typo'd,
//! and the results say so (`relaxed`). Within a tier, BM25 decides (see
//! [`super::ranking`]). The tiers' sections are merged by
//! [`Ranked::add_tier`], each tier's top sections found by [`Search::top`].

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Count, TopDocs};
use tantivy::postings::Postings;
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, DocSet, Score, Searcher};

use super::caches::Caches;
use super::collect::{ArticleCounts, Candidate, Ranked};
use super::options::SearchOptions;
use super::query;
use super::ranking::{self, Tier};
use super::results::{ArticleRef, Hit, RESULTS_VERSION, SearchResults, SectionRef, Snippet};
use super::snippet::{self, Marks};
use super::suggest::suggest;
use super::words::{self, Word};
use crate::analysis::tokens::{MAX_TOKEN_BYTES, count_tokens};
use crate::error::{Error, Result};
use crate::store::document::StoredSection;
use crate::store::open::Store;
use crate::store::schema::names;

/// Searches the index in `store` for `query` (see `Index::search`).
pub(crate) fn search(
    store: &Store,
    caches: &Caches,
    query: &str,
    options: &SearchOptions,
) -> Result<SearchResults> {
    Search::new(store, caches, query, options)?.run()
}

/// One query on one commit of the index.
struct Search<'a> {
    store: &'a Store,
    caches: &'a Caches,
    query: &'a str,
    options: &'a SearchOptions,
    searcher: Searcher,
    analyzer: TextAnalyzer,
    words: Vec<Word>,
    filters: Vec<Box<dyn Query>>,
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
        let clauses = query::parse(query);
        let wordy = clauses
            .iter()
            .any(|c| c.text.chars().any(char::is_alphanumeric));
        let words = words::analyse(
            &searcher,
            fields.words,
            &mut analyzer,
            clauses,
            options.exact,
        )
        .map_err(|e| store.error(e))?;
        if words.iter().all(|w| w.exclude) {
            let reason = if words.is_empty() && wordy {
                // The analyzer drops long tokens: a long word, or unbroken
                // Chinese or Japanese text, which it cannot split.
                format!(
                    "has no words quire can search: words over {MAX_TOKEN_BYTES} bytes (such as unbroken Chinese or Japanese text) are not indexed"
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
        Ok(Search {
            store,
            caches,
            query,
            options,
            searcher,
            analyzer,
            filters: ranking::filters(fields, options),
            words,
        })
    }

    fn run(mut self) -> Result<SearchResults> {
        let options = self.options;
        let want = options.offset + options.limit.max(1);
        let wanted = self.words.iter().filter(|w| !w.exclude).count();
        let mut relaxed = false;
        let (mut tiers, mut ranked) = self.ranked(Occur::Must, want)?;
        if ranked.total == 0 && wanted > 1 {
            (tiers, ranked) = self.ranked(Occur::Should, want)?;
            relaxed = ranked.total > 0;
        }
        let total = ranked.total;
        let (page, more) = match options.per_article {
            None => (ranked.best, HashMap::new()),
            Some(n) => self.per_article(&tiers, want, n.max(1))?,
        };
        let mut marks = Marks::new(&words::highlighted(&self.words));
        let mut hits = Vec::with_capacity(options.limit);
        for (i, candidate) in page.into_iter().enumerate().skip(options.offset) {
            let mut hit = self.hit(i + 1, candidate, &mut marks)?;
            hit.more_in_article = more.get(&candidate.address).copied().unwrap_or(0);
            hits.push(hit);
        }
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
        })
    }

    /// Searches the tiers: the exact tier alone when it fills the page
    /// (`want`), else the exact tier and then the typo tier. Returns the
    /// tiers searched and their best `want` sections.
    fn ranked(&mut self, occur: Occur, want: usize) -> Result<(Vec<BooleanQuery>, Ranked)> {
        let fields = self.store.fields;
        let mut ranked = Ranked::default();
        let exact = ranking::tier(fields, &self.words, occur, &self.filters, Tier::Exact);
        self.add_tier(&mut ranked, &exact, want)?;
        if ranked.total >= want
            || !words::expand_typos(
                &self.searcher,
                fields.words,
                &self.caches.typos,
                &mut self.analyzer,
                &mut self.words,
            )
            .map_err(|e| self.store.error(e))?
        {
            return Ok((vec![exact], ranked));
        }
        let typos = ranking::tier(fields, &self.words, occur, &self.filters, Tier::Typos);
        self.add_tier(&mut ranked, &typos, want)?;
        Ok((vec![exact, typos], ranked))
    }

    /// Adds the best sections of the next tier to `ranked`.
    fn add_tier(&self, ranked: &mut Ranked, tier: &BooleanQuery, want: usize) -> Result<()> {
        let (top, count) = self.top(tier, ranked.next_ask(want))?;
        ranked.add_tier(top, count, want);
        Ok(())
    }

    /// The best `n` sections `query` matches, by score, and how many it
    /// matches in all; BM25 statistics come from the commit's cache.
    fn top(&self, query: &BooleanQuery, n: usize) -> Result<(Vec<(Score, DocAddress)>, usize)> {
        self.searcher
            .search_with_statistics_provider(
                query,
                &(TopDocs::with_limit(n.max(1)).order_by_score(), Count),
                &self.caches.statistics.provider(&self.searcher),
            )
            .map_err(|e| self.store.error(e))
    }

    /// The best `want` sections of the tiers, keeping at most `per_article`
    /// sections of each article; also returns, for each kept section that
    /// is the last kept of its article, how many of that article's
    /// matching sections were left out.
    fn per_article(
        &self,
        tiers: &[BooleanQuery],
        want: usize,
        per_article: usize,
    ) -> Result<(Vec<Candidate>, HashMap<DocAddress, u64>)> {
        let all = tiers.last().expect("a tier");
        let matched = self
            .searcher
            .search(all, &ArticleCounts)
            .map_err(|e| self.store.error(e))?;
        let total: usize = matched.values().map(|&n| n as usize).sum();
        let mut fetch = want * 4;
        loop {
            let mut ranked = Ranked::default();
            for tier in tiers {
                if ranked.best.len() >= fetch {
                    break;
                }
                self.add_tier(&mut ranked, tier, fetch)?;
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
        let segment = self.searcher.segment_reader(address.segment_ord);
        let column = segment
            .fast_fields()
            .u64(names::ARTICLE_KEY)
            .map_err(|e| self.store.error(e))?;
        Ok(column.first(address.doc_id).unwrap_or(0))
    }

    /// The hit of rank `rank`: its stored section, labelled, with snippets.
    fn hit(&self, rank: usize, candidate: Candidate, marks: &mut Marks) -> Result<Hit> {
        let stored: Arc<StoredSection> = self
            .caches
            .sections
            .get(self.store.fields, &self.searcher, candidate.address)
            .map_err(|e| self.store.error(e))?;
        let snippets = self.snippets(candidate.address, &stored, marks);
        Ok(Hit {
            rank,
            score: candidate.score,
            exact: candidate.exact,
            article: ArticleRef {
                id: stored.article_id.clone(),
                title: stored.title.clone(),
                source: stored.source.clone(),
            },
            section: SectionRef {
                path: stored.path.clone(),
                label: stored.label.clone(),
                anchor: stored.anchor.clone(),
                ordinal: stored.ordinal,
            },
            snippets,
            more_in_article: 0,
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
            // Fresh postings start at their first document, which may come
            // after this one: seeking backwards is not allowed.
            if postings.doc() > address.doc_id || postings.seek(address.doc_id) != address.doc_id {
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
