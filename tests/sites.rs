//! Pages as documentation generators build them, one fixture each
//! (`tests/fixtures/sites/NAME.html`, written for these tests after each
//! generator's own templates), must split into the sections a reader sees:
//! the title without the site's name, the paths without the title, every
//! anchor an `id` the page has, and none of the page's furniture
//! (navigation, tables of contents, breadcrumbs, edit and feedback links,
//! cookie banners) indexed. `NAME.json` says what each page should give;
//! its `known_gaps` are furniture still indexed, not checked here.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use serde_json::Value;

const FIXTURES: &str = "tests/fixtures/sites";

/// Every `id` and anchor `name` in the page, found apart from quire's
/// reader: a crude scan of the attributes as written.
fn ids_in(html: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    for attr in [" id=", " name=", "\nid=", "\tid="] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next(),
                _ => rest.split([' ', '>', '/']).next(),
            };
            if let Some(value) = value {
                ids.insert(decode_entities(value.trim()));
            }
        }
    }
    ids
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// What is wrong with the split of one fixture, if anything.
fn check(name: &str) -> Vec<String> {
    let html_path = Path::new(FIXTURES).join(format!("{name}.html"));
    let expected: Value = serde_json::from_str(
        &fs::read_to_string(Path::new(FIXTURES).join(format!("{name}.json"))).unwrap(),
    )
    .unwrap();
    let html = fs::read_to_string(&html_path).unwrap();
    let (article, _) = quire::split_file(&quire::Splitter::default(), &html_path).unwrap();
    let mut problems = Vec::new();
    if article.title != expected["title"].as_str().unwrap() {
        problems.push(format!(
            "title {:?}, expected {:?}",
            article.title, expected["title"]
        ));
    }
    let got: Vec<(Vec<String>, String)> = article
        .sections
        .iter()
        .map(|s| (s.path.clone(), s.anchor.clone()))
        .collect();
    let want: Vec<(Vec<String>, String)> = expected["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let path = s["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap().to_string())
                .collect();
            (path, s["anchor"].as_str().unwrap().to_string())
        })
        .collect();
    if got != want {
        problems.push(format!("sections\n  got      {got:?}\n  expected {want:?}"));
    }
    let ids = ids_in(&html);
    for section in &article.sections {
        let in_page = ids.contains(&section.anchor);
        if section.anchor_in_page != in_page {
            problems.push(format!(
                "anchor {:?} says in page {}, the page says {in_page}",
                section.anchor, section.anchor_in_page
            ));
        }
    }
    let indexed: Vec<&str> = std::iter::once(article.title.as_str())
        .chain(article.sections.iter().flat_map(|s| {
            s.path
                .iter()
                .map(String::as_str)
                .chain([s.text.as_str(), s.label.as_str()])
        }))
        .collect();
    let folded = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let indexed: Vec<String> = indexed.into_iter().map(folded).collect();
    for present in expected["present"].as_array().unwrap() {
        let present = folded(present.as_str().unwrap());
        if !indexed.iter().any(|t| t.contains(&present)) {
            problems.push(format!("{present:?} is not indexed"));
        }
    }
    for absent in expected["absent"].as_array().unwrap() {
        let absent = absent.as_str().unwrap();
        if let Some(t) = indexed.iter().find(|t| t.contains(absent)) {
            let at = t.find(absent).unwrap();
            let from = t[..at].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
            problems.push(format!(
                "{absent:?} is indexed: …{}…",
                &t[from..(at + absent.len()).min(t.len())]
            ));
        }
    }
    problems
}

#[test]
fn every_generator_splits_as_a_reader_sees_it() {
    let mut names: Vec<String> = fs::read_dir(FIXTURES)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            (path.extension()? == "html").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    assert!(names.len() >= 13, "fixtures: {names:?}");
    let report: Vec<String> = names
        .iter()
        .filter_map(|name| {
            let problems = check(name);
            (!problems.is_empty()).then(|| format!("{name}:\n  {}", problems.join("\n  ")))
        })
        .collect();
    assert!(report.is_empty(), "{}", report.join("\n\n"));
}
