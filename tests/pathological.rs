//! Inputs built to hurt: each reader is given structures repeated
//! thousands of times (the same heading, headings nested or in a row,
//! unclosed markup, deep nesting), and the time and memory it takes must
//! grow in step with the input.
//!
//! Linear is checked two ways, for each structure repeated 1,000 and
//! 10,000 times: the count of allocations (which does not depend on the
//! machine) may grow at most 12 times where the input grows 10 times, and
//! the time (the fastest of three runs) at most 40 times: a quadratic cost
//! grows 100 times. The most memory held at once while splitting may be at
//! most 4 times the input, plus 1 KiB for each line (Markdown, text) or
//! tag (HTML), which bounds what each heading and section costs besides
//! its text (path, label, anchor, bookkeeping), plus 1 MiB, plus for
//! Markdown what the parser holds for one piece of the text (up to 100
//! times the piece, at most 512 KiB): a cost quadratic in the repeats
//! would be gigabytes.
//!
//! Also here: files that vanish between the folder's walk and their read.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use quire::{Format, Splitter};

/// The longest piece of Markdown the reader parses at once: twice its
/// piece size.
const MARKDOWN_PIECE_MAX: usize = 512 * 1024;

/// The system allocator, counting.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator as it came; the
// counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(held, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        if new_size > layout.size() {
            let grown = new_size - layout.size();
            let held = HELD.fetch_add(grown, Ordering::Relaxed) + grown;
            PEAK.fetch_max(held, Ordering::Relaxed);
        } else {
            HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// What splitting a text cost.
struct Cost {
    allocations: usize,
    /// The most bytes held at once past what was held before.
    peak: usize,
    sections: usize,
    time: Duration,
}

/// Splits `text` as `format` three times; the counts of the first run and
/// the fastest time. Tests in this file run one at a time (see `serial`),
/// so the counters see this split alone.
fn cost(splitter: &Splitter, format: Format, text: &str) -> Cost {
    let mut best = Duration::MAX;
    let mut first = None;
    for _ in 0..3 {
        let held = HELD.load(Ordering::Relaxed);
        PEAK.store(held, Ordering::Relaxed);
        let allocations = ALLOCATIONS.load(Ordering::Relaxed);
        let started = Instant::now();
        let article = splitter.split_as(format, text, "name");
        best = best.min(started.elapsed());
        let cost = (
            ALLOCATIONS.load(Ordering::Relaxed) - allocations,
            PEAK.load(Ordering::Relaxed) - held,
            article.sections.len(),
        );
        drop(article);
        first.get_or_insert(cost);
    }
    let (allocations, peak, sections) = first.expect("three runs");
    Cost {
        allocations,
        peak,
        sections,
        time: best,
    }
}

/// One test at a time: the allocation counters are process-wide.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Checks that every structure costs time and memory in step with how
/// often it is repeated. `wrap` makes a whole document of the repeats.
fn linear(format: Format, structures: &[(&str, &str)], wrap: impl Fn(&str) -> String) {
    let _one = serial();
    let splitter = Splitter::default();
    for (name, structure) in structures {
        let small = wrap(&structure.repeat(1_000));
        let large = wrap(&structure.repeat(10_000));
        let a = cost(&splitter, format, &small);
        let b = cost(&splitter, format, &large);
        let allocations = b.allocations as f64 / a.allocations.max(1) as f64;
        let time = b.time.as_secs_f64() / a.time.as_secs_f64().max(1e-6);
        println!(
            "{format:?} {name}: {} bytes, {} sections, {} allocations (x{allocations:.1}), {:?} (x{time:.1}), peak {} bytes",
            large.len(),
            b.sections,
            b.allocations,
            b.time,
            b.peak
        );
        assert!(
            allocations <= 12.0,
            "{format:?} {name}: 10x the input took {allocations:.1}x the allocations"
        );
        assert!(
            time <= 40.0,
            "{format:?} {name}: 10x the input took {time:.1}x the time ({:?} then {:?})",
            a.time,
            b.time
        );
        let units = match format {
            Format::Html => large.matches('<').count(),
            _ => large.lines().count(),
        };
        let parser = match format {
            Format::Markdown => 100 * large.len().min(MARKDOWN_PIECE_MAX),
            _ => 0,
        };
        assert!(
            b.peak <= 4 * large.len() + 1024 * units + (1 << 20) + parser,
            "{format:?} {name}: {} bytes held at once for {} bytes of input, {units} lines or tags",
            b.peak,
            large.len(),
        );
    }
}

#[test]
fn markdown_costs_grow_with_the_input() {
    linear(
        Format::Markdown,
        &[
            ("the same heading", "### Fixed\n\n- a bug\n\n"),
            ("headings only", "## Usage\n"),
            ("the same explicit id", "## Usage {#usage}\n\ntext\n\n"),
            ("nested headings", "# A\n\n## B\n\n### C\n\n#### D\n\nx\n\n"),
            ("nested lists", "- a\n  - b\n    - c\n      - d\n"),
            ("nested quotes", "> > > > quoted\n"),
            ("unclosed emphasis", "*a _b **c "),
            ("open brackets", "[a ![b [c "),
            ("unclosed code", "`a ``b "),
            ("unclosed comment", "<!-- a\n\n"),
            ("raw html", "<div><span>a</span>\n"),
            ("table rows", "| a | b |\n|---|---|\n| 1 | 2 |\n"),
            ("reference links", "[a][b] [b]: /x\n\n"),
            ("fences", "```\ncode\n```\n\n"),
        ],
        |body| format!("# Title\n\n{body}\n\ntext\n"),
    );
}

#[test]
fn html_costs_grow_with_the_input() {
    linear(
        Format::Html,
        &[
            ("the same heading", "<h2>Fixed</h2><p>a bug</p>"),
            ("nested sections", "<section><h2>Fixed</h2><p>x</p>"),
            ("the same id", "<h2 id=\"usage\">Usage</h2><p>x</p>"),
            ("nested divs", "<div><p>x"),
            ("headings only", "<h3>Usage</h3>"),
            ("unclosed headings", "<h2>a<h3>b"),
            (
                "permalinks",
                "<h2>A<a class=\"headerlink\" href=\"#a\">¶</a></h2><p>x</p>",
            ),
            ("unclosed pre", "<pre>a\n"),
            ("many attributes", "<p a=1 b=2 c=3 d=4 e=5>x</p>"),
            ("entities", "&amp;&lt;&#x41;&nbsp;&bogus;"),
            ("unclosed comment", "<!-- a"),
            ("tables", "<table><tr><td>a</td><td>b</td></tr></table>"),
            ("skipped nav", "<nav><h2>Menu</h2><ul><li>a</li></ul></nav>"),
        ],
        |body| {
            format!(
                "<html><head><title>T</title></head><body><main><h1>T</h1>{body}</main></body></html>"
            )
        },
    );
}

#[test]
fn text_costs_grow_with_the_input() {
    linear(
        Format::Text,
        &[
            ("the same heading", "Fixed\n\nA bug was fixed.\n\n"),
            ("short lines in a row", "Usage\n\n"),
            (
                "different headings",
                "Causes\n\nSome text here.\n\nTreatment\n\nMore text.\n\n",
            ),
            ("list items", "- an item\n1. another\n"),
            ("one long paragraph", "word "),
            (
                "long lines",
                "a line that goes on and on and on without end\n",
            ),
            ("boilerplate", "Advertisement\n\nText.\n\n"),
        ],
        |body| format!("Title\n\n{body}\n\nThe end of it, as body text.\n"),
    );
}

#[test]
fn a_long_paragraph_of_markdown_is_parsed_a_piece_at_a_time() {
    let _one = serial();
    // pulldown-cmark holds some 80 times a paragraph of unclosed emphasis:
    // 320 MB for this one, were it parsed whole.
    let text = format!("# T\n\n{}\n", "*a _b **c ".repeat(400_000));
    let cost = cost(&Splitter::default(), Format::Markdown, &text);
    assert!(
        cost.peak <= 4 * text.len() + 100 * MARKDOWN_PIECE_MAX,
        "{} bytes held at once for {} bytes",
        cost.peak,
        text.len()
    );
}

#[test]
fn articles_past_the_section_limit_keep_all_their_text() {
    let _one = serial();
    let n = quire::MAX_SECTIONS + 5_000;
    let text = format!(
        "# Log\n\n{}",
        (0..n)
            .map(|i| format!("## v{i}\n\nfix{i}\n\n"))
            .collect::<String>()
    );
    let article = Splitter::default().split_as(Format::Markdown, &text, "log");
    assert!(article.sections.len() <= quire::MAX_SECTIONS + 1);
    let all: String = article.sections.iter().map(|s| s.text.as_str()).collect();
    // The headings past the limit are text of the last section.
    assert!(all.contains(&format!("fix{}", n - 1)));
    assert!(all.contains(&format!("v{}", n - 1)));
    assert!(
        article
            .sections
            .iter()
            .all(|s| s.text.len() <= quire::MAX_SECTION_BYTES)
    );
    let anchors: std::collections::HashSet<&str> =
        article.sections.iter().map(|s| s.anchor.as_str()).collect();
    assert_eq!(anchors.len(), article.sections.len());
}

#[test]
fn runs_of_short_lines_nest_no_deeper_than_six() {
    let text = format!(
        "Title\n\n{}Body text at last.\n",
        "A short line\n\nAnother one\n\n".repeat(20)
    );
    let article = Splitter::default().split(&text);
    assert!(
        article
            .sections
            .iter()
            .all(|s| s.path.len() <= quire::MAX_DEPTH)
    );
    // The lines past the sixth level are text, and searchable.
    assert!(article.sections[0].text.contains("A short line"));
}

/// Removes files when reading is about to start: after the folder's walk
/// has found them and their sizes were read.
struct Removing(Vec<std::path::PathBuf>);

impl quire::Progress for Removing {
    fn start(&self, _files: u64, _bytes: u64) {
        for path in &self.0 {
            std::fs::remove_file(path).unwrap();
        }
    }
}

#[test]
fn files_that_vanish_between_walk_and_read_are_not_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let articles = dir.path().join("articles");
    std::fs::create_dir(&articles).unwrap();
    let write = |name: &str, text: &str| std::fs::write(articles.join(name), text).unwrap();
    write("kept.txt", "Kept\n\nCause\n\nKept for good.\n");
    write("indexed.txt", "Indexed\n\nCause\n\nIndexed then gone.\n");
    let index = dir.path().join("index");
    let options = quire::IndexOptions::default();
    let paths = [articles.clone()];
    quire::build_index(&index, &paths, &options).unwrap();
    // The second run finds a new file and a changed one, and both are gone
    // by the time they would be read.
    write("new.txt", "New\n\nCause\n\nNew and gone.\n");
    write("indexed.txt", "Indexed\n\nCause\n\nChanged, then gone.\n");
    let gone = Removing(vec![articles.join("new.txt"), articles.join("indexed.txt")]);
    let report = quire::build_index_with_progress(&index, &paths, &options, &gone).unwrap();
    assert_eq!((report.added, report.changed, report.removed), (0, 0, 1));
    assert_eq!(report.unchanged, 1);
    let mut said: Vec<String> = report
        .skipped
        .iter()
        .map(|n| {
            format!(
                "{} {}",
                n.path.file_name().unwrap().to_string_lossy(),
                n.message
            )
        })
        .collect();
    said.sort();
    assert_eq!(
        said,
        [
            "indexed.txt removed while being indexed",
            "new.txt removed while being indexed"
        ]
    );
    let index = quire::Index::open(&index).unwrap();
    let results = index
        .search("cause", &quire::SearchOptions::default())
        .unwrap();
    let ids: Vec<&str> = results.hits.iter().map(|h| h.article.id.as_str()).collect();
    assert_eq!(ids, ["kept.txt"]);
}

