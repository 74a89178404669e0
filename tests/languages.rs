//! Every language: Chinese and Japanese text found with queries typed
//! without spaces, each article stemmed in its own language (declared or
//! detected), `--lang` at index and search time, and folders whose files
//! have the same names. The articles are `tests/fixtures/languages/`.

mod util;

use serde_json::Value;
use util::TestEnv;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/languages");

/// A folder with the language fixtures in `articles/`, indexed.
fn indexed(extra: &[&str]) -> TestEnv {
    let env = TestEnv::empty();
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        env.write(&format!("articles/{name}"), std::fs::read(&path).unwrap());
    }
    let mut args = vec!["index", "articles"];
    args.extend_from_slice(extra);
    env.run(&args).assert_code(0);
    env
}

/// The best hit's article id, language, anchor and the words marked in
/// its first snippet.
fn best(results: &Value) -> (String, String, String, Vec<String>) {
    let hit = &results["hits"][0];
    let snippet = &hit["snippets"][0];
    let text: Vec<char> = snippet["text"].as_str().unwrap().chars().collect();
    let marked = snippet["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let (from, to) = (
                h["char_start"].as_u64().unwrap() as usize,
                h["char_end"].as_u64().unwrap() as usize,
            );
            text[from..to].iter().collect()
        })
        .collect();
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (
        s(&hit["article"]["id"]),
        s(&hit["article"]["lang"]),
        s(&hit["section"]["anchor"]),
        marked,
    )
}

/// That `query`, searched without typos, has as its best hit the section
/// `anchor` of `article`, in `lang`, with `marked` marked in its snippet.
fn assert_best(
    env: &TestEnv,
    (query, article, lang, anchor, marked): (&str, &str, &str, &str, &str),
) {
    let (code, results) = env.search_json_args(&["--exact", query]);
    assert_eq!(code, 0, "{query}: {results}");
    let (id, got_lang, got_anchor, got_marked) = best(&results);
    assert_eq!(
        (id.as_str(), got_lang.as_str(), got_anchor.as_str()),
        (article, lang, anchor),
        "{query}"
    );
    assert!(
        got_marked.iter().any(|m| m == marked),
        "{query}: {got_marked:?}"
    );
}

#[test]
fn chinese_and_japanese_are_found_inside_unbroken_text() {
    let env = indexed(&[]);
    // Runs cut from the middle of sentences written without spaces; the
    // run is marked whole, as one stretch.
    for case in [
        ("软件包列表", "zh.html", "zh", "install", "软件包列表"),
        ("配置文件", "zh.html", "zh", "remove", "配置文件"),
        ("自動削除", "ja.md", "ja", "old-kernels", "自動削除"),
        ("セキュリティ", "ja.md", "ja", "updates", "セキュリティ"),
    ] {
        assert_best(&env, case);
    }
    // A run the text does not hold in that order finds nothing.
    let (code, _) = env.search_json_args(&["--exact", "列表软件"]);
    assert_eq!(code, 1);
}

#[test]
fn an_inflected_word_finds_its_section_in_each_language() {
    let env = indexed(&[]);
    // Each query word is a form the article does not have, which English
    // stemming leaves apart from the one it has (the reader checks the
    // languages: de and ru are detected, the others declared).
    for case in [
        ("Bibliothek", "de.html", "de", "einspielen", "Bibliotheken"),
        ("installé", "fr.md", "fr", "maj", "installe"),
        ("descargar", "es.html", "es", "actualizar", "descarga"),
        ("transferir", "pt.md", "pt", "atualizacoes", "transfere"),
        (
            "зависимостей",
            "ru.txt",
            "ru",
            "обновление-системы",
            "зависимости",
        ),
    ] {
        assert_best(&env, case);
    }
}

#[test]
fn an_inflected_title_or_heading_word_is_stemmed_in_its_language() {
    let env = indexed(&[]);
    // The title alone has the word, in another form than typed (English
    // stemming leaves `paketverwaltungen` and `paketverwaltung` apart).
    let (code, results) = env.search_json_args(&["--exact", "Paketverwaltungen"]);
    assert_eq!(code, 0, "{results}");
    assert_eq!(results["hits"][0]["article"]["id"], "de.html", "{results}");
    // A heading word in another form gets the bonus of a heading that
    // holds the query's words, as the form written does (stemmed as
    // English, it had a third of that score: the body's match alone).
    let score = |query: &str| {
        let (code, results) = env.search_json_args(&["--exact", query]);
        assert_eq!(code, 0, "{results}");
        let best = &results["hits"][0];
        assert_eq!(best["section"]["anchor"], "quellen", "{results}");
        best["score"].as_f64().unwrap()
    };
    let (inflected, written) = (score("Paketquelle"), score("Paketquellen"));
    assert!(inflected > 0.6 * written, "{inflected} against {written}");
    // Scoped to the headings or the title, as well.
    let (code, results) = env.search_json_args(&["--exact", "section:Paketquelle"]);
    assert_eq!(code, 0, "{results}");
    assert_eq!(
        results["hits"][0]["section"]["anchor"], "quellen",
        "{results}"
    );
    let (code, results) = env.search_json_args(&["--exact", "title:Paketverwaltungen"]);
    assert_eq!(code, 0, "{results}");
    assert_eq!(results["hits"][0]["article"]["id"], "de.html", "{results}");
}

