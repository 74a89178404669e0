//! Multilingual known-item benchmark: does a search in the article's own
//! language land on the right section?
//!
//! Each folder given is one language's copy of the same material (Debian
//! ships the Debian Reference translated, as HTML; it has no Russian copy,
//! so Russian is the Debian FAQ's translation). All folders go into one
//! quire index, as a multilingual site would. For a fixed-seed sample of
//! each folder's sections a query is made from the section's text:
//!
//! - in Chinese, Japanese and Korean text (written without spaces): 3 or 4
//!   characters from inside a run of at least 6 (so never a whole run
//!   between spaces) that at most two sections of the folder hold;
//! - in other scripts: 2–3 of the section's rarest words of 5 letters or
//!   more, none from its headings, as `bench/relevance.rs` makes them;
//! - and, in languages with a Snowball stemmer, *inflected*: two rare words
//!   of the section, one of them replaced by another form of it that the
//!   folder has and the section does not (`Pakete` for `Paket`), so that
//!   only stemming in the section's language finds it.
//!
//! A query whose words (or run) a section of another folder also holds is
//! passed over: translations left partly untranslated share whole
//! paragraphs, and either copy would be right.
//!
//! Engines, over the very same sections: quire (default options), tantivy
//! with default settings, and SQLite FTS5 with bm25: the `unicode61`
//! tokenizer for words and `trigram` for CJK runs (the one FTS5 tokenizer
//! that finds text written without spaces). Scores are success@1 and
//! MRR@10 per folder.
//!
//! ```text
//! bench/corpora.sh
//! cargo run --release --example languages -- \
//!     en=bench/cache/corpora/debian-reference-en de=... zh-cn=... ja=... ru=...
//! ```
//!
//! A folder may be given as `LABEL=DIR`; else it is labelled by its name.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use peers::{Doc, mrr, rank, success_at_1};
use quire::{IndexOptions, SearchOptions, Splitter};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

// Not every peer is run here.
#[allow(dead_code)]
#[path = "peers.rs"]
mod peers;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Queries per folder.
const SAMPLE: usize = 200;
const SEED: u64 = 0x0051_7e5e;

struct Section {
    key: String,
    title: String,
    headings: String,
    body: String,
}

/// Whether `c` is written without spaces between words (Han, kana,
/// Hangul), by its block.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Lower-cased words of 5 letters or more.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphabetic() || is_cjk(c))
        .filter(|w| w.chars().count() >= 5)
        .map(str::to_lowercase)
        .collect()
}

/// Whether most of `text`'s letters are CJK.
fn mostly_cjk(text: &str) -> bool {
    let (mut cjk, mut letters) = (0, 0);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if is_cjk(c) {
            cjk += 1;
        }
    }
    cjk * 2 > letters
}

