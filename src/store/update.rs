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
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use super::document::StoredVector;
use super::open::{Store, Unusable};
use super::payload::Site;
use super::pool::{Budget, run_parallel};
use super::stamp::{self, Stamp, article_key};
use super::vectors::article_vectors;
use super::writer::{DEFAULT_WRITER_MEMORY, Writer};
use crate::analysis::language::language_code;
use crate::embed::identity::ModelIdentity;
use crate::embed::input::{input_key, section_input};
use crate::embed::model::Model;
use crate::embed::vector::quantise;
use crate::error::{ArticleProblem, Error, Result};
use crate::ingest::article::Article;
use crate::ingest::format::READER_VERSION;
use crate::ingest::read::decode;
use crate::ingest::rules::Rules;
use crate::ingest::splitter::Splitter;
use crate::ingest::walk::{self, ArticleFile, Notice};

/// The default for [`IndexOptions::max_file_size`]: 64 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// At most this many bytes of article files are held in memory at once
/// (a larger file is read alone), so that parallel workers on large files
/// cannot add up to more than a bounded amount of memory.
const IN_FLIGHT_BYTES: u64 = 64 * 1024 * 1024;

/// How [`build_index`] works: [`IndexOptions::default`], then the setters
/// for what differs.
///
/// ```
/// let options = quire::IndexOptions::default().strict(true).glob("*.html");
/// assert!(options.strict && options.max_file_size == quire::DEFAULT_MAX_FILE_SIZE);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
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
    /// Memory for the index writer's in-memory segments, in bytes, shared
    /// by its threads (see [`Index::writer_with`](crate::Index::writer_with));
    /// 0 means [`DEFAULT_WRITER_MEMORY`] for each indexing thread.
    pub writer_memory: u64,
    /// Which model embeds the sections, if any.
    pub embedding: Embedding,
    /// Folders (or files) and the URLs they are published at: their hits
    /// carry a link, the URL followed by the article's id and the
    /// section's anchor. A folder not listed keeps the URL the index has
    /// for it, if any.
    pub base_urls: Vec<(PathBuf, String)>,
    /// Folders (or files) and the language their articles are in (a code
    /// such as `de`, or a tag such as `pt-BR`), whatever the articles say
    /// or the detector finds.
    pub langs: Vec<(PathBuf, String)>,
}

/// Which model embeds an index's sections ([`IndexOptions::embedding`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Embedding {
    /// The model the index was built with, if any, from the folder it
    /// remembers (the default).
    #[default]
    Keep,
    /// The sentence-transformers model in this folder: a model other than
    /// the index's re-embeds every section; the same one, moved, only
    /// updates the folder the index remembers.
    Model(PathBuf),
    /// None: the sections lose their vectors and are searched by their
    /// words alone.
    Drop,
}

impl IndexOptions {
    /// Sets [`IndexOptions::rules`].
    pub fn rules(mut self, rules: Rules) -> IndexOptions {
        self.rules = rules;
        self
    }

    /// Sets [`IndexOptions::rebuild`].
    pub fn rebuild(mut self, rebuild: bool) -> IndexOptions {
        self.rebuild = rebuild;
        self
    }

    /// Sets [`IndexOptions::strict`].
    pub fn strict(mut self, strict: bool) -> IndexOptions {
        self.strict = strict;
        self
    }

    /// Adds a glob to [`IndexOptions::globs`].
    pub fn glob(mut self, glob: impl Into<String>) -> IndexOptions {
        self.globs.push(glob.into());
        self
    }

    /// Adds a glob to [`IndexOptions::excludes`].
    pub fn exclude(mut self, glob: impl Into<String>) -> IndexOptions {
        self.excludes.push(glob.into());
        self
    }

    /// Sets [`IndexOptions::max_file_size`].
    pub fn max_file_size(mut self, bytes: u64) -> IndexOptions {
        self.max_file_size = bytes;
        self
    }

    /// Sets [`IndexOptions::threads`].
    pub fn threads(mut self, threads: usize) -> IndexOptions {
        self.threads = threads;
        self
    }

    /// Sets [`IndexOptions::writer_memory`].
    pub fn writer_memory(mut self, bytes: u64) -> IndexOptions {
        self.writer_memory = bytes;
        self
    }

