//! A query's whole path: parsing, analysis, typo and prefix expansion,
//! filters, paging, snippets, over an index of the corpus and the
//! fixtures. The first bytes choose the options, the rest is the query.
//! The only error allowed is a query error; every answer is well formed.

#![no_main]

use libfuzzer_sys::fuzz_target;
use quire::{Error, SearchOptions};

fuzz_target!(|bytes: &[u8]| {
    let [a, b, c, rest @ ..] = bytes else {
        return;
    };
    let Ok(query) = std::str::from_utf8(rest) else {
        return;
    };
    let mut options = SearchOptions::default()
        .limit(1 + usize::from(a % 20))
        .snippets(1 + usize::from(b % 4))
        .exact(c & 1 == 1);
    options.offset = usize::from(b / 4 % 30);
    options.snippet_chars = 10 + usize::from(*c) * 2;
    if c & 2 == 2 {
        options.per_article = Some(1 + usize::from(a / 20 % 3));
    }
    if c & 4 == 4 {
        options.section = Some(query.chars().take(8).collect());
    }
    if c & 8 == 8 {
        options.article = Some("asthma".into());
    }
    let results = match quire_fuzz::index().search(query, &options) {
        Ok(results) => results,
        Err(Error::Query(_)) => return,
        Err(err) => panic!("not a query error: {err}"),
    };
    assert!(results.hits.len() <= options.limit);
    assert!(results.total_hits >= results.hits.len() as u64);
    for (i, hit) in results.hits.iter().enumerate() {
        assert_eq!(hit.rank, options.offset + i + 1);
        assert!(hit.score.is_finite());
        assert!(hit.snippets.len() <= options.snippets);
        for snippet in &hit.snippets {
            let mut last = 0;
            for highlight in &snippet.highlights {
                assert!(highlight.start >= last && highlight.start < highlight.end);
                let marked = snippet
                    .text
                    .get(highlight.start..highlight.end)
                    .expect("highlights fall on characters");
                assert_eq!(
                    snippet.text[..highlight.start].chars().count(),
                    highlight.char_start
                );
                assert_eq!(
                    highlight.char_end - highlight.char_start,
                    marked.chars().count()
                );
                last = highlight.end;
            }
        }
    }
    serde_json::to_string(&results).expect("results serialize");
});
