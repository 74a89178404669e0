//! Known-item relevance benchmark: does a search land on the right section?
//!
//! For a fixed-seed sample of sections from real corpora, a query is made of
//! 2–4 distinctive words of the section's text (rare across the corpus, not
//! in its headings), and each engine is scored on whether it returns that
//! section: success@1 and MRR@10. Then the same queries with one typo
//! injected into every word. Engines, over the same sections:
//!
//! - quire (this crate, default options);
//! - tantivy with default settings (the `default` tokenizer, the query
//!   parser's defaults, over title, headings and body);
//! - SQLite FTS5 with the porter tokenizer and bm25 (bench/fts5_eval.py).
//!
//! ```text
//! bench/corpora.sh
//! cargo run --release --example relevance -- bench/cache/corpora/nodejs-md \
//!     bench/cache/corpora/linux-doc-6.1/usr/share/doc/linux-doc-6.1/html
//! ```

use std::collections::{HashMap, HashSet};

use peers::{Doc, mrr, rank, success_at_1};
use quire::{IndexOptions, Matching, SearchOptions, Splitter};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[path = "peers.rs"]
mod peers;

// As the binary: embedding allocates large tensors at every step, which
// glibc's allocator hands back to the system each time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SAMPLE: usize = 500;
const SEED: u64 = 0x0051_7e5e;