#[test]
fn lang_filters_searches_and_overrides_what_articles_say() {
    let env = indexed(&[]);
    // "apt" is in the Chinese article only.
    let (code, results) = env.search_json_args(&["--lang", "zh-CN", "apt"]);
    assert_eq!(code, 0);
    let hits = results["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(
        hits.iter().all(|h| h["article"]["lang"] == "zh"),
        "{results}"
    );
    let (code, _) = env.search_json_args(&["--lang", "de", "apt"]);
    assert_eq!(code, 1);
    env.run(&["search", "--lang", "german!", "apt"])
        .assert_error("--lang 'german!'");

    // Told at index time, the language is the one given.
    let env = indexed(&["--lang", "it"]);
    let (_, results) = env.search_json_args(&["--exact", "Bibliotheken"]);
    assert_eq!(results["hits"][0]["article"]["lang"], "it");
    let env = TestEnv::empty();
    env.write("a/x.txt", "Title\n\nSome text about things.\n");
    env.run(&["index", "a", "--lang", "12"])
        .assert_error("--lang '12'");
}

#[test]
fn folders_with_the_same_file_names_are_indexed_side_by_side() {
    let env = TestEnv::empty();
    env.write(
        "site/en/index.html",
        "<html lang=\"en\"><title>Install</title><h1>Install</h1>\
         <h2 id=\"packages\">Installing packages</h2><p>Packages are installed with apt.</p></html>",
    );
    env.write(
        "site/de/index.html",
        "<html lang=\"de\"><title>Installation</title><h1>Installation</h1>\
         <h2 id=\"pakete\">Pakete installieren</h2><p>Pakete werden mit apt installiert.</p></html>",
    );
    env.run(&[
        "index",
        "site/en",
        "site/de",
        "--base-url",
        "https://example.org/en/",
        "--base-url",
        "https://example.org/de/",
    ])
    .assert_code(0);
    let (code, results) = env.search_json("apt");
    assert_eq!(code, 0);
    let mut found: Vec<(String, String)> = results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["article"]["id"].as_str().unwrap().to_string(),
                h["url"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    // Ids start with the folder's name; links are the site's own paths.
    assert_eq!(
        found,
        [
            (
                "de/index.html".to_string(),
                "https://example.org/de/index.html#pakete".to_string()
            ),
            (
                "en/index.html".to_string(),
                "https://example.org/en/index.html#packages".to_string()
            ),
        ]
    );
    // One folder alone keeps the ids it always had, and its link.
    env.run(&["index", "site/en", "--rebuild"]).assert_code(0);
    let (_, results) = env.search_json("apt");
    assert_eq!(results["hits"][0]["article"]["id"], "index.html");
    assert_eq!(
        results["hits"][0]["url"],
        "https://example.org/en/index.html#packages"
    );
}

#[test]
fn plain_tantivy_queries_cjk_as_a_phrase_of_pairs() {
    // As README.md says: another program splits a run into overlapping
    // pairs and queries `body` for their phrase.
    use tantivy::collector::TopDocs;
    use tantivy::query::QueryParser;
    use tantivy::schema::{TantivyDocument, Value as _};
    let env = indexed(&[]);
    let index = tantivy::Index::open_in_dir(env.path("index")).unwrap();
    let schema = index.schema();
    let body = schema.get_field("body").unwrap();
    let anchor = schema.get_field("anchor").unwrap();
    let searcher = index.reader().unwrap().searcher();
    let parser = QueryParser::for_index(&index, vec![body]);
    let query = parser.parse_query("\"配置 置文 文件\"").unwrap();
    let top = searcher
        .search(&query, &TopDocs::with_limit(3).order_by_score())
        .unwrap();
    assert_eq!(top.len(), 1);
    let doc: TantivyDocument = searcher.doc(top[0].1).unwrap();
    assert_eq!(doc.get_first(anchor).unwrap().as_str(), Some("remove"));
    // Latin words in it are queried as in an English article.
    let query = parser.parse_query("purge").unwrap();
    let top = searcher
        .search(&query, &TopDocs::with_limit(3).order_by_score())
        .unwrap();
    assert_eq!(top.len(), 1);
    let doc: TantivyDocument = searcher.doc(top[0].1).unwrap();
    assert_eq!(doc.get_first(anchor).unwrap().as_str(), Some("remove"));
}
