//! The `quire` binary, driven as a user would: index, search, split, exit
//! codes, and every bad input the core issue lists.

mod util;

use util::{TestEnv, assert_same_text, hit_labels, marked};

#[test]
fn index_reports_one_line_on_stderr_and_nothing_on_stdout() {
    let env = TestEnv::new();
    let run = env.index();
    assert_eq!(run.stdout, "");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    assert!(
        lines[0].starts_with(
            "index: 3 articles, 20 sections; 3 added, 0 changed, 0 removed, 0 unchanged, 0 skipped ("
        ),
        "{run:?}"
    );
    assert!(env.path("index/quire-format").exists());
    assert!(
        !env.path("index/writer.pid").exists(),
        "the pid hint goes with the lock"
    );
}

#[test]
fn indexing_again_replaces_and_never_duplicates() {
    let env = TestEnv::indexed();
    let (_, first) = env.search_json("electromyography");
    env.index();
    env.run(&["index", "corpus/gout.txt"]).assert_code(0);
    let (code, again) = env.search_json("electromyography");
    assert_eq!(code, 0);
    assert_eq!(first["total_hits"], again["total_hits"]);
    assert_eq!(again["total_hits"], 1);
    // Every section of the three articles, once.
    let index = quire::Index::open(env.path("index")).unwrap();
    assert_eq!(index.num_sections(), 20);
}

#[test]
fn an_edited_article_replaces_its_old_sections() {
    let env = TestEnv::indexed();
    env.write(
        "corpus/gout.txt",
        "Gout\n\nTreatment\n\nPodagra responds to colchicine.\n",
    );
    env.index();
    let (_, podagra) = env.search_json("podagra");
    assert_eq!(hit_labels(&podagra), ["gout.txt › Treatment"]);
    let (code, old) = env.search_json("allopurinol");
    assert_eq!((code, old["total_hits"].as_u64()), (1, Some(0)));
}

#[test]
fn search_text_output_names_article_section_score_and_snippet() {
    let env = TestEnv::indexed();
    let run = env.run(&["search", "--limit", "1", "microvascular", "decompression"]);
    run.assert_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run:?}");
    assert!(
        lines[0].starts_with("1. Facial twitching › Cause  (score "),
        "{run:?}"
    );
    assert_eq!(lines[1], "   facial-twitching.txt#cause");
    assert!(
        lines[2].contains("microvascular decompression treatment"),
        "{run:?}"
    );
    assert!(!run.stdout.contains('\x1b'), "no colour when piped");
    assert_eq!(run.stderr, "");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let env = TestEnv::indexed();
    let always = env.run(&["search", "--color", "always", "spasm"]);
    assert!(
        always.stdout.contains("\x1b[1;31mspasm\x1b[0m"),
        "{always:?}"
    );
    let never = env.run(&["search", "--color", "never", "spasm"]);
    assert!(!never.stdout.contains('\x1b'));
    // Piped stdout with NO_COLOR: plain either way.
    let no_color = env.run_with(&["search", "spasm"], &[("NO_COLOR", "1")]);
    assert!(!no_color.stdout.contains('\x1b'));
}

#[test]
fn search_json_follows_the_contract() {
    let env = TestEnv::indexed();
    let (code, r) = env.search_json("sleeping");
    assert_eq!(code, 0);
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["query"], "sleeping");
    assert_eq!(r["relaxed"], false);
    let hits = r["hits"].as_array().unwrap();
    assert_eq!(r["total_hits"].as_u64().unwrap() as usize, hits.len());
    for (i, hit) in hits.iter().enumerate() {
        assert_eq!(hit["rank"], i + 1);
        assert!(hit["score"].as_f64().unwrap() > 0.0);
        for key in ["id", "title", "source"] {
            assert!(hit["article"][key].is_string(), "{hit}");
        }
        assert!(hit["section"]["path"].is_array());
        assert!(hit["section"]["anchor"].is_string());
        let words = marked(hit);
        assert!(!words.is_empty(), "a hit for a body word marks it: {hit}");
        for word in words {
            // Stemming: "sleeping" finds and marks "sleep" and "sleeping".
            assert!(word.to_lowercase().starts_with("sleep"), "{word} in {hit}");
        }
    }
    let labels = hit_labels(&r);
    assert!(labels.contains(&"facial-twitching.txt › Introduction".to_string()));
    assert!(labels.contains(&"gout.txt › Prognosis".to_string()));
}

