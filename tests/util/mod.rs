//! The helper every integration test drives the real binary through: a
//! temporary working folder with a corpus, and a runner that captures exit
//! code, stdout and stderr.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub mod server;

/// The seed article, as shipped in `corpus/`.
pub const SEED: &str = include_str!("../../corpus/facial-twitching.txt");
/// The test fixtures written for quire.
pub const GOUT: &str = include_str!("../fixtures/articles/gout.txt");
pub const VERTIGO: &str = include_str!("../fixtures/articles/vertigo.txt");

/// A temporary working folder holding `corpus/` with the seed and the two
/// fixture articles.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl TestEnv {
    /// A folder with `corpus/` holding all three articles.
    pub fn new() -> TestEnv {
        let env = TestEnv::empty();
        env.write("corpus/facial-twitching.txt", SEED);
        env.write("corpus/gout.txt", GOUT);
        env.write("corpus/vertigo.txt", VERTIGO);
        env
    }

    /// A folder with nothing in it.
    pub fn empty() -> TestEnv {
        TestEnv {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// Runs `quire ARGS` in the folder, with colour settings cleared.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_quire"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("NO_COLOR")
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let Output {
            status,
            stdout,
            stderr,
        } = command.output().expect("the quire binary runs");
        Run {
            code: status.code().expect("quire exited, not killed"),
            stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
        }
    }

    /// A folder with `corpus/` holding all three articles, indexed.
    pub fn indexed() -> TestEnv {
        let env = TestEnv::new();
        env.index();
        env
    }

    /// Indexes `corpus/` into `index/`, asserting success.
    pub fn index(&self) -> Run {
        let run = self.run(&["index"]);
        run.assert_code(0);
        run
    }

    /// `quire search --json QUERY`, parsed.
    pub fn search_json(&self, query: &str) -> (i32, serde_json::Value) {
        self.search_json_args(&[query])
    }

    /// `quire search --json ARGS...` (options and query words), parsed.
    pub fn search_json_args(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let mut all = vec!["search", "--json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        let value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {run:?}"));
        (run.code, value)
    }
}

impl Run {
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "exit code\n{self:#?}");
        self
    }

    /// Asserts a user error: exit 2, nothing on stdout, one `quire:` line on
    /// stderr containing `needle`, and no panic.
    pub fn assert_error(&self, needle: &str) -> &Run {
        self.assert_code(2);
        assert_eq!(self.stdout, "", "stdout of a failed run\n{self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line of error\n{self:#?}");
        assert!(lines[0].starts_with("quire: "), "{self:#?}");
        assert!(
            lines[0].contains(needle),
            "error should mention {needle:?}\n{self:#?}"
        );
        self
    }
}

/// Compares two texts and shows a line diff when they differ.
pub fn assert_same_text(expected: &str, actual: &str) {
    if expected == actual {
        return;
    }
    let mut report = String::new();
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => report.push_str(&format!("  {x}\n")),
            (x, y) => {
                if let Some(x) = x {
                    report.push_str(&format!("- {x}\n"));
                }
                if let Some(y) = y {
                    report.push_str(&format!("+ {y}\n"));
                }
            }
        }
    }
    panic!("texts differ (- expected, + actual):\n{report}");
}

/// The labels of a JSON result's hits, as "article id › label".
pub fn hit_labels(results: &serde_json::Value) -> Vec<String> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} › {}",
                h["article"]["id"].as_str().unwrap(),
                h["section"]["label"].as_str().unwrap()
            )
        })
        .collect()
}

/// The highlighted words of a JSON hit's snippets, in order.
pub fn marked(hit: &serde_json::Value) -> Vec<String> {
    let mut words = vec![];
    for snippet in hit["snippets"].as_array().unwrap() {
        let text = snippet["text"].as_str().unwrap();
        for h in snippet["highlights"].as_array().unwrap() {
            let (s, e) = (
                h["start"].as_u64().unwrap() as usize,
                h["end"].as_u64().unwrap() as usize,
            );
            words.push(text[s..e].to_string());
        }
    }
    words
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}
