//! Markdown and HTML articles, read from fixtures written for these tests,
//! must split into exactly the sections their headings say, and their
//! furniture (scripts, navigation, asides, footers, comments, URLs) must not
//! be searchable.

mod util;

use serde_json::{Value, json};
use util::TestEnv;

const ASTHMA: &str = include_str!("fixtures/formats/asthma.md");
const MIGRAINE: &str = include_str!("fixtures/formats/html/migraine.html");

fn env() -> TestEnv {
    let env = TestEnv::empty();
    env.write("docs/asthma.md", ASTHMA);
    env.write("docs/html/migraine.html", MIGRAINE);
    env
}

fn sections(split: &Value) -> Vec<(Value, String)> {
    split["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["path"].clone(), s["anchor"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn markdown_headings_give_the_section_paths() {
    let env = env();
    let run = env.run(&["split", "--json", "docs/asthma.md"]);
    run.assert_code(0);
    let split: Value = serde_json::from_str(&run.stdout).unwrap();
    let article = &split[0];
    assert_eq!(article["title"], "Asthma");
    assert_eq!(
        sections(article),
        [
            (json!([]), "asthma".to_string()),
            (json!(["Symptom"]), "symptom".to_string()),
            (json!(["Cause"]), "cause".to_string()),
            (
                json!(["Treatment", "Drug treatment"]),
                "drug-treatment".to_string()
            ),
            (
                json!(["Treatment", "Inhaler technique"]),
                "inhaler-technique".to_string()
            ),
            (
                json!(["Treatment", "Drug treatment"]),
                "drug-treatment-1".to_string()
            ),
            (json!(["Prognosis"]), "prognosis".to_string()),
        ]
    );
    let text = |i: usize| article["sections"][i]["text"].as_str().unwrap().to_string();
    assert!(text(2).contains("See the trigger list for more."));
    assert!(!text(2).contains("example.org") && !text(2).contains("reviewed"));
    assert!(text(3).contains("salbutamol reliever inhaler"));
    assert!(text(4).contains("# This is a code comment, not a heading\npeak flow: 450 L/min"));
}

#[test]
fn html_headings_give_the_section_paths_and_ids() {
    let env = env();
    let run = env.run(&["split", "--json", "docs/html/migraine.html"]);
    run.assert_code(0);
    let split: Value = serde_json::from_str(&run.stdout).unwrap();
    let article = &split[0];
    assert_eq!(article["title"], "Migraine");
    assert_eq!(
        sections(article),
        [
            (json!([]), "migraine".to_string()),
            (json!(["Symptoms"]), "symptoms".to_string()),
            (json!(["Symptoms", "Aura"]), "aura".to_string()),
            (json!(["Treatment"]), "treatment".to_string()),
            (
                json!(["Treatment", "Preventing attacks"]),
                "prevention-drugs".to_string()
            ),
        ]
    );
    assert_eq!(
        article["sections"][0]["text"],
        "A migraine is a moderate or severe headache felt as a throbbing pain on one side of the head & often with nausea."
    );
    assert_eq!(article["sections"][4]["text"], "Propranolol\n\nTopiramate");
}

#[test]
fn a_folder_of_mixed_formats_is_indexed_and_searched() {
    let env = env();
    env.write("docs/notes.rst", "not an article format");
    let run = env.run(&["index", "docs"]);
    run.assert_code(0);
    assert!(
        run.stderr
            .starts_with("index: 2 articles, 12 sections; 2 added"),
        "{run:?}"
    );
    let top = |query: &str| {
        let run = env.run(&["search", "--json", query]);
        let r: Value = serde_json::from_str(&run.stdout).unwrap();
        r["hits"].as_array().unwrap().first().map(|h| {
            (
                h["article"]["id"].as_str().unwrap().to_string(),
                h["section"]["label"].as_str().unwrap().to_string(),
            )
        })
    };
    let hit = |id: &str, label: &str| Some((id.to_string(), label.to_string()));
    assert_eq!(
        top("salbutamol"),
        hit("asthma.md", "Treatment › Drug treatment")
    );
    assert_eq!(
        top("spacer"),
        hit("asthma.md", "Treatment › Drug treatment")
    );
    assert_eq!(top("sumatriptan"), hit("html/migraine.html", "Treatment"));
    assert_eq!(top("zigzag"), hit("html/migraine.html", "Symptoms"));
    // Furniture and markup are not indexed.
    for absent in [
        "tracker",
        "teal",
        "Advertisement",
        "banner",
        "Copyright",
        "example",
        "reviewed",
        "Permalink",
    ] {
        assert_eq!(top(absent), None, "{absent} should not be indexed");
    }
}