#[test]
fn no_hits_prints_json_anyway_and_exits_1() {
    let env = TestEnv::indexed();
    let (code, r) = env.search_json("feedback");
    assert_eq!(code, 1);
    assert_eq!(r["total_hits"], 0);
    assert_eq!(r["hits"].as_array().unwrap().len(), 0);
    let run = env.run(&["search", "feedback"]);
    run.assert_code(1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("quire: no section matches"));
}

#[test]
fn any_word_fallback_is_flagged() {
    let env = TestEnv::indexed();
    let (code, r) = env.search_json("electromyography colchicine");
    assert_eq!(code, 0);
    assert_eq!(r["relaxed"], true);
    assert_eq!(hit_labels(&r).len(), 2, "one section has each word: {r}");
    let (_, strict) = env.search_json("electromyography convulsions");
    assert_eq!(strict["relaxed"], false);
}

#[test]
fn options_may_follow_query_words_and_dashed_words_exclude() {
    let env = TestEnv::indexed();
    let run = env.run(&["search", "vertigo", "-tinnitus", "--json", "--limit", "50"]);
    run.assert_code(0);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let labels = hit_labels(&r);
    assert!(!labels.is_empty());
    assert!(
        !labels.iter().any(|l| l.ends_with("Differential diagnosis")),
        "{labels:?}"
    );
    assert_eq!(r["query"], "vertigo -tinnitus");
}

#[test]
fn search_builds_the_index_from_corpus_when_there_is_none() {
    let env = TestEnv::new();
    let run = env.run(&["search", "tinnitus"]);
    run.assert_code(0);
    assert!(
        run.stderr.starts_with(
            "quire: no index at index; building it from corpus/ first\nindex: 3 articles"
        ),
        "{run:?}"
    );
    assert!(run.stdout.contains("Introduction"));
    // Second time: no building.
    let again = env.run(&["search", "tinnitus"]);
    assert_eq!(again.stderr, "");
    assert_eq!(again.stdout, run.stdout);
}

#[test]
fn a_placeholder_index_folder_counts_as_no_index() {
    let env = TestEnv::new();
    env.write("index/.gitignore", "*\n!.gitignore\n");
    env.run(&["search", "tinnitus"]).assert_code(0);
    assert!(env.path("index/.gitignore").exists());
    env.run(&["index", "--rebuild"]).assert_code(0);
    assert!(env.path("index/.gitignore").exists());
}

#[test]
fn bad_queries_never_panic() {
    let env = TestEnv::indexed();
    let queries = [
        "",
        " ",
        "- *",
        "AND",
        "OR",
        "NOT",
        "((",
        "))",
        "title:",
        "section:",
        "body:",
        "\"",
        "\"unbalanced",
        "*",
        "-",
        "+",
        "~",
        "^2",
        "[a TO b]",
        "a:b:c",
        "\u{1}\u{7f}",
        "héméfaçial",
        "面肌痉挛",
        "🙂",
        "title:\"\"",
        "-\"\"",
        "\\",
        "a\"b\"c",
        "--",
        "-- -",
        "spasm^",
        "spasm~2",
        "\"facial nerve\"~3",
        "NaN",
        "-title:spasm",
    ];
    for q in queries {
        let run = env.run(&["search", "--", q]);
        assert!(
            [0, 1, 2].contains(&run.code),
            "query {q:?} gave exit {}",
            run.code
        );
        assert!(!run.stderr.contains("panicked"), "query {q:?}: {run:?}");
        if run.code == 2 {
            run.assert_error("query");
        }
        let json = env.run(&["search", "--json", "--", q]);
        if json.code != 2 {
            serde_json::from_str::<serde_json::Value>(&json.stdout)
                .unwrap_or_else(|e| panic!("query {q:?}: stdout is not JSON ({e})"));
        }
    }
}