    /// Embeds the sections with the model in the folder `dir` (see
    /// [`Embedding::Model`]).
    pub fn model(mut self, dir: impl Into<PathBuf>) -> IndexOptions {
        self.embedding = Embedding::Model(dir.into());
        self
    }

    /// Sets [`IndexOptions::embedding`].
    pub fn embedding(mut self, embedding: Embedding) -> IndexOptions {
        self.embedding = embedding;
        self
    }

    /// Says that the articles under `folder` are published at `url` (see
    /// [`IndexOptions::base_urls`]).
    pub fn base_url(mut self, folder: impl Into<PathBuf>, url: impl Into<String>) -> IndexOptions {
        self.base_urls.push((folder.into(), url.into()));
        self
    }

    /// Adds a folder and the language of its articles (see
    /// [`IndexOptions::langs`]).
    pub fn lang(mut self, folder: impl Into<PathBuf>, lang: impl Into<String>) -> IndexOptions {
        self.langs.push((folder.into(), lang.into()));
        self
    }
}

/// The hash of the folder an article's id is relative to.
fn root_key(root: &Path) -> u64 {
    xxhash_rust::xxh3::xxh3_64(root.as_os_str().as_encoded_bytes())
}

/// `url` checked as the start of links (http, https, file, or a path from
/// the site's root), ending with `/`.
fn base_url(url: &str) -> Result<String> {
    let url = url.trim();
    // Links open pages: no `javascript:` or `data:` URL is one.
    let scheme = url.split_once("://").is_some_and(|(scheme, rest)| {
        ["http", "https", "file"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(scheme))
            && !rest.is_empty()
    });
    let rooted = url.starts_with('/') && !url.starts_with("//");
    if !(scheme || rooted) || url.contains(char::is_whitespace) || url.contains(['#', '?']) {
        return Err(Error::BaseUrl(url.to_string()));
    }
    Ok(if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    })
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
            writer_memory: 0,
            embedding: Embedding::Keep,
            base_urls: vec![],
            langs: vec![],
        }
    }
}

