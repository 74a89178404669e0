//! From paths on disk to a committed index: finding article files, telling
//! which changed since the last run, reading them safely, splitting them
//! (in parallel) and handing the sections to a [`Writer`].
//!
//! Each article's file is stamped in the index (size, modification time,
//! content hash, splitting rules), in the same commit as its sections. A run
//! reads only files whose size or time changed, re-indexes only those whose
//! content changed, and removes the articles of files that are gone from a
//! folder it walks. Files that cannot be indexed are skipped with a notice;
//! with `strict`, the first one fails the run before anything is committed.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant, UNIX_EPOCH};

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

use crate::article::{Article, Splitter};
use crate::error::{Error, Result};
use crate::format::Format;
use crate::index::{Index, Stamp, Writer, article_key};
use crate::rules::Rules;

/// The default for [`IndexOptions::max_file_size`]: 64 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// At most this many bytes of article files are held in memory at once
/// (a larger file is read alone), so that parallel workers on large files
/// cannot add up to more than a bounded amount of memory.
const IN_FLIGHT_BYTES: u64 = 64 * 1024 * 1024;

/// Bumped when a reader's output changes, so that every article is split
/// again by a new quire even if its file did not change.
const EXTRACTOR_VERSION: u64 = 1;

/// How [`build_index`] works.
#[derive(Clone, Debug)]
pub struct IndexOptions {
    /// The splitting rules for plain text (their boilerplate phrases apply
    /// to every format).
    pub rules: Rules,
    /// Start from an empty index instead of updating the one there.
    pub rebuild: bool,
    /// Fail, committing nothing, on the first file that cannot be indexed
    /// whole, instead of skipping it with a notice.
    pub strict: bool,
    /// Only files matching one of these globs (gitignore syntax, relative to
    /// each folder walked) are read; all when empty.
    pub globs: Vec<String>,
    /// Files and folders matching these globs are not read.
    pub excludes: Vec<String>,
    /// Larger files are skipped with a notice, so that one huge file cannot
    /// exhaust memory.
    pub max_file_size: u64,
    /// Threads that read and split files; 0 means one per core.
    pub threads: usize,
    /// Memory for the index writer's in-memory segments, in bytes (see
    /// [`Index::writer_with`]).
    pub writer_memory: u64,
}

impl Default for IndexOptions {
    fn default() -> IndexOptions {
        IndexOptions {
            rules: Rules::default(),
            rebuild: false,
            strict: false,
            globs: vec![],
            excludes: vec![],
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            threads: 0,
            writer_memory: crate::index::DEFAULT_WRITER_MEMORY,
        }
    }
}

/// What a [`build_index`] run did.
#[derive(Clone, Debug, Default)]
pub struct IndexReport {
    /// Articles in the index after the run.
    pub articles: usize,
    /// Sections in the index after the run.
    pub sections: u64,
    /// Articles indexed for the first time.
    pub added: usize,
    /// Articles whose file changed and that were indexed again.
    pub changed: usize,
    /// Articles removed because their file is gone, no longer matches, or
    /// now has nothing to index.
    pub removed: usize,
    /// Articles whose file did not change.
    pub unchanged: usize,
    /// Sections written by this run.
    pub sections_written: usize,
    /// Bytes of article files read by this run.
    pub bytes_read: u64,
    /// Bytes of section text extracted and written by this run.
    pub text_bytes: u64,
    /// Files that were not indexed, and why.
    pub skipped: Vec<Notice>,
    /// Files that were indexed with a caveat (such as lossy decoding).
    pub warnings: Vec<Notice>,
    /// Files in the folders walked that quire does not read (other
    /// extensions).
    pub ignored: Vec<PathBuf>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// Something to tell the user about one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The file concerned.
    pub path: PathBuf,
    /// What happened, in a few words.
    pub message: String,
}

