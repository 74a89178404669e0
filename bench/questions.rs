//! Question relevance benchmark: does a question, typed as a person asks
//! it, land on the section that answers it?
//!
//! The items are the sections of real FAQ pages whose own heading is a
//! question (it ends with `?` and has at least three words): the query is
//! the question without its number (`7.1.`, `6)`, `Q:`), the target that
//! section. A question asked twice in the material (the same text, in any
//! case) is left out: either answer would do.
//!
//! A question must not find itself, so the engines index the sections with
//! every question heading replaced by a neutral one (`Answer 3`), in its
//! own section's path and in those of the sections under it, and without
//! the paragraphs that repeat a question (tables of contents): only the
//! answer's text, its article's title and the headings above it can match.
//! quire indexes files, so these sections are written out as Markdown, one
//! file per article (punctuation escaped, so that the text reads back as
//! text, never as markup; every heading with an `{#id}` of its own, mapped
//! back to the section it stands for), and all three engines index the
//! sections quire splits back from those files:
//!
//! - quire (this crate, default options);
//! - tantivy with default settings (the `default` tokenizer, the query
//!   parser's defaults, which OR the words, over title, headings and body);
//! - SQLite FTS5 with the porter tokenizer and bm25, the words ORed
//!   (bench/fts5_eval.py).
//!
//! Each folder given is indexed whole, so its other pages compete too.
//! Scores are success@1 and MRR@10, over all items and per folder.
//!
//! ```text
//! bench/corpora.sh
//! cargo run --release --example questions -- \
//!     bench/cache/corpora/debian-faq/usr/share/doc/debian/FAQ \
//!     bench/cache/corpora/nodejs-md \
//!     bench/cache/corpora/linux-doc-6.1/usr/share/doc/linux-doc-6.1/html
//! ```

use std::collections::{HashMap, HashSet};

use peers::{Doc, mrr, rank, success_at_1};
use quire::{Article, IndexOptions, SearchOptions, Splitter};

#[path = "peers.rs"]
mod peers;

// As the binary: embedding allocates large tensors at every step, which
// glibc's allocator hands back to the system each time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A question and the section that answers it.
struct Item {
    /// The folder it comes from, as an index into the folders given.
    corpus: usize,
    /// Its section in the material, `corpus:id#anchor`.
    target: String,
    query: String,
}

/// A section as the engines index it, split back from the written Markdown.
struct Indexed {
    /// `id#anchor` in the written folder.
    key: String,
    title: String,
    headings: String,
    body: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let roots = peers::folders("questions");
    let work = tempfile::tempdir()?;
    let model = std::env::var_os("QUIRE_BENCH_MODEL").map(std::path::PathBuf::from);
    // With a model, the written articles and quire's index are kept in the
    // cache, one folder per model, so that a second run embeds only what
    // changed.
    let base = if let Some(model) = &model {
        let kept = peers::kept("questions", model)?;
        std::fs::create_dir_all(&kept)?;
        kept
    } else {
        work.path().to_path_buf()
    };

    // The material, as quire splits it; a page linked under a second name
    // (debian-faq's `index.html` → `index.en.html`) is read once.
    let splitter = Splitter::default();
    let mut articles: Vec<(usize, String, Article)> = Vec::new();
    let mut read = HashSet::new();
    for (corpus, root) in roots.iter().enumerate() {
        for file in quire::find_articles(std::slice::from_ref(root))?.files {
            if file.id.split('/').any(|part| part == "_sources")
                || !read.insert(std::fs::canonicalize(&file.path)?)
            {
                continue;
            }
            let Ok((article, _)) = quire::split_file(&splitter, &file.path) else {
                continue;
            };
            articles.push((corpus, file.id, article));
        }
    }

    // The items, in document order: every question heading's section, but
    // for questions asked more than once.
    let mut asked: HashMap<String, usize> = HashMap::new();
    for (_, _, article) in &articles {
        for s in &article.sections {
            if let Some(q) = s.path.last().and_then(|h| question(h)) {
                *asked.entry(q.to_lowercase()).or_default() += 1;
            }
        }
    }
    let mut items = Vec::new();
    for (corpus, id, article) in &articles {
        for s in &article.sections {
            if let Some(query) = s.path.last().and_then(|h| question(h))
                && asked[&query.to_lowercase()] == 1
            {
                items.push(Item {
                    corpus: *corpus,
                    target: format!("{corpus}:{id}#{}", s.anchor),
                    query,
                });
            }
        }
    }
    let repeated = asked.values().filter(|n| **n > 1).sum::<usize>();

