//! `quire export`: every section exactly once, with the fields it was
//! indexed with, as NDJSON or an Elasticsearch bulk body; a failed export
//! leaves an earlier output file whole.

mod util;

use std::collections::HashSet;

use quire::ExportedSection;
use serde_json::Value;
use util::TestEnv;

fn exported(stdout: &str) -> Vec<ExportedSection> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn ndjson_round_trips_every_section_once() {
    let env = TestEnv::indexed();
    env.write(
        "corpus/asthma.md",
        "# Asthma\n\n## Triggers\n\nPollen.\n\n## Triggers\n\nSmoke.\n",
    );
    env.index();
    let run = env.run(&["export"]);
    run.assert_code(0);
    let sections = exported(&run.stdout);

    // The same sections the splitter makes, with the same fields.
    let split = env.run(&[
        "split",
        "--json",
        "corpus/facial-twitching.txt",
        "corpus/gout.txt",
        "corpus/vertigo.txt",
        "corpus/asthma.md",
    ]);
    let split: Value = serde_json::from_str(&split.stdout).unwrap();
    let mut expected = Vec::new();
    for article in split.as_array().unwrap() {
        let id = article["source"]
            .as_str()
            .unwrap()
            .trim_start_matches("corpus/");
        for s in article["sections"].as_array().unwrap() {
            expected.push((
                id.to_string(),
                s["ordinal"].as_u64().unwrap(),
                article["title"].as_str().unwrap().to_string(),
                s["label"].as_str().unwrap().to_string(),
                s["anchor"].as_str().unwrap().to_string(),
                s["text"].as_str().unwrap().to_string(),
            ));
        }
    }
    let mut got: Vec<_> = sections
        .iter()
        .map(|s| {
            (
                s.article_id.clone(),
                s.ordinal,
                s.title.clone(),
                s.label.clone(),
                s.anchor.clone(),
                s.text.clone(),
            )
        })
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(expected.len(), 22);

    let ids: HashSet<&str> = sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), sections.len(), "ids are unique");
    for s in &sections {
        assert_eq!(s.id, format!("{}#{}", s.article_id, s.anchor));
        assert_eq!(s.label, s.headings.join(quire::LABEL_SEPARATOR));
        assert_eq!(s.source, format!("corpus/{}", s.article_id));
    }
    // Each article's sections together and in order; the same bytes twice.
    let order: Vec<(&str, u64)> = sections
        .iter()
        .map(|s| (s.article_id.as_str(), s.ordinal))
        .collect();
    for pair in order.windows(2) {
        let ((a, i), (b, j)) = (pair[0], pair[1]);
        assert!(a != b || j == i + 1, "{order:?}");
    }
    assert_eq!(env.run(&["export"]).stdout, run.stdout);
}

#[test]
fn es_bulk_pairs_an_action_with_each_section() {
    let env = TestEnv::indexed();
    let run = env.run(&["export", "--format", "es-bulk", "--es-index", "articles"]);
    run.assert_code(0);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2 * 20);
    for pair in lines.chunks(2) {
        let action = &pair[0]["index"];
        assert_eq!(action["_index"], "articles");
        assert_eq!(action["_id"], pair[1]["id"]);
        assert!(pair[1]["text"].is_string());
    }
}

#[test]
fn output_file_is_replaced_only_by_a_complete_export() {
    let env = TestEnv::indexed();
    let run = env.run(&["export", "--output", "sections.ndjson"]);
    run.assert_code(0);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("wrote 20 sections"), "{run:?}");
    let first = std::fs::read_to_string(env.path("sections.ndjson")).unwrap();
    assert_eq!(exported(&first).len(), 20);

    // A missing index: a one-line error, and the earlier export untouched.
    env.run(&[
        "export",
        "--index",
        "nowhere",
        "--output",
        "sections.ndjson",
    ])
    .assert_code(2)
    .assert_error("no index at 'nowhere'");
    assert_eq!(
        std::fs::read_to_string(env.path("sections.ndjson")).unwrap(),
        first
    );
    env.run(&["export", "--output", "no/such/folder/out.ndjson"])
        .assert_code(2)
        .assert_error("No such file or directory");
    let leftovers: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn scale_out_mappings_name_exactly_the_exported_fields() {
    // With a base URL, so that every field there is is exported.
    let env = TestEnv::new();
    env.run(&["index", "corpus", "--base-url", "https://example.org/"])
        .assert_code(0);
    let run = env.run(&["export"]);
    let line: Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
    let mut exported: Vec<String> = line.as_object().unwrap().keys().cloned().collect();
    exported.sort();

    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mapping: Value = serde_json::from_str(
        &std::fs::read_to_string(docs.join("elasticsearch-mapping.json")).unwrap(),
    )
    .unwrap();
    let mut es: Vec<String> = mapping["mappings"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    es.sort();
    assert_eq!(es, exported);

    let quickwit = std::fs::read_to_string(docs.join("quickwit-index.yaml")).unwrap();
    let mut qw: Vec<String> = quickwit
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- name: "))
        .map(str::to_string)
        .collect();
    qw.sort();
    assert_eq!(qw, exported);
}