/// Hears how far [`build_index_with_progress`] has got; every method may be
/// called from several threads.
pub trait Progress: Sync {
    /// `files` files of `bytes` bytes in all are to be read.
    fn start(&self, files: u64, bytes: u64) {
        let _ = (files, bytes);
    }
    /// One file of `bytes` bytes was read and indexed (or skipped).
    fn file_done(&self, bytes: u64) {
        let _ = bytes;
    }
    /// Reading is over; the commit comes next.
    fn finish(&self) {}
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {}

/// An article file found on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleFile {
    /// The file's path, as reached from the path the user gave.
    pub path: PathBuf,
    /// The article id: the path relative to the folder the user gave (for a
    /// file given by name, its file name), with `/` separators.
    pub id: String,
    /// How to read it.
    pub format: Format,
    /// The folder the id is relative to, made absolute when possible.
    pub root: PathBuf,
    /// Whether the file was named by the user rather than found in a folder.
    pub named: bool,
}

/// Indexes the articles under `paths` into the index in `dir`, creating it
/// if needed; see [`build_index_with_progress`].
pub fn build_index(
    dir: impl AsRef<Path>,
    paths: &[PathBuf],
    options: &IndexOptions,
) -> Result<IndexReport> {
    build_index_with_progress(dir, paths, options, &NoProgress)
}

/// Indexes the articles under `paths` into the index in `dir`, creating it
/// if needed, and commits once at the end; `progress` hears about each
/// file.
///
/// Only files that changed since the last run are read and indexed again;
/// articles whose files are gone from a folder in `paths` are removed. Each
/// article replaces whatever was indexed under its id before, so running it
/// again never duplicates a section. When nothing changed, nothing is
/// written.
///
/// # Errors
///
/// [`Error::MissingPath`] when a path does not exist and [`Error::Pattern`]
/// for a bad glob (both checked before the index is touched),
/// [`Error::Strict`] under `strict`, the errors of [`Index::open_or_create`]
/// and [`Index::writer`] ([`Error::IndexLocked`] while another process
/// writes). On error nothing is committed and the index stays as it was.
pub fn build_index_with_progress(
    dir: impl AsRef<Path>,
    paths: &[PathBuf],
    options: &IndexOptions,
    progress: &dyn Progress,
) -> Result<IndexReport> {
    let start = Instant::now();
    let mut report = IndexReport::default();
    let found = find_articles_with(paths, options, &mut report)?;
    fail_if_strict(options, &report.skipped)?;

    let metas: Vec<FileMeta> = found.iter().map(file_meta).collect();

    let index = Index::open_or_create(dir, options.rebuild)?;
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let total: u64 = metas.iter().map(|m| m.size).sum();
    let writer = index.writer_with(indexing_threads(total, threads), options.writer_memory)?;
    let stamps = if options.rebuild {
        writer.delete_all()?;
        HashMap::new()
    } else {
        index.stamps()?
    };

    let splitter = Splitter::new(options.rules.clone());
    let splitter_key = splitter_key(&options.rules);
    let plan = plan(&found, &metas, &stamps, splitter_key);
    report.unchanged = plan.unchanged;
    for &key in &plan.removed {
        writer.delete_key(key);
    }
    report.removed = plan.removed.len();

    let bytes: u64 = plan.todo.iter().map(|t| t.meta.size).sum();
    progress.start(plan.todo.len() as u64, bytes);
    let context = Context {
        budget: Budget::new(IN_FLIGHT_BYTES),
        writer: &writer,
        splitter: &splitter,
        splitter_key,
        options,
        progress,
        failed: AtomicBool::new(false),
    };
    let outcomes = run_parallel(&plan.todo, threads, |todo| context.index_one(todo));
    progress.finish();
    for outcome in outcomes {
        report.bytes_read += outcome.bytes_read;
        report.text_bytes += outcome.text_bytes;
        report.warnings.extend(outcome.warning);
        match outcome.result {
            Indexed::Added(n) => {
                report.added += 1;
                report.sections_written += n;
            }
            Indexed::Changed(n) => {
                report.changed += 1;
                report.sections_written += n;
            }
            Indexed::Unchanged => report.unchanged += 1,
            Indexed::Emptied(notice) => {
                report.removed += 1;
                report.skipped.push(notice);
            }
            Indexed::Skipped(notice) => report.skipped.push(notice),
        }
    }
    // Worker order is not file order: report in file order.
    report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    report.warnings.sort_by(|a, b| a.path.cmp(&b.path));
    fail_if_strict(options, &report.warnings)?;
    fail_if_strict(options, &report.skipped)?;

    if options.rebuild || report.added + report.changed + report.removed > 0 {
        writer.commit()?;
        index.reload()?;
    } else {
        drop(writer);
    }
    report.sections = index.num_sections();
    report.articles = index.num_articles()?;
    report.elapsed = start.elapsed();
    Ok(report)
}