    // The sections the engines index: the material without its questions,
    // written as Markdown and split back, each mapped to the section of
    // the material it stands for.
    let written = base.join("articles");
    std::fs::create_dir_all(&written)?;
    let mut material: HashMap<String, String> = HashMap::new();
    for (n, (corpus, id, article)) in articles.iter().enumerate() {
        let file = format!("{n:05}.md");
        let (markdown, opened) = without_questions(article, &asked);
        // Rewritten only when it differs, so that a kept index sees it unchanged.
        if std::fs::read_to_string(written.join(&file)).ok().as_deref() != Some(markdown.as_str()) {
            std::fs::write(written.join(&file), markdown)?;
        }
        for (heading_id, anchor) in opened {
            material.insert(
                format!("{file}#{heading_id}"),
                format!("{corpus}:{id}#{anchor}"),
            );
        }
    }
    let mut sections = Vec::new();
    for file in quire::find_articles(std::slice::from_ref(&written))?.files {
        let (article, _) = quire::split_file(&splitter, &file.path)?;
        for s in article.sections {
            let key = format!("{}#{}", file.id, s.anchor);
            if !material.contains_key(&key) {
                return Err(format!("{key} was written for no section of the material").into());
            }
            sections.push(Indexed {
                key,
                title: article.title.clone(),
                headings: s.path.join(" "),
                body: s.text,
            });
        }
    }
    // A question whose section held nothing but tables of contents has no
    // answer left to find.
    let indexed: HashSet<&String> = sections.iter().map(|s| &material[&s.key]).collect();
    let asked_once = items.len();
    items.retain(|item| indexed.contains(&item.target));
    let unanswered = asked_once - items.len();
    eprintln!("{} sections, {} questions", sections.len(), items.len());

    // quire.
    let mut index_options = IndexOptions::default();
    if let Some(model) = &model {
        index_options = index_options.model(model);
    }
    let started = std::time::Instant::now();
    let report = quire::build_index(
        base.join("quire"),
        std::slice::from_ref(&written),
        &index_options,
    )?;
    eprintln!(
        "quire indexed in {:.1} s, {} sections embedded",
        started.elapsed().as_secs_f64(),
        report.sections_embedded
    );
    let index = quire::Index::open(base.join("quire"))?;
    let modes = peers::quire_modes(model.is_some());
    let started = std::time::Instant::now();
    let quire_runs: Vec<(&str, Vec<Vec<String>>)> = modes
        .iter()
        .map(|&(name, matching)| {
            let options = SearchOptions::default().matching(matching);
            let queries = items.iter().map(|item| item.query.as_str());
            let hits = peers::quire_top10(&index, queries, &options);
            (name, hits)
        })
        .collect();
    eprintln!("quire searched in {:.1} s", started.elapsed().as_secs_f64());
    let quire_hits = &quire_runs.last().expect("a mode").1;

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
    let queries: Vec<&str> = items.iter().map(|item| item.query.as_str()).collect();
    let tantivy_hits = peers::tantivy_top10(&docs, &queries)?;
    let fts5_hits = peers::fts5_top10(&docs, &queries, true, work.path())?;

    let ranks = |hits: &[Vec<String>]| -> Vec<Option<usize>> {
        items
            .iter()
            .zip(hits)
            .map(|(item, keys)| rank(keys, |k| material.get(k) == Some(&item.target)))
            .collect()
    };
    let mut engines: Vec<(&str, Vec<Option<usize>>)> = quire_runs
        .iter()
        .map(|(name, hits)| (*name, ranks(hits)))
        .collect();
    engines.push(("tantivy (defaults, words ORed)", ranks(&tantivy_hits)));
    engines.push(("SQLite FTS5 (porter, bm25, words ORed)", ranks(&fts5_hits)));

    // Every item's ranks, for a closer look (`QUIRE_BENCH_DUMP=FILE`).
    if let Ok(dump) = std::env::var("QUIRE_BENCH_DUMP") {
        let mut out = String::from("query\ttarget");
        for (name, _) in &engines {
            out.push_str(&format!("\t{name}"));
        }
        out.push_str("\tquire's first\n");
        for (i, item) in items.iter().enumerate() {
            out.push_str(&format!("{}\t{}", item.query, item.target));
            for (_, r) in &engines {
                out.push_str(&format!("\t{}", r[i].map_or(0, |p| p)));
            }
            let first = quire_hits[i].first().and_then(|k| material.get(k));
            let length = |key: Option<&String>| {
                key.and_then(|k| sections.iter().find(|s| &s.key == k))
                    .map_or(0, |s| s.body.len())
            };
            let target_key = sections
                .iter()
                .find(|s| material[&s.key] == item.target)
                .map(|s| &s.key);
            out.push_str(&format!(
                "\t{}\t{}\t{}\n",
                first.map_or("", |k| k.as_str()),
                length(quire_hits[i].first()),
                length(target_key)
            ));
        }
        std::fs::write(dump, out)?;
    }