#[test]
fn empty_and_wordless_queries_are_clear_errors() {
    let env = TestEnv::indexed();
    env.run(&["search", ""])
        .assert_error("has no words to search for");
    env.run(&["search", "--", "- *"])
        .assert_error("has no words");
    env.run(&["search", "--", "-spasm"])
        .assert_error("only excludes words");
    env.run(&["search", "pneumonoultramicroscopicsilicovolcanoconiosisly"])
        .assert_error("words over 40 bytes are not indexed");
    // Unbroken Chinese text is searched (in pairs of characters): this
    // English corpus has none of it.
    let chinese = env.run(&["search", "面肌痉挛是一种常见的神经系统疾病患者"]);
    assert_eq!(chinese.code, 1, "{}", chinese.stderr);
}

#[test]
fn bad_invocations_are_one_line_errors() {
    let env = TestEnv::indexed();
    env.run(&["search", "--limit", "0", "x"])
        .assert_error("must be at least 1");
    env.run(&["search", "--limit", "-3", "x"])
        .assert_error("must be at least 1");
    env.run(&["search", "--limit", "ten", "x"])
        .assert_error("whole number");
    env.run(&["search"]).assert_error("required");
    env.run(&["search", "--colour", "x"])
        .assert_error("--colour");
    env.run(&["frobnicate"]).assert_error("frobnicate");
    env.run(&["index", "no/such/folder"])
        .assert_error("'no/such/folder' does not exist");
    env.run(&["split", "no-such.txt"])
        .assert_error("no-such.txt");
}

#[test]
fn a_missing_index_says_how_to_build_one() {
    let env = TestEnv::empty();
    env.run(&["search", "spasm"])
        .assert_error("no index at 'index': build one with `quire index");
    env.run(&["search", "--index", "elsewhere", "spasm"])
        .assert_error("no index at 'elsewhere'");
}

#[test]
fn a_folder_that_is_not_an_index_is_refused_and_left_alone() {
    let env = TestEnv::new();
    env.write("notes/todo.txt", "keep me");
    env.run(&["search", "--index", "notes", "spasm"])
        .assert_error("'notes' is not a quire index");
    env.run(&["index", "--index", "notes"])
        .assert_error("'notes' is not a quire index");
    env.run(&["index", "--rebuild", "--index", "notes"])
        .assert_error("'notes' is not a quire index");
    assert_eq!(
        std::fs::read_to_string(env.path("notes/todo.txt")).unwrap(),
        "keep me"
    );
    env.run(&["search", "--index", "corpus/gout.txt", "spasm"])
        .assert_error("is not a quire index");
}

#[test]
fn a_corrupt_index_says_rebuild_and_rebuild_mends_it() {
    let env = TestEnv::indexed();
    env.write("index/meta.json", "{ not json");
    env.run(&["search", "spasm"])
        .assert_error("is damaged")
        .assert_error("quire index --rebuild");
    env.run(&["index"]).assert_error("is damaged");
    env.run(&["index", "--rebuild"]).assert_code(0);
    env.run(&["search", "spasm"]).assert_code(0);
}

#[test]
fn a_missing_segment_file_says_rebuild_to_every_command() {
    for extension in ["store", "pos", "fast"] {
        let env = TestEnv::indexed();
        let file = std::fs::read_dir(env.path("index"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == extension))
            .expect("a segment file");
        std::fs::remove_file(&file).unwrap();
        for args in [&["search", "spasm"][..], &["index"], &["export"]] {
            env.run(args)
                .assert_error("is damaged")
                .assert_error("is missing")
                .assert_error("quire index --rebuild");
        }
        env.run(&["index", "--rebuild"]).assert_code(0);
        env.run(&["search", "spasm"]).assert_code(0);
    }
}

#[test]
fn an_index_of_another_format_says_rebuild() {
    let env = TestEnv::indexed();
    env.write("index/quire-format", "quire index format 999\n");
    env.run(&["search", "spasm"])
        .assert_error(&format!(
            "incompatible version of quire (format 999, this quire reads format {}): run `quire index --rebuild",
            quire::schema::FORMAT_VERSION
        ));
    env.run(&["index", "--rebuild"]).assert_code(0);
    let (code, r) = env.search_json("spasm");
    assert_eq!(code, 0);
    assert_eq!(r["total_hits"], 3);
}

#[test]
fn a_second_writer_is_refused_at_once() {
    let env = TestEnv::indexed();
    let index = quire::Index::open(env.path("index")).unwrap();
    let writer = index.writer().unwrap();
    env.run(&["index"]).assert_error(&format!(
        "is being written by another quire process (pid {})",
        std::process::id()
    ));
    // Searching still works while the writer holds the lock.
    env.run(&["search", "spasm"]).assert_code(0);
    drop(writer);
    env.run(&["index"]).assert_code(0);
}