/// The runs of CJK characters in `text`, as character vectors.
fn cjk_runs(text: &str) -> Vec<Vec<char>> {
    let mut runs = vec![];
    let mut run = vec![];
    for c in text.chars() {
        if is_cjk(c) {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

struct Folder {
    label: String,
    sections: Vec<Section>,
    cjk: bool,
    queries: Vec<(String, String)>,
    /// The language most of its sections are detected in.
    lang: Option<&'static str>,
    /// The Snowball stemmer of the folder's language, if it has one.
    stemmer: Option<frostem::Algorithm>,
    inflected: Vec<(String, String)>,
}

/// The stemmer of the language `code`, for the languages benchmarked.
fn stemmer_of(code: &str) -> Option<frostem::Algorithm> {
    use frostem::Algorithm::*;
    Some(match code {
        "en" => English,
        "de" => German,
        "fr" => French,
        "es" => Spanish,
        "pt" => Portuguese,
        "it" => Italian,
        "ru" => Russian,
        "nl" => Dutch,
        "sv" => Swedish,
        _ => return None,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = peers::folders("languages");
    let work = tempfile::tempdir()?;
    let splitter = Splitter::default();
    let labelled: Vec<(String, PathBuf)> = args
        .iter()
        .map(|arg| {
            let text = arg.to_string_lossy();
            match text.split_once('=') {
                Some((label, dir)) => (label.to_string(), PathBuf::from(dir)),
                None => (
                    arg.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| text.into_owned()),
                    arg.clone(),
                ),
            }
        })
        .collect();
    // The articles of all folders at once, with the ids the index gives
    // them (several folders: each folder's name first).
    let roots: Vec<PathBuf> = labelled.iter().map(|(_, root)| root.clone()).collect();
    let found = quire::find_articles(&roots)?;
    let mut folders = Vec::new();
    for (label, root) in labelled {
        let mut sections = Vec::new();
        for file in found.files.iter().filter(|f| f.path.starts_with(&root)) {
            let Ok((article, _)) = quire::split_file(&splitter, &file.path) else {
                continue;
            };
            for s in article.sections {
                sections.push(Section {
                    key: format!("{}#{}", file.id, s.anchor),
                    title: article.title.clone(),
                    headings: s.path.join(" "),
                    body: s.text,
                });
            }
        }
        let all: String = sections.iter().take(50).map(|s| s.body.as_str()).collect();
        let cjk = mostly_cjk(&all);
        // The language most of its sections are detected in.
        let mut votes: HashMap<&str, usize> = HashMap::new();
        for s in &sections {
            if let Some(code) = quire::detect_language(&s.body) {
                *votes.entry(code).or_default() += 1;
            }
        }
        let lang = votes.into_iter().max_by_key(|&(_, n)| n).map(|(c, _)| c);
        folders.push(Folder {
            label,
            sections,
            cjk,
            queries: vec![],
            lang,
            stemmer: lang.and_then(stemmer_of),
            inflected: vec![],
        });
    }

    let mut rng = StdRng::seed_from_u64(SEED);
    for i in 0..folders.len() {
        let others: Vec<&Section> = folders
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .flat_map(|(_, f)| &f.sections)
            .collect();
        let folder = &folders[i];
        let queries = if folder.cjk {
            cjk_queries(&folder.sections, &others, &mut rng)
        } else {
            word_queries(&folder.sections, &others, &mut rng)
        };
        let inflected = match folder.stemmer {
            Some(algorithm) if !folder.cjk => {
                inflected_queries(&folder.sections, &others, algorithm, &mut rng)
            }
            _ => vec![],
        };
        folders[i].queries = queries;
        folders[i].inflected = inflected;
    }

    let home = work.path().join("quire");
    let started = std::time::Instant::now();
    quire::build_index(&home, &roots, &IndexOptions::default())?;
    eprintln!("quire indexed in {:.1} s", started.elapsed().as_secs_f64());
    let index = quire::Index::open(&home)?;

    // Every engine indexes all folders' sections together.
    let docs: Vec<Doc> = folders
        .iter()
        .flat_map(|f| &f.sections)
        .map(|s| Doc {
            key: &s.key,
            title: &s.title,
            headings: &s.headings,
            body: &s.body,
        })
        .collect();
    let queries: Vec<&str> = folders
        .iter()
        .flat_map(|f| {
            f.queries
                .iter()
                .chain(&f.inflected)
                .map(|(_, q)| q.as_str())
        })
        .collect();
    let tantivy = peers::tantivy_top10(&docs, &queries)?;
    let fts5_words = peers::fts5_top10_with(&docs, &queries, false, "unicode61", work.path())?;
    let fts5_trigram = peers::fts5_top10_with(&docs, &queries, false, "trigram", work.path())?;
    let fts5_porter = peers::fts5_top10(&docs, &queries, false, work.path())?;
    let cjk_queries: Vec<&str> = folders
        .iter()
        .filter(|f| f.cjk)
        .flat_map(|f| f.queries.iter().map(|(_, q)| q.as_str()))
        .collect();
    let started = std::time::Instant::now();
    let jieba = jieba_top10(&docs, &cjk_queries)?;
    eprintln!(
        "tantivy with jieba-rs indexed and searched in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let options = SearchOptions::default();

    println!(
        "| folder | set | queries | quire: success@1 | MRR@10 | tantivy (defaults): MRR@10 | FTS5: tokenizer | success@1 | MRR@10 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut at = 0;
    let mut inflected_rows = Vec::new();
    for folder in &folders {
        for (set, items) in [("words", &folder.queries), ("inflected", &folder.inflected)] {
            let n = items.len();
            if n == 0 {
                continue;
            }
            let ranks_of = |hits: &[Vec<String>]| -> Vec<Option<usize>> {
                items
                    .iter()
                    .zip(&hits[at..at + n])
                    .map(|((key, _), keys)| rank(keys, |k| k == key))
                    .collect()
            };
            let found = peers::quire_top10(&index, items.iter().map(|(_, q)| q.as_str()), &options);
            let quire: Vec<Option<usize>> = items
                .iter()
                .zip(&found)
                .map(|((key, _), keys)| rank(keys, |k| k == key))
                .collect();
            let tantivy = ranks_of(&tantivy);
            let set = if folder.cjk { "CJK run" } else { set };
            let (tokenizer, fts5) = if folder.cjk {
                ("trigram", ranks_of(&fts5_trigram))
            } else {
                ("unicode61", ranks_of(&fts5_words))
            };
            let row = format!(
                "| {} | {set} | {n} | {:.3} | {:.3} | {:.3} | {tokenizer} | {:.3} | {:.3} |",
                folder.label,
                success_at_1(&quire),
                mrr(&quire),
                mrr(&tantivy),
                success_at_1(&fts5),
                mrr(&fts5),
            );
            if set == "inflected" {
                let porter = ranks_of(&fts5_porter);
                inflected_rows.push(format!("{row} porter: {:.3} |", mrr(&porter)));
            } else {
                println!("{row}");
            }
            if std::env::var_os("LANGUAGES_MISSES").is_some() {
                // With the first hit, and whether its text holds the query
                // as written (a CJK run: then either section is right).
                let texts: HashMap<&str, &Section> = folders
                    .iter()
                    .flat_map(|f| &f.sections)
                    .map(|s| (s.key.as_str(), s))
                    .collect();
                for (((key, q), r), keys) in items.iter().zip(&quire).zip(&found) {
                    if *r != Some(1) {
                        let first = keys.first().map_or("-", String::as_str);
                        let holds = texts.get(first).is_some_and(|s| {
                            [&s.title, &s.headings, &s.body]
                                .iter()
                                .any(|t| t.contains(q.as_str()))
                        });
                        eprintln!(
                            "{} {set}: {q:?} -> {r:?} ({key}); first {first}, holding the query: {holds}",
                            folder.label
                        );
                    }
                }
            }
            at += n;
        }
    }
    println!();
    println!(
        "CJK runs with a dictionary segmenter instead of pairs: tantivy with jieba-rs (its \
         dictionary, HMM for unknown words), the query segmented the same way, as a phrase \
         (what tantivy's query parser makes of it) and as words all required (MRR@10):"
    );
    println!();
    println!("| folder | queries | jieba, phrase | jieba, all words |");
    println!("|---|---|---|---|");
    let mut at = 0;
    for folder in folders.iter().filter(|f| f.cjk) {
        let n = folder.queries.len();
        let ranks = |hits: &[Vec<String>]| -> Vec<Option<usize>> {
            folder
                .queries
                .iter()
                .zip(&hits[at..at + n])
                .map(|((key, _), keys)| rank(keys, |k| k == key))
                .collect()
        };
        println!(
            "| {} | {n} | {:.3} | {:.3} |",
            folder.label,
            mrr(&ranks(&jieba.0)),
            mrr(&ranks(&jieba.1))
        );
        at += n;
    }
    println!();
    println!("Inflected queries (FTS5 with porter, an English stemmer, at the end):");
    println!();
    for row in inflected_rows {
        println!("{row}");
    }
    // How reliably the detector tells a text's language, by length: each
    // section's text alone (its folder's language taken as the truth,
    // though untranslated paragraphs are left in the original English).
    println!();
    println!("Language detection on each section's text alone (right / undecided / wrong):");
    println!();
    println!("| folder | language | up to 200 characters | 200–1,000 | over 1,000 |");
    println!("|---|---|---|---|---|");
    for folder in &folders {
        let Some(truth) = folder.lang else { continue };
        let mut cells = [[0usize; 3]; 3];
        for s in &folder.sections {
            let chars = s.body.chars().count();
            let bucket = match chars {
                0..=200 => 0,
                201..=1000 => 1,
                _ => 2,
            };
            let verdict = match quire::detect_language(&s.body) {
                Some(code) if code == truth => 0,
                None => 1,
                Some(_) => 2,
            };
            cells[bucket][verdict] += 1;
        }
        let cell = |c: [usize; 3]| {
            let n = c.iter().sum::<usize>().max(1) as f64;
            format!(
                "{:.2} / {:.2} / {:.2} ({})",
                c[0] as f64 / n,
                c[1] as f64 / n,
                c[2] as f64 / n,
                c.iter().sum::<usize>()
            )
        };
        println!(
            "| {} | {truth} | {} | {} | {} |",
            folder.label,
            cell(cells[0]),
            cell(cells[1]),
            cell(cells[2])
        );
    }
    println!();
    for folder in &folders {
        if let Some((_, q)) = folder.queries.first() {
            println!("example ({}): {q}", folder.label);
        }
    }
    Ok(())
}

/// Runs of 3–4 CJK characters that at most two sections hold, and none of
/// `others`.
fn cjk_queries(
    sections: &[Section],
    others: &[&Section],
    rng: &mut StdRng,
) -> Vec<(String, String)> {
    let mut queries: Vec<(String, String)> = Vec::new();
    let mut tries = 0;
    while queries.len() < SAMPLE && tries < SAMPLE * 20 {
        tries += 1;
        let s = &sections[rng.random_range(0..sections.len())];
        if queries.iter().any(|(k, _)| *k == s.key) {
            continue;
        }
        let runs: Vec<Vec<char>> = cjk_runs(&s.body)
            .into_iter()
            // Longer than any query cut from it, so that a query is never
            // a whole run between spaces (as users type it, in the middle
            // of a sentence).
            .filter(|r| r.len() >= 6)
            .collect();
        if runs.is_empty() {
            continue;
        }
        let run = &runs[rng.random_range(0..runs.len())];
        let len = 3 + rng.random_range(0..2);
        let from = rng.random_range(0..=run.len() - len);
        let query: String = run[from..from + len].iter().collect();
        let holders = sections
            .iter()
            .filter(|x| x.body.contains(&query) || x.headings.contains(&query))
            .count();
        if holders <= 2 && !others.iter().any(|x| x.body.contains(&query)) {
            queries.push((s.key.clone(), query));
        }
    }
    queries
}

/// Whether a section of `others` holds every one of `words` (lower case).
fn held_elsewhere(others: &[&Section], words: &[String]) -> bool {
    others.iter().any(|x| {
        let body = x.body.to_lowercase();
        words.iter().all(|w| body.contains(w.as_str()))
    })
}

/// 2–3 of a section's rarest words (found in at least two sections), none
/// from its headings, not all held by a section of `others`.
fn word_queries(
    sections: &[Section],
    others: &[&Section],
    rng: &mut StdRng,
) -> Vec<(String, String)> {
    let mut df: HashMap<String, usize> = HashMap::new();
    for s in sections {
        for w in words(&s.body).into_iter().collect::<HashSet<_>>() {
            *df.entry(w).or_default() += 1;
        }
    }
    let mut queries: Vec<(String, String)> = Vec::new();
    let mut tries = 0;
    while queries.len() < SAMPLE && tries < SAMPLE * 20 {
        tries += 1;
        let s = &sections[rng.random_range(0..sections.len())];
        let heading: HashSet<String> = words(&s.headings).into_iter().collect();
        let mut candidates: Vec<String> = words(&s.body)
            .into_iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .filter(|w| !heading.contains(w) && df[w] >= 2)
            .collect();
        if candidates.len() < 4 || queries.iter().any(|(k, _)| *k == s.key) {
            continue;
        }
        candidates.sort_by_key(|w| (df[w], w.clone()));
        candidates.truncate(12);
        let n = 2 + rng.random_range(0..2);
        let mut picked = Vec::new();
        while picked.len() < n {
            picked.push(candidates.remove(rng.random_range(0..candidates.len())));
        }
        if !held_elsewhere(others, &picked) {
            queries.push((s.key.clone(), picked.join(" ")));
        }
    }
    queries
}

/// Two of a section's rare words, one of them replaced by another form of
/// it (the same stem in `algorithm`) that the folder has and the section
/// does not.
fn inflected_queries(
    sections: &[Section],
    others: &[&Section],
    algorithm: frostem::Algorithm,
    rng: &mut StdRng,
) -> Vec<(String, String)> {
    let stemmer = frostem::Stemmer::new(algorithm);
    let stem = |w: &str| stemmer.stem(w).into_owned();
    let mut df: HashMap<String, usize> = HashMap::new();
    let mut forms: HashMap<String, Vec<String>> = HashMap::new();
    for s in sections {
        for w in words(&s.body).into_iter().collect::<HashSet<_>>() {
            let count = df.entry(w.clone()).or_default();
            if *count == 0 {
                forms.entry(stem(&w)).or_default().push(w);
            }
            *count += 1;
        }
    }
    let mut queries: Vec<(String, String)> = Vec::new();
    let mut tries = 0;
    while queries.len() < SAMPLE && tries < SAMPLE * 50 {
        tries += 1;
        let s = &sections[rng.random_range(0..sections.len())];
        if queries.iter().any(|(k, _)| *k == s.key) {
            continue;
        }
        let own: HashSet<String> = words(&s.body).into_iter().collect();
        let heading: HashSet<String> = words(&s.headings).into_iter().collect();
        let mut candidates: Vec<&String> = own
            .iter()
            .filter(|w| !heading.contains(*w) && df[*w] >= 2)
            .collect();
        candidates.sort_by_key(|w| (df[*w], (*w).clone()));
        candidates.truncate(12);
        // A word with another form the section lacks.
        let inflectable: Vec<(&String, &String)> = candidates
            .iter()
            .filter_map(|w| {
                let other = forms[&stem(w)].iter().find(|v| !own.contains(*v))?;
                Some((*w, other))
            })
            .collect();
        if inflectable.is_empty() || candidates.len() < 2 {
            continue;
        }
        let (word, form) = inflectable[rng.random_range(0..inflectable.len())];
        let Some(partner) = candidates.iter().find(|w| **w != word) else {
            continue;
        };
        if held_elsewhere(others, &[word.clone(), (*partner).clone()]) {
            continue;
        }
        queries.push((s.key.clone(), format!("{form} {partner}")));
    }
    queries
}

/// Each query's top ten keys.
type Top10s = Vec<Vec<String>>;

/// tantivy over `docs` with jieba-rs segmenting every field, and each of
/// `queries` segmented the same way: its top ten as a phrase, then with
/// all its words required.
fn jieba_top10(
    docs: &[Doc],
    queries: &[&str],
) -> Result<(Top10s, Top10s), Box<dyn std::error::Error>> {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, TermQuery};
    use tantivy::schema::{
        IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing, TextOptions,
        Value,
    };
    use tantivy::tokenizer::{LowerCaser, TextAnalyzer};

    let jieba = std::sync::Arc::new(jieba_rs::Jieba::new());
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("jieba")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let mut builder = Schema::builder();
    let key = builder.add_text_field("key", STRING | STORED);
    let fields = [
        builder.add_text_field("title", text.clone()),
        builder.add_text_field("headings", text.clone()),
        builder.add_text_field("body", text),
    ];
    let index = tantivy::Index::create_in_ram(builder.build());
    index.tokenizers().register(
        "jieba",
        TextAnalyzer::builder(Jieba(jieba.clone()))
            .filter(LowerCaser)
            .build(),
    );
    let mut writer: tantivy::IndexWriter = index.writer(100_000_000)?;
    for d in docs {
        let mut doc = TantivyDocument::default();
        doc.add_text(key, d.key);
        for (field, value) in fields.iter().zip([d.title, d.headings, d.body]) {
            doc.add_text(*field, value);
        }
        writer.add_document(doc)?;
    }
    writer.commit()?;
    let searcher = index.reader()?.searcher();
    let top10 = |query: &dyn Query| -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let mut keys = Vec::new();
        for (_, address) in searcher.search(query, &TopDocs::with_limit(10).order_by_score())? {
            let doc: TantivyDocument = searcher.doc(address)?;
            keys.extend(
                doc.get_first(key)
                    .and_then(|v| v.as_str())
                    .map(String::from),
            );
        }
        Ok(keys)
    };
    let (mut phrases, mut all) = (Vec::new(), Vec::new());
    for q in queries {
        let words: Vec<String> = segmented(&jieba, q)
            .into_iter()
            .map(|(w, _)| w.to_lowercase())
            .collect();
        let per_field = |make: &dyn Fn(tantivy::schema::Field) -> Box<dyn Query>| {
            BooleanQuery::new(fields.iter().map(|&f| (Occur::Should, make(f))).collect())
        };
        let phrase = per_field(&|f| {
            let terms: Vec<_> = words
                .iter()
                .map(|w| tantivy::Term::from_field_text(f, w))
                .collect();
            match terms.len() {
                1 => Box::new(TermQuery::new(
                    terms[0].clone(),
                    IndexRecordOption::WithFreqs,
                )),
                _ => Box::new(PhraseQuery::new(terms)),
            }
        });
        phrases.push(top10(&phrase)?);
        let required = BooleanQuery::new(
            words
                .iter()
                .map(|w| {
                    let any = per_field(&|f| {
                        Box::new(TermQuery::new(
                            tantivy::Term::from_field_text(f, w),
                            IndexRecordOption::WithFreqs,
                        ))
                    });
                    (Occur::Must, Box::new(any) as Box<dyn Query>)
                })
                .collect(),
        );
        all.push(top10(&required)?);
    }
    Ok((phrases, all))
}

/// jieba-rs's words of `text` (its default mode, HMM on), with their byte
/// offsets, whitespace and punctuation left out.
fn segmented<'a>(jieba: &jieba_rs::Jieba, text: &'a str) -> Vec<(&'a str, usize)> {
    let mut out = Vec::new();
    for token in jieba.cut(text, true) {
        if token.word.chars().any(char::is_alphanumeric) {
            out.push((token.word, token.byte_start));
        }
    }
    out
}

/// jieba-rs as a tantivy tokenizer.
#[derive(Clone)]
struct Jieba(std::sync::Arc<jieba_rs::Jieba>);

struct JiebaTokens {
    tokens: Vec<tantivy::tokenizer::Token>,
    at: usize,
}

impl tantivy::tokenizer::Tokenizer for Jieba {
    type TokenStream<'a> = JiebaTokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokens {
        let tokens = segmented(&self.0, text)
            .into_iter()
            .enumerate()
            .map(|(position, (word, start))| tantivy::tokenizer::Token {
                offset_from: start,
                offset_to: start + word.len(),
                position,
                text: word.to_string(),
                position_length: 1,
            })
            .collect();
        JiebaTokens { tokens, at: 0 }
    }
}

impl tantivy::tokenizer::TokenStream for JiebaTokens {
    fn advance(&mut self) -> bool {
        self.at += 1;
        self.at <= self.tokens.len()
    }

    fn token(&self) -> &tantivy::tokenizer::Token {
        &self.tokens[self.at - 1]
    }

    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        &mut self.tokens[self.at - 1]
    }
}