    println!(
        "{} questions over {} sections ({repeated} asked more than once and \
         {unanswered} with no answer but tables of contents left out)",
        items.len(),
        sections.len()
    );
    println!();
    println!("| engine | items | success@1 | MRR@10 |");
    println!("|---|---|---|---|");
    for (name, r) in &engines {
        println!(
            "| {name} | {} | {:.3} | {:.3} |",
            r.len(),
            success_at_1(r),
            mrr(r)
        );
    }
    println!();
    print!("| folder | items |");
    for (name, _) in &engines {
        print!(" {name}: success@1 | MRR@10 |");
    }
    println!();
    println!("|---|---|{}", "---|---|".repeat(engines.len()));
    for (corpus, root) in roots.iter().enumerate() {
        let mine: Vec<usize> = (0..items.len())
            .filter(|i| items[*i].corpus == corpus)
            .collect();
        print!("| {} | {} |", root.display(), mine.len());
        for (_, r) in &engines {
            let r: Vec<Option<usize>> = mine.iter().map(|i| r[*i]).collect();
            print!(" {:.3} | {:.3} |", success_at_1(&r), mrr(&r));
        }
        println!();
    }
    Ok(())
}

/// The question a heading (or a paragraph) asks, as a person would type
/// it: without its number (`7.1.`, `1.4`, `6)`) or `Q:`. None unless it
/// ends with `?` and has at least three words.
fn question(heading: &str) -> Option<String> {
    if !heading.trim_end().ends_with('?') {
        return None;
    }
    let words: Vec<&str> = heading
        .split_whitespace()
        .skip_while(|w| is_label(w))
        .collect();
    (words.len() >= 3).then(|| words.join(" "))
}

/// Whether `word` numbers a question rather than being part of it.
fn is_label(word: &str) -> bool {
    word == "Q:"
        || (word.starts_with(|c: char| c.is_ascii_digit())
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ')'))
}

/// `article` as Markdown without its questions: `# title`, then each
/// section's headings (those not already open above it) and its text,
/// every heading with an `{#id}` of its own. A question heading becomes
/// `Answer N`, and a paragraph that is one of the questions `asked` (a
/// table of contents' line) is left out. Also returns, for each section,
/// the id of the heading that opens it (the title's for the text before
/// the first heading) and the section's anchor.
fn without_questions(
    article: &Article,
    asked: &HashMap<String, usize>,
) -> (String, Vec<(String, String)>) {
    let mut out = format!("# {} {{#h0}}\n\n", escape(&article.title));
    let mut opened = Vec::new();
    let mut headings = 0;
    let mut answers: HashMap<&[String], String> = HashMap::new();
    let mut open: Vec<String> = Vec::new();
    for section in &article.sections {
        let path: Vec<String> = (0..section.path.len())
            .map(|depth| {
                let heading = &section.path[depth];
                if question(heading).is_none() {
                    return heading.clone();
                }
                let n = answers.len() + 1;
                answers
                    .entry(&section.path[..=depth])
                    .or_insert_with(|| format!("Answer {n}"))
                    .clone()
            })
            .collect();
        let mut id = "h0".to_string();
        if !path.is_empty() {
            // A section's own heading is written even when the one before
            // had the same path (the parts of a long section).
            let shared = open
                .iter()
                .zip(&path)
                .take_while(|(a, b)| a == b)
                .count()
                .min(path.len() - 1);
            for (depth, heading) in path.iter().enumerate().skip(shared) {
                headings += 1;
                id = format!("h{headings}");
                let marks = "#".repeat((depth + 2).min(6));
                out.push_str(&format!("{marks} {} {{#{id}}}\n\n", escape(heading)));
            }
        }
        opened.push((id, section.anchor.clone()));
        open = path;
        for paragraph in section.text.split("\n\n") {
            if question(paragraph).is_some_and(|q| asked.contains_key(&q.to_lowercase())) {
                continue;
            }
            for line in paragraph.lines() {
                out.push_str(&escape(line.trim()));
                out.push('\n');
            }
            out.push('\n');
        }
    }
    (out, opened)
}

/// `text` with every ASCII punctuation mark backslash-escaped, so that
/// Markdown reads it back as the same text, never as markup (a `#` that
/// starts a line, a `1.` list, `<tags>`, `*emphasis*`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