/// What a [`build_index`] run did.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
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
    pub sections_written: u64,
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
    /// Whether the search rules (stop words, synonyms) differ from those
    /// the index had: they were committed with this run.
    pub rules_changed: bool,
    /// The model whose vectors the index has after the run, if any.
    pub model: Option<ModelIdentity>,
    /// Sections embedded by this run (the others written kept the vectors
    /// of their unchanged text).
    pub sections_embedded: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
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
/// [`Error::Strict`] under `strict`, the errors of
/// [`Index::open_or_create`](crate::Index::open_or_create) and
/// [`Index::writer`](crate::Index::writer) ([`Error::IndexLocked`] while
/// another process writes). On error nothing is committed and the index stays as it was.
pub fn build_index_with_progress(
    dir: impl AsRef<Path>,
    paths: &[PathBuf],
    options: &IndexOptions,
    progress: &dyn Progress,
) -> Result<IndexReport> {
    let start = Instant::now();
    let dir = dir.as_ref();
    let walk::Found {
        files: found,
        skipped,
        ignored,
    } = walk::find(paths, &options.globs, &options.excludes)?;
    let mut report = IndexReport {
        skipped,
        ignored,
        ..IndexReport::default()
    };
    fail_if_strict(options, &report.skipped)?;

    let metas: Vec<FileMeta> = found.iter().map(file_meta).collect();

    let unusable = if options.rebuild {
        Unusable::Replace
    } else {
        Unusable::Refuse
    };
    let store = Store::open_or_create(dir, unusable)?;
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let total: u64 = metas.iter().map(|m| m.size).sum();
    let (threads, memory) = writer_size(total, threads, options.writer_memory);
    let mut writer = Writer::open(&store, threads, memory)?;
    // The search rules are the last run's: committed even when no file
    // changed.
    let search_rules = options.rules.search_rules();
    let new_rules = writer.search_rules().unwrap_or_default() != search_rules;
    writer.set_search_rules(&search_rules);
    let mut new_sites = false;
    for (folder, url) in &options.base_urls {
        let root = walk::id_root(folder);
        new_sites |= writer.set_site(Site {
            folder: root.to_string_lossy().into_owned(),
            root_key: root_key(&root),
            url: base_url(url)?,
            id_prefix: walk::id_prefix(paths, folder),
        });
    }
    // A folder indexed with others now, alone before (or the reverse),
    // keeps its URL; links leave out its ids' new prefix.
    for folder in paths {
        let root = walk::id_root(folder);
        let key = root_key(&root);
        if let Some(mut site) = writer.site(key).cloned() {
            site.id_prefix = walk::id_prefix(paths, folder);
            new_sites |= writer.set_site(site);
        }
    }
    let stamps = if options.rebuild {
        writer.delete_all()?;
        HashMap::new()
    } else {
        stamp::stamps(&store)?
    };

    // The model is loaded when given, to check it, and else only when a
    // file needs embedding.
    let mut model = match &options.embedding {
        Embedding::Model(dir) => Some(Arc::new(Model::load(dir)?)),
        Embedding::Keep | Embedding::Drop => None,
    };
    let identity = match (&options.embedding, &model) {
        (_, Some(model)) => Some(model.identity().clone()),
        (Embedding::Keep, None) => writer.model().cloned(),
        _ => None,
    };
    let mut langs = Vec::with_capacity(options.langs.len());
    for (folder, tag) in &options.langs {
        let code = language_code(tag).ok_or_else(|| Error::Language(tag.clone()))?;
        langs.push((root_key(&walk::id_root(folder)), code));
    }
    langs.sort();
    let splitter = Splitter::new(options.rules.clone());
    let splitter_key = splitter_key(&options.rules, identity.as_ref(), &langs);
    let plan = plan(&found, &metas, &stamps, splitter_key);
    if model.is_none()
        && let Some(identity) = &identity
        && !plan.todo.is_empty()
    {
        model = Some(Arc::new(Model::load_as(
            identity,
            &identity.path,
            &store.dir,
        )?));
    }
    let new_model = writer.model() != identity.as_ref();
    writer.set_model(identity.clone());
    report.unchanged = plan.unchanged;
    for &key in &plan.removed {
        writer.delete_key(key);
    }
    report.removed = plan.removed.len();

    let bytes: u64 = plan.todo.iter().map(|t| t.meta.size).sum();
    progress.start(plan.todo.len() as u64, bytes);
    let context = Context {
        budget: Arc::new(Budget::new(IN_FLIGHT_BYTES)),
        store: &store,
        model: model.as_deref(),
        embedded: AtomicU64::new(0),
        writer: &writer,
        splitter: &splitter,
        splitter_key,
        langs: &langs,
        options,
        progress,
        failed: AtomicBool::new(false),
    };
    let outcomes = run_parallel(&plan.todo, threads, |todo| context.index_one(todo));
    progress.finish();
    report.sections_embedded = context.embedded.load(Ordering::Relaxed);
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
            // Nothing is committed: the writer, dropped, rolls back.
            Indexed::Failed(err) => return Err(err),
        }
    }
    // Worker order is not file order: report in file order.
    report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    report.warnings.sort_by(|a, b| a.path.cmp(&b.path));
    fail_if_strict(options, &report.warnings)?;
    fail_if_strict(options, &report.skipped)?;

    report.rules_changed = new_rules;
    report.model = identity;
    if options.rebuild
        || new_rules
        || new_sites
        || new_model
        || report.added + report.changed + report.removed > 0
    {
        writer.commit()?;
        store.reload()?;
    } else {
        drop(writer);
    }
    report.sections = store.searcher().num_docs();
    report.articles = stamp::stamps(&store)?.len();
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
        root_key: root_key(&file.root),
    }
}