struct Section {
    key: String,
    title: String,
    headings: String,
    /// The section's own heading, the last of its path.
    leaf: String,
    body: String,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 5)
        .map(str::to_lowercase)
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let roots = peers::folders("relevance");
    let work = tempfile::tempdir()?;

    // The sections, exactly as quire splits and indexes them.
    let splitter = Splitter::default();
    let mut sections = Vec::new();
    for file in quire::find_articles(&roots)?.files {
        if file.id.split('/').any(|part| part == "_sources") {
            continue;
        }
        let Ok((article, _)) = quire::split_file(&splitter, &file.path) else {
            continue;
        };
        for s in article.sections {
            sections.push(Section {
                key: format!("{}#{}", file.id, s.anchor),
                title: article.title.clone(),
                headings: s.path.join(" "),
                leaf: s.path.last().cloned().unwrap_or_default(),
                body: s.text,
            });
        }
    }
    // With a model (`QUIRE_BENCH_MODEL=DIR`), quire's index is kept in the
    // cache, one a model, so that a second run embeds nothing.
    let model = std::env::var_os("QUIRE_BENCH_MODEL").map(std::path::PathBuf::from);
    let mut options = IndexOptions::default().exclude("_sources");
    let home = match &model {
        Some(model) => {
            options = options.model(model);
            peers::kept("relevance", model)?.join("quire")
        }
        None => work.path().join("quire"),
    };
    let started = std::time::Instant::now();
    let report = quire::build_index(&home, &roots, &options)?;
    eprintln!(
        "quire indexed in {:.1} s, {} sections embedded",
        started.elapsed().as_secs_f64(),
        report.sections_embedded
    );
    let index = quire::Index::open(&home)?;
    eprintln!("{} sections", sections.len());

    // Queries: 2-4 of a section's rarest words, none from its headings.
    let mut df: HashMap<String, usize> = HashMap::new();
    for s in &sections {
        for w in words(&s.body).into_iter().collect::<HashSet<_>>() {
            *df.entry(w).or_default() += 1;
        }
    }
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut clean = Vec::new();
    let mut typod = Vec::new();
    let mut tries = 0;
    while clean.len() < SAMPLE && tries < SAMPLE * 20 {
        tries += 1;
        let s = &sections[rng.random_range(0..sections.len())];
        let heading: HashSet<String> = words(&s.headings).into_iter().collect();
        let mut candidates: Vec<String> = words(&s.body)
            .into_iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .filter(|w| !heading.contains(w) && df[w] >= 2)
            .collect();
        if candidates.len() < 4 || clean.iter().any(|(k, _): &(String, String)| *k == s.key) {
            continue;
        }
        candidates.sort_by_key(|w| (df[w], w.clone()));
        candidates.truncate(12);
        let n = 2 + rng.random_range(0..3);
        let mut picked = Vec::new();
        while picked.len() < n {
            let w = candidates.remove(rng.random_range(0..candidates.len()));
            picked.push(w);
        }
        let typo: Vec<String> = picked.iter().map(|w| inject_typo(w, &mut rng)).collect();
        clean.push((s.key.clone(), picked.join(" ")));
        typod.push((s.key.clone(), typo.join(" ")));
    }

    // A second set: a section's own heading as the query, for sections
    // whose heading (2-5 words) no other section of the corpus has.
    let mut leaf_count: HashMap<String, usize> = HashMap::new();
    for s in &sections {
        *leaf_count.entry(s.leaf.to_lowercase()).or_default() += 1;
    }
    let mut headed = Vec::new();
    let mut tries = 0;
    while headed.len() < SAMPLE && tries < SAMPLE * 50 {
        tries += 1;
        let s = &sections[rng.random_range(0..sections.len())];
        let leaf: Vec<&str> = s
            .leaf
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if (2..=5).contains(&leaf.len())
            && leaf_count[&s.leaf.to_lowercase()] == 1
            && !headed.iter().any(|(k, _): &(String, String)| *k == s.key)
        {
            headed.push((s.key.clone(), leaf.join(" ")));
        }
    }

    // quire; with a model, by words alone, by meaning alone, and both.
    let modes = peers::quire_modes(model.is_some());
    let quire_ranks = |queries: &[(String, String)], matching: Matching| -> Vec<Option<usize>> {
        let options = SearchOptions::default().matching(matching);
        let found = peers::quire_top10(&index, queries.iter().map(|(_, q)| q.as_str()), &options);
        queries
            .iter()
            .zip(&found)
            .map(|((key, _), keys)| rank(keys, |k| k == key))
            .collect()
    };
    let quire_runs: Vec<(&str, [Vec<Option<usize>>; 3])> = modes
        .iter()
        .map(|&(name, matching)| {
            (
                name,
                [
                    quire_ranks(&clean, matching),
                    quire_ranks(&typod, matching),
                    quire_ranks(&headed, matching),
                ],
            )
        })
        .collect();
    let [quire_clean, quire_typo, _] = &quire_runs.last().expect("a mode").1;

    // The peers, over the very same sections.
    let docs: Vec<Doc> = sections
        .iter()
        .map(|s| Doc {
            key: &s.key,
            title: &s.title,
            headings: &s.headings,
            body: &s.body,
        })
        .collect();
    // Each peer indexes once and answers the three sets together.
    let sets = [&clean, &typod, &headed];
    let queries: Vec<&str> = sets
        .iter()
        .flat_map(|set| set.iter().map(|(_, q)| q.as_str()))
        .collect();
    let by_set = |hits: Vec<Vec<String>>| -> Vec<Vec<Option<usize>>> {
        let mut hits = hits.into_iter();
        sets.iter()
            .map(|set| {
                set.iter()
                    .zip(hits.by_ref())
                    .map(|((key, _), keys)| rank(&keys, |k| k == key))
                    .collect()
            })
            .collect()
    };
    let [tantivy_clean, tantivy_typo, tantivy_headed]: [Vec<Option<usize>>; 3] =
        by_set(peers::tantivy_top10(&docs, &queries)?)
            .try_into()
            .expect("three sets");
    let fts5: HashMap<&str, Vec<Option<usize>>> = ["clean", "typo", "headed"]
        .into_iter()
        .zip(by_set(peers::fts5_top10(
            &docs,
            &queries,
            false,
            work.path(),
        )?))
        .collect();

    if let Ok(path) = std::env::var("RELEVANCE_DUMP") {
        let rows: Vec<_> = (0..clean.len())
            .map(|i| {
                serde_json::json!({
                    "key": clean[i].0, "clean": clean[i].1, "typo": typod[i].1,
                    "quire": [quire_clean[i], quire_typo[i]],
                    "tantivy": [tantivy_clean[i], tantivy_typo[i]],
                    "fts5": [fts5["clean"][i], fts5["typo"][i]],
                })
            })
            .collect();
        std::fs::write(path, serde_json::to_vec_pretty(&rows)?)?;
    }
    println!(
        "{} queries from {} sections; the same queries with one typo per word",
        clean.len(),
        sections.len()
    );
    println!();
    println!(
        "| engine | text words: success@1 | MRR@10 | with typos: success@1 | MRR@10 | heading ({} queries): success@1 | MRR@10 |",
        headed.len()
    );
    println!("|---|---|---|---|---|---|---|");
    type Ranks = Vec<Option<usize>>;
    let mut rows: Vec<(&str, &Ranks, &Ranks, &Ranks)> = quire_runs
        .iter()
        .map(|(name, [c, t, h])| (*name, c, t, h))
        .collect();
    rows.extend([
        (
            "tantivy (defaults)",
            &tantivy_clean,
            &tantivy_typo,
            &tantivy_headed,
        ),
        (
            "SQLite FTS5 (porter, bm25)",
            &fts5["clean"],
            &fts5["typo"],
            &fts5["headed"],
        ),
    ]);
    for (name, c, t, h) in rows {
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            success_at_1(c),
            mrr(c),
            success_at_1(t),
            mrr(t),
            success_at_1(h),
            mrr(h)
        );
    }
    println!();
    println!(
        "examples: {:?} / {:?}",
        clean.first().map(|c| &c.1),
        typod.first().map(|c| &c.1)
    );
    Ok(())
}

/// One insertion, deletion, substitution or transposition, never at the
/// first letter (people rarely miss that one).
fn inject_typo(word: &str, rng: &mut StdRng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let at = 1 + rng.random_range(0..chars.len() - 1);
    let letter = (b'a' + rng.random_range(0..26) as u8) as char;
    match rng.random_range(0..4) {
        0 => chars.insert(at, letter),
        1 => {
            chars.remove(at);
        }
        2 => {
            let old = chars[at];
            chars[at] = if letter == old { 'z' } else { letter };
        }
        _ => {
            let at = at.min(chars.len() - 2);
            chars.swap(at, at + 1);
        }
    }
    chars.into_iter().collect()
}
