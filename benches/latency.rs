//! In-process search latency: top-10 hits with snippets, through
//! `Index::search`, for 200 queries (plain words, phrases, words with typos)
//! made from the corpus's own sections.
//!
//! The corpus is linux-doc-6.1's HTML when `bench/corpora.sh` has fetched it
//! (set `QUIRE_BENCH_CORPUS` to use other folders, `:` between them), else the shipped
//! `corpus/`. The index is built once into `bench/cache/latency-index`.
//! Criterion times each kind of query; then every query is timed alone,
//! once on a freshly opened index and as the median of 15 runs, and the p50
//! and p99 over the 200 are printed for both.
//!
//! ```text
//! cargo bench --bench latency
//! QUIRE_BENCH_LOOP=50 cargo bench --bench latency   # a steady load to profile
//! # (QUIRE_BENCH_SNIPPETS=N snippets per hit, QUIRE_BENCH_QUERIES=FILE queries,
//! #  QUIRE_BENCH_FRESH=1 a freshly opened index each round: first runs,
//! #  QUIRE_BENCH_INDEX=DIR an index already built, e.g. with a model,
//! #  QUIRE_BENCH_MATCH=words|meaning to rank by one side only,
//! #  QUIRE_BENCH_SLOWEST=N the N slowest queries on stderr)
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use rand::{Rng, SeedableRng};

const LINUX_DOC: &str = "bench/cache/corpora/linux-doc-6.1/usr/share/doc/linux-doc-6.1/html";

fn corpus() -> Vec<PathBuf> {
    if let Some(dirs) = std::env::var_os("QUIRE_BENCH_CORPUS") {
        return std::env::split_paths(&dirs).collect();
    }
    if Path::new(LINUX_DOC).is_dir() {
        vec![PathBuf::from(LINUX_DOC)]
    } else {
        vec![PathBuf::from("corpus")]
    }
}

/// What ranks: `QUIRE_BENCH_MATCH=words|meaning`, else words and meaning
/// (on an index with a model).
fn matching() -> quire::Matching {
    match std::env::var("QUIRE_BENCH_MATCH").as_deref() {
        Ok("words") => quire::Matching::Words,
        Ok("meaning") => quire::Matching::Meaning,
        _ => quire::Matching::Hybrid,
    }
}

/// The index folder: `QUIRE_BENCH_INDEX`, else the bench's own.
fn index_dir() -> PathBuf {
    std::env::var_os("QUIRE_BENCH_INDEX")
        .map_or_else(|| PathBuf::from("bench/cache/latency-index"), PathBuf::from)
}

/// The index, built if missing, and the text of its sections.
fn setup() -> (quire::Index, Vec<String>) {
    let corpus = corpus();
    // An index built elsewhere (`QUIRE_BENCH_INDEX`, such as the relevance
    // benchmark's with a model) is searched as it is.
    let dir = index_dir();
    if std::env::var_os("QUIRE_BENCH_INDEX").is_none() {
        let options = quire::IndexOptions::default().exclude("_sources");
        quire::build_index(&dir, &corpus, &options).expect("index builds");
    }
    let splitter = quire::Splitter::default();
    let mut texts = Vec::new();
    let found = quire::find_articles(&corpus).expect("corpus is there");
    for file in found.files {
        if let Ok((article, _)) = quire::split_file(&splitter, &file.path) {
            texts.extend(article.sections.into_iter().map(|s| s.text));
        }
    }
    (quire::Index::open(&dir).expect("index opens"), texts)
}

/// Plain, phrase and typo'd queries: 70, 65 and 65 of them.
fn queries(texts: &[String]) -> Vec<(&'static str, String)> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut out = Vec::new();
    while out.len() < 200 {
        let text = &texts[rng.random_range(0..texts.len())];
        let words: Vec<&str> = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.chars().count() >= 5)
            .collect();
        if words.len() < 4 {
            continue;
        }
        let at = rng.random_range(0..words.len() - 2);
        let (a, b) = (words[at], words[at + 2]);
        out.push(match out.len() {
            0..70 => ("plain", format!("{a} {b}")),
            70..135 => ("phrase", format!("\"{} {}\"", words[at], words[at + 1])),
            _ => {
                let mut typo: Vec<char> = a.chars().collect();
                typo.swap(1, 2);
                (
                    "typo",
                    format!("{} {b}", typo.into_iter().collect::<String>()),
                )
            }
        });
    }
    out
}