/// What to do with the files found.
struct Plan<'a> {
    /// Files to read: new, or stamped differently.
    todo: Vec<Todo<'a>>,
    /// Files whose stamp matches: not read.
    unchanged: usize,
    /// Keys of articles whose files are gone from a walked folder.
    removed: Vec<u64>,
}

struct Todo<'a> {
    file: &'a ArticleFile,
    meta: FileMeta,
    /// The stamp in the index, if the article is there.
    before: Option<Stamp>,
}

#[derive(Clone, Copy)]
struct FileMeta {
    size: u64,
    mtime: u64,
    root_key: u64,
}

fn plan<'a>(
    found: &'a [ArticleFile],
    metas: &[FileMeta],
    stamps: &HashMap<u64, Stamp>,
    splitter_key: u64,
) -> Plan<'a> {
    let mut plan = Plan {
        todo: vec![],
        unchanged: 0,
        removed: vec![],
    };
    let mut seen = HashSet::with_capacity(found.len());
    let mut walked_roots = HashSet::new();
    for (file, &meta) in found.iter().zip(metas) {
        let key = article_key(&file.id);
        seen.insert(key);
        if !file.named {
            walked_roots.insert(meta.root_key);
        }
        let before = stamps.get(&key).copied();
        match before {
            Some(s)
                if s.size == meta.size
                    && s.mtime == meta.mtime
                    && s.root_key == meta.root_key
                    && s.splitter_key == splitter_key =>
            {
                plan.unchanged += 1
            }
            _ => plan.todo.push(Todo { file, meta, before }),
        }
    }
    for (key, stamp) in stamps {
        if walked_roots.contains(&stamp.root_key) && !seen.contains(key) {
            plan.removed.push(*key);
        }
    }
    plan.removed.sort_unstable();
    // Largest files first keeps the threads busy to the end.
    plan.todo.sort_by_key(|t| std::cmp::Reverse(t.meta.size));
    plan
}

fn file_meta(file: &ArticleFile) -> FileMeta {
    let meta = fs::metadata(&file.path).ok();
    let mtime = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    FileMeta {
        size: meta.map_or(0, |m| m.len()),
        mtime,
        root_key: xxhash_rust::xxh3::xxh3_64(file.root.as_os_str().as_encoded_bytes()),
    }
}