/// A fingerprint of the rules, of the readers, of the model's weights and
/// of the languages folders are told to be in, so that changing any
/// re-splits (and re-embeds) every article.
fn splitter_key(rules: &Rules, model: Option<&ModelIdentity>, langs: &[(u64, String)]) -> u64 {
    let mut text = format!("{READER_VERSION}\n{}", rules.splitting_key());
    for (root, lang) in langs {
        text.push_str(&format!("\nlang {root:x} {lang}"));
    }
    if let Some(model) = model {
        text.push_str("\nmodel ");
        text.push_str(&model.weights);
    }
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// How many threads index the `bytes` of input on `cores` cores, and with
/// how much memory: one thread per [`BYTES_PER_THREAD`] of input, up to
/// one a core, sharing `memory`; when `memory` is 0 (no memory asked for),
/// [`DEFAULT_WRITER_MEMORY`] each, and for input of more than
/// [`INPUT_PER_MEMORY`] times that, one thread per two cores.
///
/// Each thread fills its share of the memory and writes it as a segment,
/// so threads in the writer's memory are paid for in memory or in segments
/// to merge and search. On input that fills the memory once or twice, a
/// thread a core writes the last segments side by side (linux-doc, 122 MB
/// of HTML: 3.4 s with two threads, 4.2-4.5 s with one). On input that
/// fills it many times, reading and splitting the files takes about as
/// much CPU as indexing them, so half the cores nearly keep up with the
/// other half, in half the memory: on the 1 GB set, one thread with 64 MiB
/// took 14.2-20.1 s (median 16.0) and 150 MB of peak RSS for 7 segments,
/// two threads with 64 MiB each 11.9-16.0 s (median 12.8) and 205-242 MB
/// for 7-8 (three alternating runs each).
fn writer_size(bytes: u64, cores: usize, memory: u64) -> (usize, u64) {
    let cores = cores.max(1);
    let threads = usize::try_from(bytes / BYTES_PER_THREAD + 1).map_or(cores, |n| n.min(cores));
    if memory != 0 {
        return (threads, memory);
    }
    let most = DEFAULT_WRITER_MEMORY.saturating_mul(cores as u64);
    let threads = if bytes > most.saturating_mul(INPUT_PER_MEMORY) {
        (cores / 2).max(1)
    } else {
        threads
    };
    (
        threads,
        DEFAULT_WRITER_MEMORY.saturating_mul(threads as u64),
    )
}

/// Input below this size is indexed by one thread.
const BYTES_PER_THREAD: u64 = 8 * 1024 * 1024;
/// Input of more than this many times the writer's default memory for all
/// the cores is indexed by half of them (see [`writer_size`]).
const INPUT_PER_MEMORY: u64 = 4;

/// What happened to one file.
enum Indexed {
    Added(u64),
    Changed(u64),
    Unchanged,
    /// Its article was in the index and the file now has nothing to index.
    Emptied(Notice),
    Skipped(Notice),
    /// The writer failed (a full disk, say): the whole run fails.
    Failed(Error),
}

struct Outcome {
    result: Indexed,
    warning: Option<Notice>,
    bytes_read: u64,
    text_bytes: u64,
}

/// What every worker shares.
struct Context<'a> {
    budget: Arc<Budget>,
    /// The index as of the last commit: where changed articles' vectors
    /// are found.
    store: &'a Store,
    /// The model that embeds the sections, if any.
    model: Option<&'a Model>,
    /// Sections embedded so far.
    embedded: AtomicU64,
    writer: &'a Writer,
    splitter: &'a Splitter,
    splitter_key: u64,
    /// The folders (by root key) whose articles are in a language given.
    langs: &'a [(u64, String)],
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
        let refused = self.options.strict
            && (outcome.warning.is_some()
                || matches!(outcome.result, Indexed::Skipped(_) | Indexed::Emptied(_)));
        if refused || matches!(outcome.result, Indexed::Failed(_)) {
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
            // Gone since the folder was read: as if it had not been there.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return skipped("removed while being indexed".into(), 0, true);
            }
            Err(e) => return skipped(ArticleProblem::Unreadable(e).to_string(), 0, false),
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
            Ok(decoded) => (decoded.text, decoded.lossy),
            Err(problem) => return skipped(problem.to_string(), len, true),
        };
        let name = file
            .path
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default();
        let mut article = self.splitter.split_as(file.format, &text, &name);
        if let Some((_, lang)) = self
            .langs
            .iter()
            .find(|(root, _)| *root == todo.meta.root_key)
        {
            article.lang = Some(lang.clone());
        }
        // The sections hold the text now.
        drop(text);
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
        let text_bytes = article.sections.iter().map(|s| s.text.len() as u64).sum();
        let vectors = match self.vectors(&article, todo) {
            Ok(vectors) => vectors,
            Err(e) => {
                return Outcome {
                    result: Indexed::Failed(e),
                    warning: None,
                    bytes_read: len,
                    text_bytes: 0,
                };
            }
        };
        let result = match self.writer.add_stamped(
            &file.id,
            &source,
            article,
            // Only an article in the index has sections to replace (the
            // walk gives each id to one file).
            (&stamp, todo.before.is_some()),
            vectors,
        ) {
            Ok(n) if todo.before.is_some() => Indexed::Changed(n),
            Ok(n) => Indexed::Added(n),
            Err(e) => Indexed::Failed(e),
        };
        Outcome {
            result,
            warning: lossy
                .then(|| notice("not valid UTF-8; undecodable bytes were replaced".into())),
            bytes_read: len,
            text_bytes,
        }
    }
}

