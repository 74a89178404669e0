//! A complete small program that embeds quire: it indexes a folder of
//! articles (the shipped corpus by default) into a temporary index, then
//! answers the queries given on the command line with the best section of
//! each.
//!
//! ```text
//! cargo run --example embed -- corpus "facial nerve" electromyography
//! ```

use std::path::PathBuf;

fn main() -> Result<(), quire::Error> {
    let mut args = std::env::args().skip(1);
    let corpus = PathBuf::from(args.next().unwrap_or_else(|| "corpus".into()));
    let queries: Vec<String> = args.collect();
    let queries = if queries.is_empty() {
        vec!["hemifacial spasm".to_string()]
    } else {
        queries
    };

    let dir = std::env::temp_dir().join(format!("quire-embed-{}", std::process::id()));
    let report = quire::build_index(&dir, &[corpus], &quire::IndexOptions::default())?;
    println!(
        "indexed {} articles, {} sections",
        report.articles, report.sections
    );

    let index = quire::Index::open(&dir)?;
    let options = quire::SearchOptions {
        limit: 1,
        ..quire::SearchOptions::default()
    };
    for query in &queries {
        let results = index.search(query, &options)?;
        match results.hits.first() {
            Some(hit) => println!(
                "{query:?}: {} › {} ({}#{})\n    {}",
                hit.article.title,
                hit.section.label,
                hit.article.id,
                hit.section.anchor,
                hit.snippets[0].text
            ),
            None => println!("{query:?}: nothing"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