#[test]
fn a_heading_of_a_megabyte_is_not_copied_into_every_section() {
    let huge = "word ".repeat(200_000);
    let subsections = "## Sub\n\ntext\n\n".repeat(1_000);
    let cases = [
        (
            Format::Markdown,
            format!("# {huge}\n\nIntro.\n\n## {huge}\n\nx\n\n{subsections}"),
        ),
        (
            Format::Html,
            format!(
                "<title>{huge}</title><h2>{huge}</h2><p>x</p>{}",
                "<h3>Sub</h3><p>text</p>".repeat(1_000)
            ),
        ),
        (Format::Text, format!("{huge}\n\nCause\n\nText.\n")),
        // Titles over sections of their own.
        (
            Format::Text,
            format!("{huge}\n\nIntro text.\n\nCause\n\nText.\n"),
        ),
        (
            Format::Markdown,
            format!("---\ntitle: {huge}\n---\n\nIntro.\n\n{subsections}"),
        ),
        (
            Format::Html,
            format!("<title>{huge}</title><p>Intro.</p><h2>Sub</h2><p>x</p>"),
        ),
    ];
    for (format, text) in cases {
        let article = Splitter::default().split_as(format, &text, "name");
        assert!(article.title.chars().count() <= quire::MAX_HEADING_CHARS + 1);
        let carried: usize = article
            .sections
            .iter()
            .map(|s| s.label.len() + s.anchor.len() + s.path.iter().map(String::len).sum::<usize>())
            .sum();
        assert!(
            carried < 4_000 * article.sections.len(),
            "{format:?}: {carried} bytes"
        );
        assert!(
            article.sections.iter().all(|s| s.anchor.len() < 1_000),
            "{format:?}"
        );
        // The words are still there to be found, once.
        let all: String = article.sections.iter().map(|s| s.text.as_str()).collect();
        let found = all.matches("word").count();
        assert!(found >= 200_000, "{format:?}: {found}");
        assert!(found <= 400_000, "{format:?}: {found}");
    }
}

