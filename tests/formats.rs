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

/// A DocBook page as Debian's PostgreSQL and Debian Reference manuals are
/// built (ids on the enclosing `div.sect1`/`div.sect2` and on `<a id/>`
/// inside the heading, a navigation header, the page's table of contents,
/// admonitions with headings), and a Javadoc page (a title with the
/// release in parentheses, a module and package line, `<br>` in a heading).
const DOCBOOK: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>7.2. Tide Tables</title></head>
<body id="docContent"><div class="navheader"><table summary="Navigation header">
<tr><th colspan="3">7.2. Tide Tables</th></tr><tr><td><a accesskey="p" href="moon.html">Prev</a></td>
<th>Chapter 7. Harbours</th><td><a accesskey="n" href="locks.html">Next</a></td></tr></table><hr/></div>
<div class="sect1" id="TIDE-TABLES"><div class="titlepage"><div><div><h2 class="title">7.2. Tide Tables</h2></div></div></div>
<div class="toc"><dl class="toc"><dt><span class="sect2"><a href="tides.html#TIDE-SPRING">7.2.1. Spring Tides</a></span></dt></dl></div>
<p>Harbour masters publish tables of high and low water.</p>
<div class="sect2" id="TIDE-SPRING"><div class="titlepage"><div><div><h3 class="title">7.2.1. Spring Tides</h3></div></div></div>
<p>Spring tides follow the full moon.</p>
<div class="note"><h3 class="title">Note</h3><p>Neap tides are the weakest of the month.</p></div>
</div>
<div class="section"><div class="titlepage"><div><div><h3 class="title"><a id="_slack_water"/>7.2.2. Slack Water</h3></div></div></div>
<p>Slack water lasts minutes.</p></div></div>
<div class="navfooter"><hr/><table summary="Navigation footer"><tr><td><a href="index.html">Home</a></td></tr></table></div>
</body></html>"##;

const JAVADOC: &str = r##"<!DOCTYPE HTML><html lang="en"><head><title>Anchor (Harbour SE 3 &amp; HDK 3)</title></head>
<body class="class-declaration-page"><div class="flex-box"><header role="banner" class="flex-header"><nav>Overview Class Use Tree</nav></header>
<div class="flex-content"><main role="main"><div class="header">
<div class="sub-title"><span class="module-label-in-type">Module</span>&nbsp;<a href="../module-summary.html">harbour.base</a></div>
<div class="sub-title"><span class="package-label-in-type">Package</span>&nbsp;<a href="package-summary.html">harbour.gear</a></div>
<h1 title="Class Anchor" class="title">Class Anchor&lt;W&gt;</h1></div>
<section class="class-description" id="class-description"><div class="block">An anchor holds a vessel in place.</div></section>
<section class="details"><section class="method-details" id="method-detail"><h2>Method Details</h2>
<ul class="member-list"><li><section class="detail" id="drop(int)"><h3>drop</h3><div class="block">Lets the anchor fall to the sea bed.</div></section></li></ul>
</section></section><h2>Uses of Class<br>harbour.gear.Anchor</h2><p>None.</p></main></div></div></body></html>"##;

