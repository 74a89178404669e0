//! Re-indexing: only what changed is done again, deleted and excluded files
//! leave the index, and neither a crash nor a second writer loses anything.

mod util;

use std::process::{Command, Stdio};
use std::time::Duration;

use util::{Run, TestEnv};

/// The counts part of the summary line: "N added, ..., N skipped".
fn counts(run: &Run) -> String {
    let line = run.stderr.lines().last().unwrap_or_default();
    let start = line.find("; ").map_or(0, |i| i + 2);
    let end = line.rfind(" (").unwrap_or(line.len());
    line[start..end].to_string()
}

/// Sets a file's modification time `secs` seconds into the future, so a
/// rewrite within the same clock tick still looks changed.
fn bump_mtime(env: &TestEnv, rel: &str, secs: u64) {
    let file = std::fs::File::options()
        .append(true)
        .open(env.path(rel))
        .unwrap();
    let time = std::time::SystemTime::now() + Duration::from_secs(secs);
    file.set_modified(time).unwrap();
}

#[test]
fn unchanged_files_are_not_indexed_again() {
    let env = TestEnv::new();
    let first = env.index();
    assert_eq!(
        counts(&first),
        "3 added, 0 changed, 0 removed, 0 unchanged, 0 skipped"
    );
    let meta_before = std::fs::read(env.path("index/meta.json")).unwrap();
    let again = env.index();
    assert_eq!(
        counts(&again),
        "0 added, 0 changed, 0 removed, 3 unchanged, 0 skipped"
    );
    // Nothing changed, so nothing was committed.
    assert_eq!(
        std::fs::read(env.path("index/meta.json")).unwrap(),
        meta_before
    );
}

#[test]
fn a_touched_file_is_read_but_not_reindexed() {
    let env = TestEnv::indexed();
    bump_mtime(&env, "corpus/gout.txt", 10);
    let run = env.index();
    assert_eq!(
        counts(&run),
        "0 added, 0 changed, 0 removed, 3 unchanged, 0 skipped"
    );
}

#[test]
fn a_changed_file_is_reindexed_alone() {
    let env = TestEnv::indexed();
    env.write(
        "corpus/gout.txt",
        "Gout\n\nTreatment\n\nPodagra responds to colchicine.\n",
    );
    bump_mtime(&env, "corpus/gout.txt", 10);
    let run = env.index();
    assert_eq!(
        counts(&run),
        "0 added, 1 changed, 0 removed, 2 unchanged, 0 skipped"
    );
    assert!(
        run.stderr.starts_with("index: 3 articles, 14 sections;"),
        "{run:?}"
    );
    assert_eq!(env.search_json("podagra").0, 0);
    assert_eq!(env.search_json("allopurinol").0, 1);
}

#[test]
fn deleted_and_excluded_files_leave_the_index() {
    let env = TestEnv::indexed();
    std::fs::remove_file(env.path("corpus/gout.txt")).unwrap();
    let run = env.index();
    assert_eq!(
        counts(&run),
        "0 added, 0 changed, 1 removed, 2 unchanged, 0 skipped"
    );
    assert_eq!(env.search_json("allopurinol").0, 1);

    let run = env.run(&["index", "--exclude", "vertigo*"]);
    assert_eq!(
        counts(&run),
        "0 added, 0 changed, 1 removed, 1 unchanged, 0 skipped"
    );
    assert_eq!(env.search_json("Epley").0, 1);
    assert_eq!(env.search_json("electromyography").0, 0);
}

#[test]
fn a_file_that_now_has_nothing_to_index_leaves_the_index() {
    let env = TestEnv::indexed();
    env.write("corpus/gout.txt", "");
    bump_mtime(&env, "corpus/gout.txt", 10);
    let run = env.index();
    assert!(
        run.stderr
            .contains("quire: skipped corpus/gout.txt: empty file"),
        "{run:?}"
    );
    assert_eq!(
        counts(&run),
        "0 added, 0 changed, 1 removed, 2 unchanged, 1 skipped"
    );
    assert_eq!(env.search_json("allopurinol").0, 1);
}