impl Context<'_> {
    /// The vectors of the article's sections, in order (none without a
    /// model): a section whose input is unchanged since the article was
    /// last indexed keeps its vector; the others are embedded.
    fn vectors(&self, article: &Article, todo: &Todo) -> Result<Vec<StoredVector>> {
        let Some(model) = self.model else {
            return Ok(vec![]);
        };
        let weights = &model.identity().weights;
        let inputs: Vec<String> = article
            .sections
            .iter()
            .map(|s| section_input(&article.title, &s.path, &s.text))
            .collect();
        let keys: Vec<u64> = inputs
            .iter()
            .map(|i| input_key(weights, model.max_tokens(), i))
            .collect();
        let mut kept = match todo.before {
            Some(_) => article_vectors(
                &self.store.searcher(),
                self.store.fields,
                article_key(&todo.file.id),
            )
            .map_err(|e| self.store.error(e))?,
            None => HashMap::new(),
        };
        let fresh: Vec<usize> = (0..inputs.len())
            .filter(|&i| !kept.contains_key(&keys[i]))
            .collect();
        let texts: Vec<&str> = fresh.iter().map(|&i| inputs[i].as_str()).collect();
        let mut embedded = model.embed(&texts)?.into_iter();
        for &i in &fresh {
            let vector = embedded.next().expect("a vector for each text");
            kept.insert(keys[i], quantise(&vector));
        }
        self.embedded
            .fetch_add(fresh.len() as u64, Ordering::Relaxed);
        Ok(keys
            .iter()
            .map(|&key| StoredVector {
                key,
                bytes: kept.get(&key).cloned().unwrap_or_default(),
            })
            .collect())
    }
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

fn human_bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / MIB)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_and_memory_follow_the_input() {
        const MB: u64 = 1024 * 1024;
        let per = DEFAULT_WRITER_MEMORY;
        // Small input: one thread; a few memories' worth: one a core.
        assert_eq!(writer_size(MB, 2, 0), (1, per));
        assert_eq!(writer_size(122 * MB, 2, 0), (2, 2 * per));
        assert_eq!(writer_size(122 * MB, 1, 0), (1, per));
        // Many: half the cores, at least one.
        assert_eq!(writer_size(1200 * MB, 2, 0), (1, per));
        assert_eq!(writer_size(1200 * MB, 8, 0), (8, 8 * per));
        assert_eq!(writer_size(3000 * MB, 8, 0), (4, 4 * per));
        assert_eq!(writer_size(1200 * MB, 1, 0), (1, per));
        assert_eq!(writer_size(1200 * MB, 0, 0), (1, per));
        // Memory asked for: shared by one thread a core, whatever the input.
        assert_eq!(writer_size(MB, 2, 64 * MB), (1, 64 * MB));
        assert_eq!(writer_size(122 * MB, 2, 64 * MB), (2, 64 * MB));
        assert_eq!(writer_size(1200 * MB, 2, 128 * MB), (2, 128 * MB));
    }

    #[test]
    fn base_urls_must_start_links() {
        assert_eq!(
            base_url("https://x.org/docs").unwrap(),
            "https://x.org/docs/"
        );
        assert_eq!(base_url("/docs/").unwrap(), "/docs/");
        assert_eq!(base_url("file:///srv/site").unwrap(), "file:///srv/site/");
        for bad in [
            "docs/",
            "//x.org/",
            "javascript://x",
            "https://",
            "https://x.org/a b",
            "/d/#x",
            "",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
    }
}
