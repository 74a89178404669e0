//! A small program that embeds quire: it indexes a folder of articles
//! (incrementally: run it twice and the second run reads nothing), searches
//! it with a few of the options the CLI has, and prints each hit's article,
//! section path and snippet with the matched words in brackets.
//!
//! ```text
//! cargo run --example embed -- corpus "hemifacial spasm"
//! ```

use std::path::PathBuf;

use quire::{Index, IndexOptions, SearchOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let corpus = PathBuf::from(args.next().unwrap_or_else(|| "corpus".into()));
    let query = args.collect::<Vec<_>>().join(" ");
    let query = if query.is_empty() {
        "hemifacial spasm".to_string()
    } else {
        query
    };
    let index_dir = std::env::temp_dir().join("quire-embed-example");

    // Build or update the index: unchanged files are not read again. An
    // index an older quire built cannot be updated: build it afresh.
    let corpus = [corpus];
    let report = match quire::build_index(&index_dir, &corpus, &IndexOptions::default()) {
        Err(quire::Error::IncompatibleIndex { .. }) => {
            let afresh = IndexOptions::default().rebuild(true);
            quire::build_index(&index_dir, &corpus, &afresh)?
        }
        built => built?,
    };
    eprintln!(
        "{} articles, {} sections ({} added, {} changed, {} unchanged)",
        report.articles, report.sections, report.added, report.changed, report.unchanged
    );

    let index = Index::open(&index_dir)?;
    let options = SearchOptions::default().limit(5).snippets(2).per_article(3);
    let results = index.search(&query, &options)?;
    println!("{} sections match {:?}", results.total_hits, results.query);
    for hit in &results.hits {
        let path = if hit.section.path.is_empty() {
            hit.article.title.clone()
        } else {
            format!("{} › {}", hit.article.title, hit.section.label)
        };
        println!(
            "\n{}. {path}  ({}#{})",
            hit.rank, hit.article.id, hit.section.anchor
        );
        for snippet in &hit.snippets {
            // Highlights are byte ranges of the snippet's text.
            let mut shown = String::new();
            let mut at = 0;
            for h in &snippet.highlights {
                shown.push_str(&snippet.text[at..h.start]);
                shown.push('[');
                shown.push_str(&snippet.text[h.start..h.end]);
                shown.push(']');
                at = h.end;
            }
            shown.push_str(&snippet.text[at..]);
            println!("   {shown}");
        }
    }
    Ok(())
}