#[test]
fn indexing_one_named_file_removes_nothing_else() {
    let env = TestEnv::indexed();
    env.write(
        "elsewhere/asthma.txt",
        "Asthma\n\nTreatment\n\nSalbutamol opens the airways.\n",
    );
    let run = env.run(&["index", "elsewhere/asthma.txt"]);
    assert_eq!(
        counts(&run),
        "1 added, 0 changed, 0 removed, 0 unchanged, 0 skipped"
    );
    assert!(run.stderr.starts_with("index: 4 articles,"), "{run:?}");
    // And indexing the corpus again keeps the named file's article.
    let run = env.index();
    assert_eq!(
        counts(&run),
        "0 added, 0 changed, 0 removed, 3 unchanged, 0 skipped"
    );
    assert_eq!(env.search_json("salbutamol").0, 0);
}

#[test]
fn new_rules_split_every_article_again() {
    let env = TestEnv::indexed();
    env.write("rules.toml", "boilerplate = [\"Jannetta suggested\"]\n");
    let run = env.run(&["index", "--rules", "rules.toml"]);
    assert_eq!(
        counts(&run),
        "0 added, 3 changed, 0 removed, 0 unchanged, 0 skipped"
    );
    let (_, r) = env.search_json("\"Jannetta suggested\"");
    assert_eq!(r["total_hits"], 0);
}

#[test]
fn rebuild_starts_from_scratch() {
    let env = TestEnv::indexed();
    let run = env.run(&["index", "--rebuild"]);
    assert_eq!(
        counts(&run),
        "3 added, 0 changed, 0 removed, 0 unchanged, 0 skipped"
    );
    assert!(
        run.stderr.starts_with("index: 3 articles, 20 sections;"),
        "{run:?}"
    );
}

#[test]
fn files_over_the_size_limit_are_skipped_with_the_limit_named() {
    let env = TestEnv::new();
    let run = env.run(&["index", "--max-file-size", "3K"]);
    run.assert_code(0);
    assert!(
        run.stderr.contains(
            "quire: skipped corpus/facial-twitching.txt: too large (6054 bytes; the limit is 3072 bytes, raise it with --max-file-size)"
        ),
        "{run:?}"
    );
    env.run(&["index", "--max-file-size", "3Q"])
        .assert_error("not a size");
}

#[test]
fn the_writer_memory_can_be_set() {
    let env = TestEnv::new();
    env.run(&["index", "--heap", "10M"])
        .assert_error("the writer needs at least 15M");
    let run = env.run(&["index", "--heap", "20M"]);
    assert_eq!(
        counts(&run),
        "3 added, 0 changed, 0 removed, 0 unchanged, 0 skipped"
    );
}

#[test]
fn bad_globs_are_one_line_errors() {
    let env = TestEnv::new();
    env.run(&["index", "--glob", "a["])
        .assert_error("bad glob pattern");
    assert!(!env.path("index").exists(), "nothing was created");
}

#[test]
fn links_to_files_are_read_and_dangling_links_reported() {
    let env = TestEnv::new();
    env.write(
        "elsewhere/asthma.txt",
        "Asthma\n\nTreatment\n\nSalbutamol opens the airways.\n",
    );
    std::os::unix::fs::symlink(
        env.path("elsewhere/asthma.txt"),
        env.path("corpus/asthma.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(env.path("nowhere.txt"), env.path("corpus/broken.txt")).unwrap();
    let run = env.index();
    assert!(
        run.stderr
            .contains("quire: skipped corpus/broken.txt: cannot be read:"),
        "{run:?}"
    );
    assert_eq!(
        counts(&run),
        "4 added, 0 changed, 0 removed, 0 unchanged, 1 skipped"
    );
    assert_eq!(env.search_json("salbutamol").0, 0);
    env.run(&["index", "--strict"])
        .assert_error("corpus/broken.txt: cannot be read");
}

#[test]
fn a_named_fifo_is_skipped_not_read() {
    let env = TestEnv::new();
    let fifo = env.path("pipe.txt");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipping: mkfifo is not available");
        return;
    }
    let run = env.run(&["index", "pipe.txt", "corpus"]);
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("quire: skipped pipe.txt: not a regular file"),
        "{run:?}"
    );
}