/// A fingerprint of the rules and of the readers, so that changing either
/// re-splits every article.
fn splitter_key(rules: &Rules) -> u64 {
    let text = format!("{EXTRACTOR_VERSION}\n{rules:?}");
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// One indexing thread per [`BYTES_PER_THREAD`] of input, up to `max`.
fn indexing_threads(bytes: u64, max: usize) -> usize {
    usize::try_from(bytes / BYTES_PER_THREAD + 1).map_or(max, |n| n.min(max))
}

/// Input below this size is indexed by one thread.
const BYTES_PER_THREAD: u64 = 8 * 1024 * 1024;

/// What happened to one file.
enum Indexed {
    Added(usize),
    Changed(usize),
    Unchanged,
    /// Its article was in the index and the file now has nothing to index.
    Emptied(Notice),
    Skipped(Notice),
}

struct Outcome {
    result: Indexed,
    warning: Option<Notice>,
    bytes_read: u64,
    text_bytes: u64,
}

/// A count of bytes that workers take before reading a file and give back
/// when done with it.
struct Budget {
    total: u64,
    available: Mutex<u64>,
    freed: Condvar,
}

impl Budget {
    fn new(total: u64) -> Budget {
        Budget {
            total,
            available: Mutex::new(total),
            freed: Condvar::new(),
        }
    }

    /// Waits until `bytes` (at most the whole budget) are free, and takes
    /// them until the guard is dropped.
    fn take(&self, bytes: u64) -> BudgetGuard<'_> {
        let bytes = bytes.min(self.total);
        let mut available = self.available.lock().expect("no worker panics");
        while *available < bytes {
            available = self.freed.wait(available).expect("no worker panics");
        }
        *available -= bytes;
        BudgetGuard {
            budget: self,
            bytes,
        }
    }
}

struct BudgetGuard<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Drop for BudgetGuard<'_> {
    fn drop(&mut self) {
        *self.budget.available.lock().expect("no worker panics") += self.bytes;
        self.budget.freed.notify_all();
    }
}

/// What every worker shares.
struct Context<'a> {
    budget: Budget,
    writer: &'a Writer,
    splitter: &'a Splitter,
    splitter_key: u64,
    options: &'a IndexOptions,
    progress: &'a dyn Progress,
    /// Set under `strict` once a file fails, so the others stop early.
    failed: AtomicBool,
}

impl Context<'_> {
    fn index_one(&self, todo: &Todo) -> Outcome {
        let outcome = if self.failed.load(Ordering::Relaxed) {
            Outcome {
                result: Indexed::Unchanged,
                warning: None,
                bytes_read: 0,
                text_bytes: 0,
            }
        } else {
            self.read_and_add(todo)
        };
        if self.options.strict
            && (outcome.warning.is_some()
                || matches!(outcome.result, Indexed::Skipped(_) | Indexed::Emptied(_)))
        {
            self.failed.store(true, Ordering::Relaxed);
        }
        self.progress.file_done(todo.meta.size);
        outcome
    }

    fn read_and_add(&self, todo: &Todo) -> Outcome {
        let file = todo.file;
        let notice = |message: String| Notice {
            path: file.path.clone(),
            message,
        };
        // A file whose content is unusable now makes its old sections
        // stale; one that cannot be read says nothing of its content, so
        // its old sections stay.
        let skipped = |message: String, bytes_read, content_known: bool| Outcome {
            result: match todo.before {
                Some(_) if content_known => {
                    self.writer.delete_article(&file.id);
                    Indexed::Emptied(notice(message))
                }
                _ => Indexed::Skipped(notice(message)),
            },
            warning: None,
            bytes_read,
            text_bytes: 0,
        };
        if todo.meta.size > self.options.max_file_size {
            return skipped(
                format!(
                    "too large ({}; the limit is {}, raise it with --max-file-size)",
                    human_bytes(todo.meta.size),
                    human_bytes(self.options.max_file_size)
                ),
                0,
                false,
            );
        }
        let _memory = self.budget.take(todo.meta.size);
        let bytes = match fs::read(&file.path) {
            Ok(bytes) => bytes,
            Err(e) => return skipped(format!("cannot be read: {e}"), 0, false),
        };
        let len = bytes.len() as u64;
        let content_hash = xxhash_rust::xxh3::xxh3_64(&bytes);
        if let Some(before) = todo.before
            && before.content_hash == content_hash
            && before.splitter_key == self.splitter_key
            && before.root_key == todo.meta.root_key
        {
            // Touched, not changed. The old stamp stays; the next run reads
            // the file again.
            return Outcome {
                result: Indexed::Unchanged,
                warning: None,
                bytes_read: len,
                text_bytes: 0,
            };
        }
        let (text, lossy) = match decode(bytes) {
            Ok(decoded) => decoded,
            Err(message) => return skipped(message, len, true),
        };
        let name = file
            .path
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        let article = self.splitter.split_as(file.format, &text, &name);
        if article.sections.is_empty() {
            return skipped("no text to index".into(), len, true);
        }
        let stamp = Stamp {
            root_key: todo.meta.root_key,
            size: todo.meta.size,
            mtime: todo.meta.mtime,
            content_hash,
            splitter_key: self.splitter_key,
        };
        let source = file.path.to_string_lossy();
        let result = match self.writer.add_stamped(&file.id, &source, &article, &stamp) {
            Ok(n) if todo.before.is_some() => Indexed::Changed(n),
            Ok(n) => Indexed::Added(n),
            Err(e) => Indexed::Skipped(notice(format!("cannot be indexed: {e}"))),
        };
        Outcome {
            result,
            warning: lossy
                .then(|| notice("not valid UTF-8; undecodable bytes were replaced".into())),
            bytes_read: len,
            text_bytes: article.sections.iter().map(|s| s.text.len() as u64).sum(),
        }
    }
}