#[test]
fn bad_files_are_skipped_with_a_warning_and_the_rest_indexed() {
    let env = TestEnv::new();
    env.write("corpus/binary.txt", b"\x7fELF\0\0\x01");
    env.write("corpus/empty.txt", "");
    env.write(
        "corpus/latin1.txt",
        b"Caf\xe9 au lait\n\nHistory\n\nServed in Vienna.\n",
    );
    env.write(
        "corpus/notes.rst",
        "not read: quire has no reStructuredText reader",
    );
    let run = env.run(&["index"]);
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("quire: warning: corpus/latin1.txt: not valid UTF-8")
    );
    assert!(
        run.stderr
            .contains("quire: skipped corpus/binary.txt: binary file")
    );
    assert!(
        run.stderr
            .contains("quire: skipped corpus/empty.txt: empty file")
    );
    assert!(
        run.stderr.contains(
            "index: 4 articles, 21 sections; 4 added, 0 changed, 0 removed, 0 unchanged, 2 skipped"
        ),
        "{run:?}"
    );
    assert!(!run.stderr.contains("notes.rst"), "{run:?}");
    let verbose = env.run(&["index", "--verbose"]);
    assert!(
        verbose.stderr.contains("passed over corpus/notes.rst"),
        "{verbose:?}"
    );
    let (code, r) = env.search_json("vienna");
    assert_eq!(code, 0);
    assert_eq!(r["hits"][0]["article"]["title"], "Caf\u{fffd} au lait");
}

#[test]
fn strict_fails_before_committing_anything() {
    let env = TestEnv::indexed();
    env.write("corpus/binary.txt", b"\0\0");
    env.write("corpus/gout.txt", "Gout\n\nTreatment\n\nPodagra.\n");
    env.run(&["index", "--strict"]).assert_error(
        "binary file (it contains NUL bytes) (not indexing anything because of --strict)",
    );
    // The old gout article is still there, the new one is not.
    let (_, r) = env.search_json("allopurinol");
    assert_eq!(r["total_hits"], 1);
    let (code, _) = env.search_json("podagra");
    assert_eq!(code, 1);
}

#[test]
fn split_shows_sections_without_indexing() {
    let env = TestEnv::new();
    let run = env.run(&["split", "corpus/facial-twitching.txt"]);
    run.assert_code(0);
    assert_same_text(
        "\
Facial twitching  (corpus/facial-twitching.txt, 5 sections)
  1. Introduction  #introduction
     Facial muscle twitching, also known as hemifacial spasm, is a common cli…
  2. Cause  #cause
     According to the cause, the disease can be divided into two types: speci…
  3. Examine › Related inspection  #related-inspection
     Anti-AchR receptor antibody (anti-AchR) Brain ultrasound examination of…
  4. Examine › Medical examination  #medical-examination
     In addition to facial muscle twitching, pay attention to the presence of…
  5. Diagnosis › Differential diagnosis  #differential-diagnosis
     Clinically, it should be differentiated from the following diseases: 1.…
",
        &run.stdout,
    );
    assert!(!env.path("index").exists());
}

#[test]
fn split_json_lists_articles_and_sections() {
    let env = TestEnv::new();
    let run = env.run(&["split", "--json", "corpus/gout.txt", "corpus/vertigo.txt"]);
    run.assert_code(0);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let articles = r.as_array().unwrap();
    assert_eq!(articles.len(), 2);
    assert_eq!(articles[0]["title"], "Gout");
    assert_eq!(articles[0]["source"], "corpus/gout.txt");
    let section = &articles[0]["sections"][3];
    assert_eq!(
        section["path"],
        serde_json::json!(["Treatment", "Drug treatment"])
    );
    assert_eq!(section["label"], "Treatment › Drug treatment");
    assert_eq!(section["anchor"], "drug-treatment");
    assert!(
        section["text"]
            .as_str()
            .unwrap()
            .starts_with("Treatment of an acute attack")
    );
}