#[test]
fn gitignored_and_hidden_files_are_not_indexed() {
    let env = TestEnv::new();
    env.write("corpus/.gitignore", "drafts/\n");
    env.write(
        "corpus/drafts/secret.txt",
        "Secret\n\nPlans\n\nThe zebra protocol.\n",
    );
    env.write(
        "corpus/.hidden/secret.txt",
        "Secret\n\nPlans\n\nThe zebra protocol.\n",
    );
    env.index();
    assert_eq!(env.search_json("zebra").0, 1);
}

/// Many articles, so that indexing takes long enough to be killed midway.
fn write_big_corpus(env: &TestEnv, n: usize) {
    for i in 0..n {
        let body = format!(
            "Article {i}\n\nIntroduction\n\nIntroduction Number {i} is about the walrus{i} and {}.\n\n\
             Treatment\n\nDrug treatment\n\n{}\n",
            util::GOUT.replace('\n', " "),
            util::VERTIGO.replace('\n', " ")
        );
        env.write(&format!("big/a{i:05}.txt"), body);
    }
}

#[test]
fn kill_9_while_indexing_leaves_the_last_commit_searchable() {
    let env = TestEnv::indexed();
    write_big_corpus(&env, 1500);
    for delay_ms in [20, 80, 200, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
            .args(["index", "corpus", "big"])
            .current_dir(env.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        // The index opens and answers from the last commit.
        let (code, r) = env.search_json("electromyography");
        assert_eq!(code, 0, "after kill at {delay_ms} ms: {r}");
        assert_eq!(
            r["hits"][0]["section"]["label"],
            "Examine › Medical examination"
        );
    }
    // The next run finishes the job; the articles are there once each.
    let run = env.run(&["index", "corpus", "big"]);
    run.assert_code(0);
    let index = quire::Index::open(env.path("index")).unwrap();
    assert_eq!(index.num_articles().unwrap(), 1503);
    let (_, r) = env.search_json("\"walrus1234\"");
    assert_eq!(r["total_hits"], 1);
}

#[test]
fn searching_while_another_process_indexes() {
    let env = TestEnv::indexed();
    write_big_corpus(&env, 600);
    let child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["index", "corpus", "big"])
        .current_dir(env.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // While it runs (or after, on a fast machine) searches answer.
    let (code, _) = env.search_json("electromyography");
    assert_eq!(code, 0);
    let second = env.run(&["index", "corpus", "big"]);
    let first = child.wait_with_output().unwrap();
    let first_stderr = String::from_utf8_lossy(&first.stderr);
    // One writer at a time: whichever took the lock second was refused at
    // once (on a loaded machine the later process can win the race), or
    // ran after the other had finished.
    // (The pid is named when the winner had written it already.)
    let refused = "is being written by another quire process";
    match (first.status.code(), second.code) {
        (Some(0), 0) => {}
        (Some(0), 2) => {
            second.assert_error(refused);
        }
        (Some(2), 0) => assert!(first_stderr.contains(refused), "{first_stderr}"),
        other => panic!("writers exited {other:?}: {first_stderr} / {second:?}"),
    }
    let (_, r) = env.search_json("\"walrus599\"");
    assert_eq!(
        r["total_hits"], 1,
        "the new sections are seen after the commit"
    );
}

#[test]
fn typos_looked_up_before_a_commit_are_looked_up_again_after_it() {
    let env = TestEnv::indexed();
    let index = quire::Index::open(env.path("index")).unwrap();
    let options = quire::SearchOptions::default();
    // "bronchodilater" is two typos from nothing in the corpus yet; the
    // lookup is remembered for this commit only.
    for _ in 0..2 {
        let results = index.search("bronchodilater", &options).unwrap();
        assert!(results.hits.is_empty(), "{results:?}");
    }
    env.write(
        "corpus/asthma.txt",
        "Asthma\n\nTreatment\n\nA bronchodilator opens the airways within minutes.\n",
    );
    env.index();
    index.reload().unwrap();
    let results = index.search("bronchodilater", &options).unwrap();
    assert_eq!(results.hits.len(), 1, "{results:?}");
    assert!(!results.hits[0].exact);
    assert_eq!(results.hits[0].article.title, "Asthma");
}

#[cfg(unix)]
#[test]
fn the_index_files_are_as_readable_as_any_file_the_user_makes() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::indexed();
    let mode = |name: &str| {
        std::fs::metadata(env.path(&format!("index/{name}")))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    // quire-format is written as any file is (the umask decides); tantivy
    // writes its bookkeeping through temporary files of mode 0600.
    let format = mode("quire-format");
    assert_eq!(mode("meta.json"), format);
    assert_eq!(mode(".managed.json"), format);
    // And again after a commit that changes something.
    env.write("corpus/new.txt", "New\n\nBody\n\nWords of a new article.\n");
    env.index();
    assert_eq!(mode("meta.json"), format);
    assert_eq!(mode(".managed.json"), format);
}

/// A small tmpfs of its own, unmounted when dropped; `None` where this
/// process may not mount (not root), said on stderr. Under CI it must work.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn new(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            let why = "cannot mount a tmpfs here (needs root)";
            assert!(
                std::env::var_os("CI").is_none_or(|v| v.is_empty()),
                "{why}: under CI the full-disk test must run"
            );
            eprintln!("skipped: {why}");
            return None;
        }
        Some(Tmpfs { dir })
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Indexes `env`'s corpus into `index/` on this disk; returns its path.
    fn index_corpus(&self, env: &TestEnv) -> String {
        let index = self.path().join("index").to_str().unwrap().to_string();
        env.run(&["index", "corpus", "--index", &index])
            .assert_code(0);
        index
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// The index folder's files that hold data (not tantivy's bookkeeping).
fn data_files(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && name != "writer.pid")
        .collect();
    files.sort();
    files
}