/// Runs `work` on every item on `threads` threads, returning the results in
/// item order.
fn run_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = work(item);
                    results.lock().expect("no worker panics").push((i, result));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("no worker panics");
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn fail_if_strict(options: &IndexOptions, notices: &[Notice]) -> Result<()> {
    match notices.first() {
        Some(n) if options.strict => Err(Error::Strict {
            path: n.path.clone(),
            reason: n.message.clone(),
        }),
        _ => Ok(()),
    }
}

/// Reads an article file and splits it as its extension says. Returns the
/// article and whether the file had to be decoded lossily, or why it cannot
/// be indexed.
pub fn split_file(
    splitter: &Splitter,
    path: &Path,
) -> std::result::Result<(Article, bool), String> {
    let format = Format::from_path(path).ok_or_else(|| {
        format!(
            "not an article (quire reads {})",
            Format::describe_extensions()
        )
    })?;
    let (text, lossy) = read_article(path)?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    Ok((splitter.split_as(format, &text, &name), lossy))
}

/// Reads an article file. Returns its text and whether it had to be decoded
/// lossily, or why it cannot be indexed.
pub fn read_article(path: &Path) -> std::result::Result<(String, bool), String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
    decode(bytes)
}

/// Text from a file's bytes: refused when binary or empty, decoded lossily
/// (and flagged) when not UTF-8.
fn decode(bytes: Vec<u8>) -> std::result::Result<(String, bool), String> {
    if bytes.contains(&0) {
        return Err("binary file (it contains NUL bytes)".into());
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("empty file".into());
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, false)),
        Err(err) => Ok((String::from_utf8_lossy(err.as_bytes()).into_owned(), true)),
    }
}

fn human_bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / MIB)
    } else {
        format!("{n} bytes")
    }
}

/// Lists the article files under `paths` with the default options; see
/// [`IndexOptions::globs`] for filtering.
///
/// # Errors
///
/// [`Error::MissingPath`] when a path does not exist.
pub fn find_articles(paths: &[PathBuf], skipped: &mut Vec<Notice>) -> Result<Vec<ArticleFile>> {
    let mut report = IndexReport::default();
    let files = find_articles_with(paths, &IndexOptions::default(), &mut report)?;
    skipped.extend(report.skipped);
    Ok(files)
}

