//! Questions as people type them: stop words, synonyms, the relaxed
//! ranking and what the results say about words that matched nothing.

mod util;

use serde_json::Value;
use util::{SEED, TestEnv, hit_labels, marked};

/// An article where one section says a disease is not contagious and
/// another that something else is.
const CONTAGION: &str = "Scabies and eczema

Eczema

Eczema is not contagious: touching the rash of someone who has it does not pass it on. \
Moisturisers and steroid creams calm the itching.

Scabies

Scabies is contagious. Mites pass from skin to skin and burrow under it; the whole \
household is treated at once.

Vitamins

Vitamin D comes from sunlight on the skin. Vitamin A comes from carrots and liver and \
keeps the skin whole.
";

fn indexed_with(rules: Option<&str>) -> TestEnv {
    let env = TestEnv::new();
    env.write("corpus/contagion.txt", CONTAGION);
    match rules {
        Some(rules) => {
            env.write("rules.toml", rules);
            env.run(&["index", "--rules", "rules.toml"]).assert_code(0);
        }
        None => {
            env.index();
        }
    }
    env
}

fn first_label(r: &Value) -> String {
    hit_labels(r).into_iter().next().unwrap_or_default()
}

#[test]
fn question_words_decide_nothing_and_headings_count() {
    let env = TestEnv::empty();
    env.write("corpus/facial-twitching.txt", SEED);
    env.index();
    let (code, r) = env.search_json("what causes facial twitching");
    assert_eq!(code, 0);
    assert_eq!(first_label(&r), "facial-twitching.txt › Cause", "{r}");
    assert_eq!(r["hits"][0]["missing"], serde_json::json!([]));
    assert!(!marked(&r["hits"][0]).iter().any(|w| w == "what"));

    let env = indexed_with(None);
    // The question words alone would match every section: they count for
    // nothing, so the one word left decides.
    let (_, with) = env.search_json("where can I read about the tinnitus");
    let (_, without) = env.search_json("tinnitus");
    assert_eq!(hit_labels(&with), hit_labels(&without));
    assert_eq!(with["total_hits"], without["total_hits"]);
}

#[test]
fn negations_are_never_stop_words() {
    let env = indexed_with(None);
    let (code, r) = env.search_json("not contagious");
    assert_eq!(code, 0);
    assert_eq!(first_label(&r), "contagion.txt › Eczema", "{r}");
    let hits = r["hits"].as_array().unwrap();
    assert!(
        hits.iter().all(|h| marked(h).iter().any(|w| w == "not")),
        "every word counts: {r}"
    );
    assert!(marked(&r["hits"][0]).iter().any(|w| w == "not"));

    // A rules file may not make a negation a stop word.
    let env = TestEnv::new();
    env.write("rules.toml", "[stop_words]\nen = [\"no\"]\n");
    env.run(&["index", "--rules", "rules.toml"])
        .assert_code(2)
        .assert_error("\"no\" cannot be a stop word (en)");
    assert!(!env.path("index").join("meta.json").exists());
}

#[test]
fn stop_words_still_count_in_phrases_alone_and_beside_their_word() {
    let env = indexed_with(None);
    // Only stop words: every word counts.
    let (code, r) = env.search_json("to be or not to be");
    assert_eq!(code, 0, "{r}");
    assert!(r["total_hits"].as_u64().unwrap() >= 1);

    // A quoted phrase keeps its stop words.
    let (_, r) = env.search_json("\"is not contagious\"");
    assert_eq!(first_label(&r), "contagion.txt › Eczema", "{r}");
    let (_, r) = env.search_json("\"is contagious\"");
    assert_eq!(first_label(&r), "contagion.txt › Scabies", "{r}");

    // `a` decides nothing, but `vitamin a` ranks vitamin A first.
    let (_, r) = env.search_json("vitamin a");
    assert_eq!(first_label(&r), "contagion.txt › Vitamins");
    let marked = marked(&r["hits"][0]);
    assert!(
        marked.iter().all(|w| w.eq_ignore_ascii_case("vitamin")),
        "{marked:?}"
    );
}