#[test]
fn a_full_disk_fails_the_run_and_leaves_the_last_commit_as_it_was() {
    let Some(disk) = Tmpfs::new("2m") else {
        return;
    };
    let env = TestEnv::new();
    let index_arg = &disk.index_corpus(&env);
    let index = std::path::Path::new(index_arg);
    let committed = data_files(index);
    // Far more text than the disk holds.
    write_big_corpus(&env, 1500);
    let run = env.run(&["index", "big", "--index", index_arg]);
    run.assert_error("is full");
    run.assert_error("nothing was committed");
    // The last commit is searchable, and what the run wrote is gone.
    let search = env.run(&["search", "--index", index_arg, "electromyography"]);
    search.assert_code(0);
    assert_eq!(data_files(index), committed);
    let run = env.run(&["search", "--index", index_arg, "walrus7"]);
    run.assert_code(1);
}

#[test]
fn two_runs_started_together_on_a_new_folder_agree_on_who_writes() {
    let env = TestEnv::new();
    write_big_corpus(&env, 200);
    for round in 0..10 {
        let index = format!("index-{round}");
        let start = || {
            Command::new(env!("CARGO_BIN_EXE_quire"))
                .args(["index", "big", "--quiet", "--index", &index])
                .current_dir(env.dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (start(), start());
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => assert_eq!(stderr, ""),
                Some(2) => assert!(
                    stderr.starts_with("quire: the index at")
                        && stderr.contains("is being written by another quire process (pid "),
                    "round {round}: {stderr}"
                ),
                other => panic!("round {round}: exit {other:?}: {stderr}"),
            }
        }
        let (code, r) = env.search_json_args(&["--index", &index, "walrus7"]);
        assert_eq!(code, 0, "round {round}: {r}");
    }
}

#[test]
fn a_read_only_index_is_searched_served_and_exported_but_not_written() {
    let Some(disk) = Tmpfs::new("4m") else {
        return;
    };
    let env = TestEnv::new();
    let index_arg = &disk.index_corpus(&env);
    let remounted = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(disk.path())
        .status()
        .unwrap();
    assert!(remounted.success());
    let (code, r) = env.search_json_args(&["--index", index_arg, "electromyography"]);
    assert_eq!(code, 0, "{r}");
    let export = env.run(&["export", "--index", index_arg]);
    export.assert_code(0);
    assert_eq!(export.stdout.lines().count(), 20);
    let server = util::server::Server::start(env.dir.path(), &["--index", index_arg]);
    assert_eq!(server.get("/search?q=spasm").status, 200);
    drop(server);
    env.run(&["index", "corpus", "--index", index_arg])
        .assert_error("cannot be written (a read-only file system, or no permission)");
    env.run(&["index", "--rebuild", "corpus", "--index", index_arg])
        .assert_error("it can still be searched");
}