/// Lists the article files under `paths`: folders are walked recursively,
/// honouring `.gitignore` and `.ignore` files and skipping hidden entries;
/// files named directly are taken as they are. Notes what it passes over in
/// `report`.
fn find_articles_with(
    paths: &[PathBuf],
    options: &IndexOptions,
    report: &mut IndexReport,
) -> Result<Vec<ArticleFile>> {
    if let Some(missing) = paths.iter().find(|p| fs::metadata(p).is_err()) {
        return Err(Error::MissingPath(missing.clone()));
    }
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, options, &mut files, report)?;
        } else if !path.is_file() {
            // A FIFO or a device would block or never end.
            report.skipped.push(Notice {
                path: path.clone(),
                message: "not a regular file".into(),
            });
        } else if let Some(format) = Format::from_path(path) {
            let id = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            files.push(ArticleFile {
                path: path.clone(),
                id,
                format,
                root: absolute(parent.unwrap_or(Path::new("."))),
                named: true,
            });
        } else {
            report.skipped.push(Notice {
                path: path.clone(),
                message: format!(
                    "not an article (quire reads {})",
                    Format::describe_extensions()
                ),
            });
        }
    }
    // Two paths can give the same id (`a/x.txt` and `b/x.txt`): the first
    // keeps it; the others would silently replace it, so they are skipped.
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    files.retain(|f| match seen.get(&f.id) {
        Some(first) => {
            report.skipped.push(Notice {
                path: f.path.clone(),
                message: format!(
                    "article id '{}' is already taken by {}",
                    f.id,
                    first.display()
                ),
            });
            false
        }
        None => {
            seen.insert(f.id.clone(), f.path.clone());
            true
        }
    });
    Ok(files)
}

fn walk(
    root: &Path,
    options: &IndexOptions,
    files: &mut Vec<ArticleFile>,
    report: &mut IndexReport,
) -> Result<()> {
    let mut overrides = OverrideBuilder::new(root);
    let patterns = options
        .globs
        .iter()
        .map(|g| g.to_string())
        .chain(options.excludes.iter().map(|e| format!("!{e}")));
    for pattern in patterns {
        overrides
            .add(&pattern)
            .map_err(|e| Error::Pattern(crate::error::one_line(&e.to_string())))?;
    }
    let overrides = overrides
        .build()
        .map_err(|e| Error::Pattern(crate::error::one_line(&e.to_string())))?;
    let walker = WalkBuilder::new(root)
        .hidden(true)
        .ignore(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .parents(false)
        .follow_links(false)
        .overrides(overrides)
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    let root_abs = absolute(root);
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = match &err {
                    ignore::Error::WithPath { path, .. } => path.clone(),
                    _ => root.to_path_buf(),
                };
                report.skipped.push(Notice {
                    path,
                    message: format!(
                        "cannot be read: {}",
                        crate::error::one_line(&err.to_string())
                    ),
                });
                continue;
            }
        };
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let path = entry.into_path();
        if file_type.is_symlink() {
            // A link to a file is read as that file; links to folders are
            // not followed (no cycles); a dangling link is unreadable.
            match fs::metadata(&path) {
                Ok(meta) if meta.is_file() => {}
                Ok(_) => continue,
                Err(e) => {
                    if Format::from_path(&path).is_some() {
                        report.skipped.push(Notice {
                            path,
                            message: format!("cannot be read: {e}"),
                        });
                    }
                    continue;
                }
            }
        } else if !file_type.is_file() {
            continue;
        }
        let Some(format) = Format::from_path(&path) else {
            report.ignored.push(path);
            continue;
        };
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let id = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        files.push(ArticleFile {
            path,
            id,
            format,
            root: root_abs.clone(),
            named: false,
        });
    }
    Ok(())
}