fn bench(c: &mut Criterion) {
    let (index, texts) = setup();
    let queries = queries(&texts);
    let options = quire::SearchOptions::default().matching(matching());
    for kind in ["plain", "phrase", "typo"] {
        let mine: Vec<&String> = queries
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, q)| q)
            .collect();
        let mut next = 0;
        c.bench_function(&format!("search top-10 with snippets, {kind}"), |b| {
            b.iter(|| {
                next = (next + 1) % mine.len();
                index.search(mine[next], &options).expect("search works")
            })
        });
    }
    // First runs, on a freshly opened index: nothing remembered from an
    // earlier search (typo'd variants are kept per commit across searches).
    let fresh = quire::Index::open(index_dir()).expect("index opens");
    let first: Vec<Duration> = queries
        .iter()
        .map(|(_, q)| {
            let start = Instant::now();
            std::hint::black_box(fresh.search(q, &options).expect("search works"));
            start.elapsed()
        })
        .collect();
    report("first run of each query", first, index.num_sections());
    // Then the median of 15 runs of each.
    let repeated: Vec<Duration> = queries
        .iter()
        .map(|(_, q)| {
            let mut runs: Vec<Duration> = (0..15)
                .map(|_| {
                    let start = Instant::now();
                    let results = index.search(q, &options).expect("search works");
                    std::hint::black_box(results);
                    start.elapsed()
                })
                .collect();
            runs.sort();
            runs[runs.len() / 2]
        })
        .collect();
    // QUIRE_BENCH_SLOWEST=N: the N slowest queries, to profile on their own.
    if let Some(n) = std::env::var("QUIRE_BENCH_SLOWEST")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        let mut slowest: Vec<(Duration, &str)> = repeated
            .iter()
            .zip(&queries)
            .map(|(t, (_, q))| (*t, q.as_str()))
            .collect();
        slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        for (t, q) in slowest.into_iter().take(n) {
            eprintln!("{t:?}\t{q}");
        }
    }
    report(
        "median of 15 runs of each query",
        repeated,
        index.num_sections(),
    );
}

fn report(what: &str, mut latencies: Vec<Duration>, sections: u64) {
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "\n{} queries over {sections} sections, {what}: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        at(0.50),
        at(0.90),
        at(0.99),
        latencies.last().unwrap()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3));
    targets = bench
}

/// With `QUIRE_BENCH_LOOP=N`, runs the 200 queries N times and nothing
/// else: a steady load to profile (`perf record` the bench binary).
fn profile_loop(rounds: usize) {
    let (index, texts) = setup();
    // QUIRE_BENCH_QUERIES=FILE: these queries (one a line) instead.
    let queries: Vec<(&str, String)> = match std::env::var("QUIRE_BENCH_QUERIES") {
        Ok(file) => std::fs::read_to_string(&file)
            .expect("QUIRE_BENCH_QUERIES names a readable file")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| ("given", l.to_string()))
            .collect(),
        Err(_) => queries(&texts),
    };
    let mut options = quire::SearchOptions::default().matching(matching());
    if let Ok(n) = std::env::var("QUIRE_BENCH_SNIPPETS") {
        options.snippets = n.parse().expect("QUIRE_BENCH_SNIPPETS is a number");
    }
    let start = Instant::now();
    let fresh = std::env::var_os("QUIRE_BENCH_FRESH").is_some();
    let mut index = index;
    for _ in 0..rounds {
        if fresh {
            index = quire::Index::open(index_dir()).expect("index opens");
        }
        for (_, q) in &queries {
            std::hint::black_box(index.search(q, &options).expect("search works"));
        }
    }
    let per_query = start.elapsed() / (rounds * queries.len()) as u32;
    println!(
        "{rounds} rounds of {} queries: mean {per_query:?}",
        queries.len()
    );
}

fn main() {
    // As the binary does: each embedding on the thread that asks for it.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        // SAFETY: no other thread has started yet.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
    if let Some(rounds) = std::env::var("QUIRE_BENCH_LOOP")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        return profile_loop(rounds);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