#[test]
fn rules_files_extend_the_template() {
    let env = TestEnv::new();
    env.write(
        "article.txt",
        "Asthma\n\nOverview\n\nAsthma narrows the airways.\n\nOutlook\n\nMost people do well.\n\nShare this page on social media\n",
    );
    // Built in: "Outlook" is a sibling of "Overview", and the share line is
    // body text at the end of its section.
    let run = env.run(&["split", "--json", "article.txt"]);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        r[0]["sections"][1]["text"]
            .as_str()
            .unwrap()
            .contains("Share this page")
    );
    env.write(
        "rules.toml",
        "boilerplate = [\"Share this page\"]\ntop_level_headings = [\"Outlook\"]\n",
    );
    let run = env.run(&["split", "--json", "--rules", "rules.toml", "article.txt"]);
    run.assert_code(0);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(r[0]["sections"][1]["text"], "Most people do well.");
    env.write("bad.toml", "top_level = 3");
    env.run(&["split", "--rules", "bad.toml", "article.txt"])
        .assert_error("rules file 'bad.toml'");
}

#[test]
fn help_and_version_go_to_stdout_and_exit_0() {
    let env = TestEnv::empty();
    let run = env.run(&["--help"]);
    run.assert_code(0);
    assert!(run.stdout.contains("search"));
    let run = env.run(&["search", "--help"]);
    run.assert_code(0);
    assert!(run.stdout.contains("--limit"));
    env.run(&["--version"]).assert_code(0);
}

#[test]
fn a_limit_run_into_n_is_the_limit_and_look_alike_words_are_warned_of() {
    let env = TestEnv::indexed();
    let run = env.run(&["search", "--json", "facial", "-n1"]);
    run.assert_code(0);
    let r: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(r["hits"].as_array().unwrap().len(), 1, "{run:?}");
    assert_eq!(r["query"], "facial");
    let run = env.run(&["search", "facial", "-afoo"]);
    assert!(
        run.stderr.contains(
            "quire: warning: -afoo excludes the word \"afoo\"; for --article, write -a foo"
        ),
        "{run:?}"
    );
}

#[test]
fn a_scope_with_nothing_after_it_is_ignored() {
    let env = TestEnv::indexed();
    env.run(&["search", "title:"])
        .assert_error("has no words to search for");
    let (code, scoped) = env.search_json_args(&["gout", "body:"]);
    let (_, plain) = env.search_json("gout");
    assert_eq!(code, 0);
    assert_eq!(hit_labels(&scoped), hit_labels(&plain));
}

#[test]
fn control_characters_in_names_never_break_the_text_output() {
    let env = TestEnv::empty();
    env.write(
        "corpus/zebra\nnotes.txt",
        "Zebra\n\nStripes\n\nZebras have \u{1b}[31mstripes.\n",
    );
    env.index();
    let run = env.run(&["search", "zebras"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("   zebra\\nnotes.txt#stripes\n"),
        "{run:?}"
    );
    assert!(!run.stdout.contains('\u{1b}'), "{run:?}");
    assert!(run.stdout.contains("\\u{1b}[31mstripes"), "{run:?}");
}

#[test]
fn an_index_whose_files_were_deleted_is_built_again() {
    let env = TestEnv::indexed();
    // `rm -rf index/*`: the shell's `*` leaves tantivy's dot files.
    for entry in std::fs::read_dir(env.path("index")).unwrap() {
        let path = entry.unwrap().path();
        if !path.file_name().unwrap().to_string_lossy().starts_with('.') {
            std::fs::remove_file(path).unwrap();
        }
    }
    assert!(env.path("index/.managed.json").exists());
    env.index();
    let (code, r) = env.search_json("electromyography");
    assert_eq!(code, 0, "{r}");
    env.run(&["index", "--rebuild"]).assert_code(0);
}

#[test]
fn utf16_html_with_a_byte_order_mark_is_indexed() {
    let env = TestEnv::empty();
    let page = "<html><head><title>Gout</title></head><body><h1>Gout</h1>\
                <h2>Cause</h2><p>Uric acid crystals in the joint.</p></body></html>";
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(page.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    env.write("corpus/gout.html", bytes);
    let run = env.index();
    assert!(!run.stderr.contains("binary"), "{run:?}");
    let (code, r) = env.search_json("crystals");
    assert_eq!(code, 0, "{r}");
    assert_eq!(hit_labels(&r), ["gout.html › Cause"]);
}