/// `path` made absolute and canonical when it can be, else as it is.
fn absolute(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_relative_to_the_given_folder() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("a/b")).unwrap();
        fs::write(tmp.path().join("a/b/x.txt"), "T\n\nBody.").unwrap();
        fs::write(tmp.path().join("a/y.TXT"), "T\n\nBody.").unwrap();
        fs::write(tmp.path().join("a/z.md"), "# T").unwrap();
        fs::write(tmp.path().join("a/w.rst"), "T").unwrap();
        fs::write(tmp.path().join("a/.hidden.txt"), "T").unwrap();
        let mut skipped = vec![];
        let files = find_articles(&[tmp.path().join("a")], &mut skipped).unwrap();
        let ids: Vec<&str> = files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["b/x.txt", "y.TXT", "z.md"]);
        assert_eq!(files[2].format, Format::Markdown);
        assert!(skipped.is_empty());
        let files = find_articles(&[tmp.path().join("a/b/x.txt")], &mut skipped).unwrap();
        assert_eq!(files[0].id, "x.txt");
        assert!(files[0].named);
    }

    #[test]
    fn ignore_files_and_globs_filter_the_walk() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("docs");
        for f in [
            "a.html",
            "b.md",
            "_sources/a.txt",
            "drafts/c.md",
            "keep/d.html",
        ] {
            let path = root.join(f);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        fs::write(root.join(".gitignore"), "drafts/\n").unwrap();
        let ids = |options: &IndexOptions| {
            let mut report = IndexReport::default();
            find_articles_with(std::slice::from_ref(&root), options, &mut report)
                .unwrap()
                .into_iter()
                .map(|f| f.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&IndexOptions::default()),
            ["_sources/a.txt", "a.html", "b.md", "keep/d.html"]
        );
        let options = IndexOptions {
            globs: vec!["*.html".into()],
            excludes: vec!["keep".into()],
            ..IndexOptions::default()
        };
        assert_eq!(ids(&options), ["a.html"]);
        let bad = IndexOptions {
            globs: vec!["a[".into()],
            ..IndexOptions::default()
        };
        let mut report = IndexReport::default();
        let err = find_articles_with(std::slice::from_ref(&root), &bad, &mut report).unwrap_err();
        assert!(matches!(err, Error::Pattern(_)), "{err}");
    }

    #[test]
    fn same_id_twice_keeps_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        for d in ["a", "b"] {
            fs::create_dir_all(tmp.path().join(d)).unwrap();
            fs::write(tmp.path().join(d).join("x.txt"), "T\n\nBody.").unwrap();
        }
        let mut skipped = vec![];
        let paths = [tmp.path().join("a"), tmp.path().join("b")];
        let files = find_articles(&paths, &mut skipped).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].message.contains("already taken"));
    }

    #[test]
    fn missing_paths_are_an_error() {
        let err = find_articles(&[PathBuf::from("no/such/dir")], &mut vec![]).unwrap_err();
        assert!(matches!(err, Error::MissingPath(_)));
    }

    #[test]
    fn read_article_refuses_binary_and_empty_and_decodes_lossily() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("bin.txt");
        fs::write(&bin, b"abc\0def").unwrap();
        assert!(read_article(&bin).unwrap_err().contains("binary"));
        let empty = tmp.path().join("empty.txt");
        fs::write(&empty, " \n").unwrap();
        assert!(read_article(&empty).unwrap_err().contains("empty"));
        let latin1 = tmp.path().join("latin1.txt");
        fs::write(&latin1, b"Caf\xe9\n\nBody").unwrap();
        let (text, lossy) = read_article(&latin1).unwrap();
        assert!(lossy);
        assert!(text.starts_with("Caf\u{fffd}"));
    }

    #[test]
    fn budget_lets_a_large_file_through_alone() {
        let budget = Budget::new(100);
        let big = budget.take(1_000);
        assert_eq!(*budget.available.lock().unwrap(), 0);
        drop(big);
        let a = budget.take(60);
        let b = budget.take(40);
        assert_eq!(*budget.available.lock().unwrap(), 0);
        drop((a, b));
        assert_eq!(*budget.available.lock().unwrap(), 100);
    }

    #[test]
    fn run_parallel_keeps_item_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = run_parallel(&items, 4, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(run_parallel(&[] as &[u32], 4, |x| *x).is_empty());
    }
}
