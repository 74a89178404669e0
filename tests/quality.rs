//! Search quality from the command line: typos, prefixes, exclusions,
//! snippets, filters and paging.

mod util;

use serde_json::Value;
use util::{TestEnv, hit_labels, marked};

/// Asserts that the best hit is the medical examination and marks
/// "electromyography".
fn lands_on_electromyography(r: &Value) {
    assert_eq!(
        r["hits"][0]["section"]["label"],
        "Examine › Medical examination"
    );
    assert!(
        marked(&r["hits"][0])
            .iter()
            .any(|w| w == "electromyography")
    );
}

#[test]
fn typos_are_found_ranked_after_exact_matches_and_highlighted() {
    let env = TestEnv::indexed();
    let (code, r) = env.search_json_args(&["Janetta"]);
    assert_eq!(code, 0);
    let hit = &r["hits"][0];
    assert_eq!(hit["section"]["label"], "Cause");
    assert_eq!(hit["exact"], false);
    assert!(marked(hit).iter().any(|w| w == "Jannetta"), "{hit}");

    let (_, r) = env.search_json_args(&["electromyografy"]);
    lands_on_electromyography(&r);

    // One word exact, one with a typo.
    let (_, r) = env.search_json_args(&["vertigo", "tinitus"]);
    assert_eq!(
        r["hits"][0]["section"]["label"],
        "Diagnosis › Differential diagnosis"
    );

    // Exact matches always come first.
    let (_, r) = env.search_json_args(&["--limit", "50", "spasm"]);
    let flags: Vec<bool> = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["exact"].as_bool().unwrap())
        .collect();
    assert!(
        flags.windows(2).all(|w| w[0] || !w[1]),
        "exact first: {flags:?}"
    );

    let (code, r) = env.search_json_args(&["--exact", "Janetta"]);
    assert_eq!((code, r["total_hits"].as_u64()), (1, Some(0)));
}

#[test]
fn prefixes_expand_and_are_highlighted() {
    let env = TestEnv::indexed();
    let (code, r) = env.search_json_args(&["electromyo*"]);
    assert_eq!(code, 0);
    lands_on_electromyography(&r);
    let (_, r) = env.search_json_args(&["repositio*"]);
    assert_eq!(r["hits"][0]["article"]["id"], "vertigo.txt");
}

#[test]
fn excluded_phrases_exclude_only_the_phrase() {
    let env = TestEnv::indexed();
    let (_, r) = env.search_json_args(&["--", "colchicine", "-\"gout attack\""]);
    assert_eq!(r["total_hits"], 1, "no section says 'gout attack'");
    let (code, r) = env.search_json_args(&["--", "colchicine", "-\"acute attack\""]);
    assert_eq!((code, r["total_hits"].as_u64()), (1, Some(0)));
}

