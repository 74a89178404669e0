//! The peers the relevance benchmarks score quire against, over the very
//! same sections: tantivy with default settings and SQLite FTS5 (through
//! bench/fts5_eval.py). Each returns, for every query, the keys of its ten
//! best sections; `bench/relevance.rs` and `bench/questions.rs` include this
//! file as a module.

use std::path::Path;
use std::process::Command;

use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{STORED, STRING, Schema, TEXT, TantivyDocument, Value};

/// A section as the peers index it.
pub struct Doc<'a> {
    pub key: &'a str,
    pub title: &'a str,
    pub headings: &'a str,
    pub body: &'a str,
}

pub type Error = Box<dyn std::error::Error>;

/// quire's ways of ranking to run: with a model, by words alone, by
/// meaning alone, and both; without, the default.
pub fn quire_modes(model: bool) -> Vec<(&'static str, quire::Matching)> {
    if model {
        vec![
            ("quire (words)", quire::Matching::Words),
            ("quire (meaning)", quire::Matching::Meaning),
            ("quire (hybrid)", quire::Matching::Hybrid),
        ]
    } else {
        vec![("quire", quire::Matching::Hybrid)]
    }
}

/// The cache folder where the benchmark `bench` keeps what it made with
/// the model in `model`: one a model, named after the model's folder and
/// its parent.
pub fn kept(bench: &str, model: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    let name: String = std::fs::canonicalize(model)?
        .iter()
        .rev()
        .take(2)
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Ok(std::path::Path::new("bench/cache").join(bench).join(name))
}

/// The folders given on the command line; with none, says how the
/// benchmark `program` is run and exits with 2.
pub fn folders(program: &str) -> Vec<std::path::PathBuf> {
    let roots: Vec<std::path::PathBuf> = std::env::args()
        .skip(1)
        .map(std::path::PathBuf::from)
        .collect();
    if roots.is_empty() {
        eprintln!("usage: {program} FOLDER...  (see bench/corpora.sh)");
        std::process::exit(2);
    }
    roots
}

/// tantivy with default settings: the `default` tokenizer and the query
/// parser's defaults (the words ORed, leniently parsed) over title,
/// headings and body.
pub fn tantivy_top10(docs: &[Doc], queries: &[&str]) -> Result<Vec<Vec<String>>, Error> {
    let mut builder = Schema::builder();
    let key = builder.add_text_field("key", STRING | STORED);
    let title = builder.add_text_field("title", TEXT);
    let headings = builder.add_text_field("headings", TEXT);
    let body = builder.add_text_field("body", TEXT);
    let index = tantivy::Index::create_in_ram(builder.build());
    let mut writer: tantivy::IndexWriter = index.writer(100_000_000)?;
    for d in docs {
        let mut doc = TantivyDocument::default();
        doc.add_text(key, d.key);
        doc.add_text(title, d.title);
        doc.add_text(headings, d.headings);
        doc.add_text(body, d.body);
        writer.add_document(doc)?;
    }
    writer.commit()?;
    let searcher = index.reader()?.searcher();
    let parser = QueryParser::for_index(&index, vec![title, headings, body]);
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        let (query, _) = parser.parse_query_lenient(q);
        let mut keys = Vec::new();
        for (_, address) in searcher.search(&query, &TopDocs::with_limit(10).order_by_score())? {
            let doc: TantivyDocument = searcher.doc(address)?;
            keys.extend(
                doc.get_first(key)
                    .and_then(|v| v.as_str())
                    .map(String::from),
            );
        }
        out.push(keys);
    }
    Ok(out)
}

/// SQLite FTS5 with the porter tokenizer and bm25, through Python's
/// sqlite3; a query's words ANDed (FTS5's default), or ORed with `any`.
/// `work` is a folder for the input file.
pub fn fts5_top10(
    docs: &[Doc],
    queries: &[&str],
    any: bool,
    work: &Path,
) -> Result<Vec<Vec<String>>, Error> {
    fts5_top10_with(docs, queries, any, "porter unicode61", work)
}

/// [`fts5_top10`] with another FTS5 tokenizer (`unicode61`, `trigram`).
pub fn fts5_top10_with(
    docs: &[Doc],
    queries: &[&str],
    any: bool,
    tokenize: &str,
    work: &Path,
) -> Result<Vec<Vec<String>>, Error> {
    let input = serde_json::json!({
        "tokenize": tokenize,
        "sections": docs.iter().map(|d| serde_json::json!({
            "key": d.key, "title": d.title, "headings": d.headings, "body": d.body
        })).collect::<Vec<_>>(),
        "queries": queries,
        "any": any,
    });
    let input_path = work.join("fts5.json");
    std::fs::write(&input_path, serde_json::to_vec(&input)?)?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/fts5_eval.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(&input_path)
        .output()?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned().into());
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// quire's keys (`article id#anchor`) of the hits of each query, with
/// `options`; none for a query that fails.
pub fn quire_top10<'a>(
    index: &quire::Index,
    queries: impl IntoIterator<Item = &'a str>,
    options: &quire::SearchOptions,
) -> Vec<Vec<String>> {
    queries
        .into_iter()
        .map(|q| {
            index
                .search(q, options)
                .map(|results| {
                    results
                        .hits
                        .iter()
                        .map(|h| format!("{}#{}", h.article.id, h.section.anchor))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Where the section `is_target` picks comes among `keys`, from 1, if it
/// does.
pub fn rank(keys: &[String], is_target: impl Fn(&str) -> bool) -> Option<usize> {
    keys.iter()
        .take(10)
        .position(|k| is_target(k))
        .map(|p| p + 1)
}

pub fn success_at_1(ranks: &[Option<usize>]) -> f64 {
    ranks.iter().filter(|r| **r == Some(1)).count() as f64 / ranks.len().max(1) as f64
}

pub fn mrr(ranks: &[Option<usize>]) -> f64 {
    ranks
        .iter()
        .map(|r| r.map_or(0.0, |p| 1.0 / p as f64))
        .sum::<f64>()
        / ranks.len().max(1) as f64
}
