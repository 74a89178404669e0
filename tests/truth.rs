//! The ranking truth file: `tests/truth.toml` lists queries and the article
//! and section that must come first. Run through the library, on indexes
//! built by the binary from the shipped corpus and the fixtures.

mod util;

use serde::Deserialize;
use util::TestEnv;

#[derive(Deserialize)]
struct Truth {
    case: Vec<Case>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Case {
    query: String,
    corpus: String,
    article: Option<String>,
    section: Option<Vec<String>>,
    hits: Option<usize>,
    #[serde(default)]
    relaxed: bool,
    #[serde(default)]
    exact: bool,
    article_filter: Option<String>,
    section_filter: Option<String>,
}

#[test]
fn truth_file_queries_rank_the_expected_section_first() {
    let truth: Truth = toml::from_str(include_str!("truth.toml")).expect("truth.toml parses");
    assert!(truth.case.len() >= 12);

    let env = TestEnv::new();
    env.run(&["index", "corpus/facial-twitching.txt", "--index", "seed"])
        .assert_code(0);
    env.run(&["index", "corpus", "--index", "all"])
        .assert_code(0);
    let seed = quire::Index::open(env.path("seed")).unwrap();
    let all = quire::Index::open(env.path("all")).unwrap();

    let mut failures = Vec::new();
    for case in &truth.case {
        let index = match case.corpus.as_str() {
            "seed" => &seed,
            "all" => &all,
            other => panic!("unknown corpus {other:?} in {case:?}"),
        };
        let mut options = quire::SearchOptions::default().exact(case.exact);
        options.article = case.article_filter.clone();
        options.section = case.section_filter.clone();
        let results = index.search(&case.query, &options).unwrap();
        let got = results
            .hits
            .first()
            .map(|h| (h.article.id.clone(), h.section.path.clone()));
        let ok = match (&case.hits, &case.article, &case.section) {
            (Some(0), None, None) => results.hits.is_empty(),
            (None, Some(article), Some(section)) => {
                got.as_ref() == Some(&(article.clone(), section.clone()))
                    && results.relaxed == case.relaxed
            }
            _ => panic!("a case wants either hits = 0 or article and section: {case:?}"),
        };
        if !ok {
            failures.push(format!(
                "{:?} ({}): got {got:?} (relaxed: {}), want {:?} {:?}",
                case.query, case.corpus, results.relaxed, case.article, case.section
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "truth failures:\n{}",
        failures.join("\n")
    );
}