#[test]
fn synonyms_are_found_both_ways_ranked_below_the_words_and_marked() {
    let rules = "synonyms = [[\"MVD\", \"microvascular decompression\"], \
                 [\"itch\", \"pruritus\"], [\"skin to skin\", \"direct contact\"]]\n\
                 [stop_words]\nen = [\"please\"]\n";
    let env = indexed_with(Some(rules));
    // An abbreviation finds the words it stands for, marked in the snippet.
    let (code, r) = env.search_json("MVD");
    assert_eq!(code, 0, "{r}");
    assert_eq!(first_label(&r), "facial-twitching.txt › Cause");
    let words = marked(&r["hits"][0]);
    assert!(words.iter().any(|w| w == "microvascular"), "{words:?}");
    assert!(words.iter().any(|w| w == "decompression"), "{words:?}");

    // A multi-word synonym, the other way round, and marked.
    let (_, r) = env.search_json("direct contact");
    assert_eq!(first_label(&r), "contagion.txt › Scabies", "{r}");
    let words = marked(&r["hits"][0]);
    assert!(
        words.iter().filter(|w| *w == "skin").count() >= 2,
        "{words:?}"
    );

    // A user's stop word decides nothing.
    let (_, with) = env.search_json("please mvd");
    assert_eq!(hit_labels(&with), hit_labels(&r_of(&env, "mvd")));

    // The rules stay with the index for every program that opens it ...
    let index = quire::Index::open(env.path("index")).unwrap();
    let results = index
        .search("pruritus", &quire::SearchOptions::default())
        .unwrap();
    assert_eq!(results.hits[0].section.label, "Eczema");
    // ... ranked below the word typed, when both are there.
    env.write(
        "corpus/pruritus.txt",
        "Pruritus\n\nPruritus\n\nPruritus is the itch of the skin.\n",
    );
    env.run(&["index", "--rules", "rules.toml"]).assert_code(0);
    let (_, r) = env.search_json("pruritus");
    assert_eq!(first_label(&r), "pruritus.txt › Pruritus", "{r}");

    // ... until an index run with other rules replaces them, and says so.
    let run = env.run(&["index"]);
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("search rules (stop words, synonyms) changed"),
        "{run:?}"
    );
    let (code, _) = env.search_json("mvd");
    assert_eq!(code, 1);
}

fn r_of(env: &TestEnv, query: &str) -> Value {
    env.search_json(query).1
}

#[test]
fn words_that_matched_nothing_are_named() {
    let env = indexed_with(None);
    let (code, r) = env.search_json("facial twitching zqxjv");
    assert_eq!(code, 0);
    assert_eq!(r["unmatched"], serde_json::json!(["zqxjv"]), "{r}");
    assert_eq!(r["relaxed"], true);
    assert_eq!(r["hits"][0]["missing"], serde_json::json!(["zqxjv"]));

    let run = env.run(&["search", "facial twitching zqxjv"]);
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("no section has \"zqxjv\"; showing sections with the other words"),
        "{run:?}"
    );
    assert!(run.stdout.contains("(missing: zqxjv)"), "{}", run.stdout);

    // Every word matched: nothing to say.
    let (_, r) = env.search_json("facial twitching");
    assert_eq!(r["unmatched"], serde_json::json!([]));
    assert_eq!(r["hits"][0]["missing"], serde_json::json!([]));

    // Nothing matched at all.
    let (code, r) = env.search_json("zqxjv");
    assert_eq!(code, 1);
    assert_eq!(r["unmatched"], serde_json::json!(["zqxjv"]));
}

#[test]
fn a_question_whose_words_no_section_has_all_of_lands_on_the_most_of_them() {
    let env = indexed_with(None);
    // No section has all four: the one with the rare ones comes first,
    // and says what it misses.
    let (code, r) = env.search_json("which creams calm eczema rashes quickly");
    assert_eq!(code, 0);
    assert_eq!(r["relaxed"], true);
    assert_eq!(first_label(&r), "contagion.txt › Eczema", "{r}");
    let missing = r["hits"][0]["missing"].as_array().unwrap();
    assert!(missing.iter().any(|w| w == "quickly"), "{r}");
}

#[test]
fn the_pages_of_a_question_follow_one_ranking() {
    let env = indexed_with(None);
    for query in [
        "what causes facial twitching",
        "how is vertigo treated in the elderly",
        "which creams calm eczema rashes quickly",
    ] {
        let (_, all) = env.search_json_args(&["--limit", "12", query]);
        let all = hit_labels(&all);
        let mut paged = Vec::new();
        for offset in (0..12).step_by(3) {
            let offset = offset.to_string();
            let (_, page) = env.search_json_args(&["--limit", "3", "--offset", &offset, query]);
            paged.extend(hit_labels(&page));
        }
        assert_eq!(paged, all, "{query}");
        assert!(all.len() > 3, "{query}: {all:?}");
    }
}