#[test]
fn only_a_heading_match_shows_the_opening_text() {
    let env = TestEnv::indexed();
    let (_, r) = env.search_json_args(&["section:prognosis"]);
    let hit = &r["hits"][0];
    assert_eq!(hit["section"]["label"], "Prognosis");
    let text = hit["snippets"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Sleeping problems from night-time pain"),
        "{text}"
    );
    assert!(
        hit["snippets"][0]["highlights"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn json_gives_up_to_three_snippets_and_text_one() {
    let env = TestEnv::indexed();
    let (_, r) = env.search_json_args(&["--snippet-chars", "60", "hemifacial"]);
    let snippets = r["hits"][0]["snippets"].as_array().unwrap();
    assert!(snippets.len() > 1 && snippets.len() <= 3, "{snippets:?}");
    let run = env.run(&[
        "search",
        "--snippet-chars",
        "60",
        "--limit",
        "1",
        "hemifacial",
    ]);
    assert_eq!(run.stdout.lines().count(), 3, "{run:?}");
    let run = env.run(&[
        "search",
        "--snippets",
        "2",
        "--snippet-chars",
        "60",
        "--limit",
        "1",
        "hemifacial",
    ]);
    assert_eq!(run.stdout.lines().count(), 4, "{run:?}");
    for snippet in snippets {
        assert!(snippet["text"].as_str().unwrap().chars().count() <= 62);
        let highlights = snippet["highlights"].as_array().unwrap();
        // Every snippet of a hit is cut around a match: none is unmarked.
        assert!(!highlights.is_empty(), "{snippet}");
        for h in highlights {
            assert!(h["char_end"].as_u64() > h["char_start"].as_u64());
        }
    }
}

#[test]
fn paging_continues_where_the_last_page_ended() {
    let env = TestEnv::indexed();
    let (_, all) = env.search_json_args(&["--limit", "6", "the"]);
    let (_, page) = env.search_json_args(&["--limit", "3", "--offset", "3", "the"]);
    assert_eq!(hit_labels(&page), hit_labels(&all)[3..6]);
    assert_eq!(page["offset"], 3);
    assert_eq!(page["hits"][0]["rank"], 4);
    assert_eq!(page["total_hits"], all["total_hits"]);
    let (code, past) = env.search_json_args(&["--offset", "1000", "the"]);
    assert_eq!(code, 1);
    assert_eq!(past["hits"].as_array().unwrap().len(), 0);
    env.run(&["search", "--offset", "-1", "x"])
        .assert_error("must be 0 or more");
}

#[test]
fn per_article_keeps_the_best_sections_and_counts_the_rest() {
    let env = TestEnv::indexed();
    let (_, r) = env.search_json_args(&["--per-article", "1", "--limit", "10", "the"]);
    let hits = r["hits"].as_array().unwrap();
    let ids: Vec<&str> = hits
        .iter()
        .map(|h| h["article"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "one per article: {ids:?}");
    let shown_and_more: u64 = hits
        .iter()
        .map(|h| 1 + h["more_in_article"].as_u64().unwrap())
        .sum();
    assert_eq!(shown_and_more, r["total_hits"].as_u64().unwrap());
    let run = env.run(&["search", "--per-article", "1", "the"]);
    assert!(
        run.stdout.contains("more sections in this article)"),
        "{run:?}"
    );
}

#[test]
fn article_and_section_filters() {
    let env = TestEnv::indexed();
    let (_, r) = env.search_json_args(&["--article", "GOUT", "attack"]);
    assert!(
        hit_labels(&r).iter().all(|l| l.starts_with("gout.txt ›")),
        "{r}"
    );
    let (_, r) = env.search_json_args(&["--article", "vertigo.txt", "treatment"]);
    assert_eq!(
        hit_labels(&r),
        [
            "vertigo.txt › Treatment",
            "vertigo.txt › Nursing › Home care"
        ]
    );
    let (_, r) = env.search_json_args(&["--section", "examine > medical", "nerve"]);
    assert_eq!(
        hit_labels(&r),
        ["facial-twitching.txt › Examine › Medical examination"]
    );
    let (code, _) = env.search_json_args(&["--article", "no such article", "the"]);
    assert_eq!(code, 1);
}

#[test]
fn a_word_typed_right_keeps_its_own_form_when_the_others_variants_fill_the_page() {
    let env = TestEnv::empty();
    let filler = "Each setting is described below with its default value and range. ".repeat(8);
    let mut page = String::from("# Settings\n\n");
    for n in 1..=3 {
        page += &format!("## Thread settings {n}\n\nThe parameters of a thread. {filler}\n\n");
    }
    for n in 1..=3 {
        page += &format!("## Walking {n}\n\nTread lightly on the parameters.\n\n");
    }
    env.write("corpus/threads.md", page);
    env.index();
    // `paramters` is in no section, `thread` is: its variants (`tread`)
    // are not looked for while those of `paramters` alone fill the page.
    let (code, r) = env.search_json_args(&["--limit", "3", "paramters", "thread"]);
    assert_eq!(code, 0);
    let labels = hit_labels(&r);
    assert_eq!(labels.len(), 3, "{r}");
    assert!(
        labels.iter().all(|l| l.contains("Thread settings")),
        "{labels:?}"
    );
    assert_eq!(
        r["total_hits"], 3,
        "the sections with `tread` are not counted"
    );
    // A page the thread sections do not fill takes every word's variants.
    let (_, r) = env.search_json_args(&["--limit", "5", "paramters", "thread"]);
    let labels = hit_labels(&r);
    assert_eq!(r["total_hits"], 6, "{labels:?}");
    assert!(labels.iter().any(|l| l.contains("Walking")), "{labels:?}");
}

#[test]
fn a_relaxed_search_still_tolerates_typos() {
    let env = TestEnv::indexed();
    // No section has both, even with typos: any word, exact ones first,
    // then the typo'd one.
    let (code, r) = env.search_json_args(&["colchisine", "electromyography"]);
    assert_eq!(code, 0);
    assert_eq!(r["relaxed"], true);
    let labels = hit_labels(&r);
    assert_eq!(
        labels[0],
        "facial-twitching.txt › Examine › Medical examination"
    );
    assert!(
        labels.contains(&"gout.txt › Treatment › Drug treatment".to_string()),
        "{labels:?}"
    );
    assert_eq!(r["hits"][0]["exact"], true);
}

#[test]
fn all_words_or_else_any_word_with_a_note() {
    let env = TestEnv::indexed();
    let run = env.run(&["search", "--exact", "electromyography", "colchicine"]);
    run.assert_code(0);
    assert_eq!(
        run.stderr,
        "quire: no section has every word; showing those with the most of them\n"
    );
}

#[test]
fn nothing_found_suggests_the_nearest_words() {
    let env = TestEnv::indexed();
    // "goat" is too short for a typo, so it finds nothing.
    let (code, r) = env.search_json_args(&["goat", "attack"]);
    assert_eq!(code, 0, "attack alone matches (relaxed)");
    assert_eq!(r["suggestion"], Value::Null);
    let (code, r) = env.search_json_args(&["goat"]);
    assert_eq!(code, 1);
    assert_eq!(r["suggestion"], "gout");
    let run = env.run(&["search", "goat", "-tinnitus"]);
    assert_eq!(
        run.stderr,
        "quire: no section matches \"goat -tinnitus\"; did you mean \"gout -tinnitus\"?\n"
    );
    let (_, r) = env.search_json_args(&["qqqqqqq"]);
    assert_eq!(r["suggestion"], Value::Null);
}

#[test]
fn as_the_user_types_the_last_word_completes() {
    let env = TestEnv::indexed();
    let index = quire::Index::open(env.path("index")).unwrap();
    let typing = quire::SearchOptions::default().prefix_last(true);
    let labels = |r: &quire::SearchResults| -> Vec<String> {
        r.hits.iter().map(|h| h.section.label.clone()).collect()
    };

    // A word being typed finds the words it starts, marked whole.
    let r = index.search("hemif", &typing).unwrap();
    assert_eq!(r.hits[0].section.label, "Cause");
    let s = &r.hits[0].snippets[0];
    let marked: Vec<&str> = s
        .highlights
        .iter()
        .map(|h| &s.text[h.start..h.end])
        .collect();
    assert!(marked.contains(&"hemifacial"), "{marked:?}");
    // Searched as typed, or once white space follows it, it is a word.
    let plain = quire::SearchOptions::default();
    assert_eq!(index.search("hemif", &plain).unwrap().total_hits, 0);
    assert_eq!(index.search("hemif ", &typing).unwrap().total_hits, 0);
    // Only the last word completes: no section has "hemif".
    let r = index.search("hemif spasm", &typing).unwrap();
    assert!(r.relaxed && r.hits.iter().all(|h| h.missing == ["hemif"]));
    // A word typed whole ranks as it does once the space follows it.
    for query in ["uric acid", "facial nerve", "vertigo"] {
        assert_eq!(
            labels(&index.search(query, &typing).unwrap())[..1],
            labels(&index.search(query, &plain).unwrap())[..1],
            "{query}"
        );
    }
    // A typo'd last word that starts nothing still finds, with typos.
    let r = index.search("hemifcial", &typing).unwrap();
    assert!(r.total_hits > 0 && !r.hits[0].exact);
    // One letter completes nothing.
    assert_eq!(
        index.search("spasm h", &typing).unwrap().total_hits,
        index.search("spasm h", &plain).unwrap().total_hits
    );
}

#[test]
fn a_long_article_is_read_around_the_section_asked_for() {
    let env = TestEnv::indexed();
    let index = quire::Index::open(env.path("index")).unwrap();
    let whole = index
        .read("facial-twitching.txt", &quire::ReadOptions::default())
        .unwrap()
        .unwrap();
    assert!(
        !whole.partial
            && whole
                .sections
                .iter()
                .all(|s| !s.left_out && !s.text.is_empty())
    );
    // Room for one section: the one asked for keeps its text, the others
    // keep their headings.
    let at = &whole.sections[2];
    let budget = at.text.len();
    let read = index
        .read(
            "facial-twitching.txt",
            &quire::ReadOptions::default()
                .anchor(at.section.anchor.clone())
                .max_bytes(budget)
                .query("nerve"),
        )
        .unwrap()
        .unwrap();
    assert!(read.partial);
    assert_eq!(read.sections.len(), whole.sections.len());
    for (i, s) in read.sections.iter().enumerate() {
        assert_eq!(s.section.label, whole.sections[i].section.label);
        if i == 2 {
            assert_eq!(s.text, at.text);
        } else {
            assert!(
                s.left_out && s.text.is_empty() && s.highlights.is_empty(),
                "{s:?}"
            );
        }
    }
    // An article the index does not have.
    assert!(
        index
            .read("nothing.txt", &quire::ReadOptions::default())
            .unwrap()
            .is_none()
    );
}