/// A query of thousands of words, on an index with thousands of synonym
/// groups: what it costs grows in step with its length (finding the
/// synonyms of every run of words once took the square of it: 20 s for
/// 3,000 words).
#[test]
fn long_queries_cost_in_step_with_their_length() {
    let _one = serial();
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let text = "Nerves and muscles\n\nNerves\n\nThe facial nerve moves the muscles of the face.\n\n\
                Muscles\n\nA spasm is a sudden tightening of a muscle.\n";
    std::fs::write(corpus.join("a.txt"), text).unwrap();
    let groups: Vec<String> = (0..2_000)
        .map(|i| format!("[\"w{i}x nerve\", \"syn{i}\"]"))
        .chain(["[\"facial nerve\", \"seventh nerve\"]".to_string()])
        .collect();
    let mut rules = quire::Rules::default();
    rules
        .extend_from_str(&format!("synonyms = [{}]", groups.join(", ")))
        .unwrap();
    let options = quire::IndexOptions::default().rules(rules);
    quire::build_index(dir.path().join("index"), &[corpus], &options).unwrap();
    let index = quire::Index::open(dir.path().join("index")).unwrap();
    let words = [
        "facial", "nerve", "spasm", "the", "muscle", "what", "seventh",
    ];
    let query = |n: usize| -> String {
        (0..n)
            .map(|i| words[(i * 7 + i / 3) % words.len()])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let cost = |n: usize| -> (usize, Duration) {
        let q = query(n);
        let mut best = Duration::MAX;
        let mut allocations = 0;
        for _ in 0..3 {
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let started = Instant::now();
            let results = index.search(&q, &quire::SearchOptions::default()).unwrap();
            best = best.min(started.elapsed());
            allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
            assert!(!results.hits.is_empty());
        }
        (allocations, best)
    };
    let (a, ta) = cost(300);
    let (b, tb) = cost(3_000);
    let allocations = b as f64 / a.max(1) as f64;
    let time = tb.as_secs_f64() / ta.as_secs_f64().max(1e-6);
    println!("300 words: {a} allocations, {ta:?}; 3,000: {b}, {tb:?}");
    assert!(
        allocations <= 12.0,
        "10x the words took {allocations:.1}x the allocations"
    );
    assert!(
        time <= 40.0,
        "10x the words took {time:.1}x the time ({ta:?} then {tb:?})"
    );
}