#[test]
fn docbook_and_javadoc_pages_link_to_ids_they_have_and_index_only_content() {
    let env = TestEnv::empty();
    env.write("site/tides.html", DOCBOOK);
    env.write("site/Anchor.html", JAVADOC);
    let run = env.run(&["split", "--json", "site/tides.html", "site/Anchor.html"]);
    run.assert_code(0);
    let split: Value = serde_json::from_str(&run.stdout).unwrap();
    let shape = |article: &Value| -> Vec<(Value, String, bool)> {
        article["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["path"].clone(),
                    s["anchor"].as_str().unwrap().to_string(),
                    s["anchor_in_page"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let docbook = &split[0];
    assert_eq!(docbook["title"], "7.2. Tide Tables");
    assert_eq!(
        shape(docbook),
        [
            (json!([]), "TIDE-TABLES".to_string(), true),
            (
                json!(["7.2.1. Spring Tides"]),
                "TIDE-SPRING".to_string(),
                true
            ),
            (
                json!(["7.2.2. Slack Water"]),
                "_slack_water".to_string(),
                true
            ),
        ]
    );
    let text = |a: &Value, i: usize| a["sections"][i]["text"].as_str().unwrap().to_string();
    assert_eq!(
        text(docbook, 0),
        "Harbour masters publish tables of high and low water."
    );
    assert!(text(docbook, 1).contains("Note\n\nNeap tides are the weakest"));
    let all = docbook.to_string();
    for furniture in ["Prev", "Next", "Home", "Chapter 7. Harbours"] {
        assert!(!all.contains(furniture), "{furniture} indexed: {all}");
    }
    let javadoc = &split[1];
    assert_eq!(javadoc["title"], "Anchor");
    assert_eq!(
        shape(javadoc),
        [
            (json!([]), "class-description".to_string(), true),
            (
                json!(["Method Details", "drop"]),
                "drop(int)".to_string(),
                true
            ),
            (
                json!(["Uses of Class harbour.gear.Anchor"]),
                "uses-of-class-harbourgearanchor".to_string(),
                false
            ),
        ]
    );
    assert_eq!(text(javadoc, 0), "An anchor holds a vessel in place.");
    assert!(!javadoc.to_string().contains("harbour.base"));
}

#[test]
fn hits_link_to_their_section_on_the_site() {
    let env = TestEnv::empty();
    env.write("site/guide/tides.html", DOCBOOK);
    env.write(
        "notes/moon.md",
        "# Moon\n\nThe moon pulls the tides.\n\n## Phases, new & full\n\nA neap tide at the half moon.\n",
    );
    env.run(&[
        "index",
        "site",
        "notes",
        "--base-url",
        "https://harbour.example/docs",
        "--base-url",
        "/notes/",
    ])
    .assert_code(0);
    let run = env.run(&["search", "--json", "spring tides full moon"]);
    run.assert_code(0);
    let results: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        results["hits"][0]["url"],
        "https://harbour.example/docs/guide/tides.html#TIDE-SPRING"
    );
    let run = env.run(&["search", "--json", "moon pulls"]);
    let results: Value = serde_json::from_str(&run.stdout).unwrap();
    // A slug is not in the page: the link opens the page.
    assert_eq!(results["hits"][0]["url"], "/notes/moon.md");
    assert_eq!(results["hits"][0]["section"]["anchor_in_page"], false);
    // A heading with no id in its page: the link finds its words.
    let run = env.run(&["search", "--json", "neap half"]);
    let results: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        results["hits"][0]["url"],
        "/notes/moon.md#:~:text=Phases%2C%20new%20%26%20full"
    );
    assert_eq!(results["hits"][0]["section"]["anchor_in_page"], false);
    let text = env.run(&["search", "spring tides"]);
    assert!(
        text.stdout
            .contains("https://harbour.example/docs/guide/tides.html#TIDE-SPRING"),
        "{text:?}"
    );
    // Indexing again without the option keeps the URLs.
    env.run(&["index", "site", "notes"]).assert_code(0);
    let run = env.run(&["search", "--json", "slack water"]);
    let results: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        results["hits"][0]["url"],
        "https://harbour.example/docs/guide/tides.html#_slack_water"
    );
    let bad = env.run(&["index", "site", "--base-url", "javascript://x"]);
    bad.assert_code(2);
    assert!(
        bad.stderr.contains("--base-url 'javascript://x'"),
        "{bad:?}"
    );
    let mismatch = env.run(&["index", "site", "notes", "--base-url", "/x/"]);
    mismatch.assert_code(2);
    assert!(mismatch.stderr.contains("2 folders, 1 URL"), "{mismatch:?}");
}

#[test]
fn split_check_reports_anchors_and_furniture_for_a_folder() {
    let env = TestEnv::empty();
    env.write("site/guide/tides.html", DOCBOOK);
    env.write(
        "site/plain.html",
        "<title>Plain</title><h1>Plain</h1><p>Top.</p><h2>Note</h2><p>A note.</p>\
         <h2>Later</h2><p>More.</p>",
    );
    let run = env.run(&["split", "--check", "site"]);
    run.assert_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "2 articles, 6 sections", "{run:?}");
    assert_eq!(lines[1], "anchors in their page: 3 of 6 (50.0%)", "{run:?}");
    assert!(
        lines[2].starts_with("links that land on their section: 66.7% (with 1 title"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains(
            "slug (the page has no id for them; links find their heading's words, #:~:text=): 2\n"
        ),
        "{run:?}"
    );
    assert!(run.stdout.contains("site/plain.html#note  Note"), "{run:?}");
    assert!(
        run.stdout
            .contains("furniture (contents, notes, navigation): 1\n"),
        "{run:?}"
    );
    assert_eq!(run.stderr, "");
}
