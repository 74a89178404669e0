//! The library's error type.
//!
//! Every error a user can cause (a missing index, a corrupt folder, a bad
//! query, an unreadable rules file) has its own variant whose message is one
//! line that says what went wrong and what to do next. The binary prints it
//! after `quire: ` and exits with code 2.

use std::io;
use std::path::{Path, PathBuf};

/// A `Result` whose error is quire's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in quire.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file or folder failed.
    #[error("{}: {err}", path.display())]
    Io {
        /// The underlying I/O error.
        err: io::Error,
        /// The file or folder concerned.
        path: PathBuf,
    },
    /// There is no index folder where one was expected.
    #[error("no index at '{}': build one with `quire index [PATH]... --index {}`", .0.display(), .0.display())]
    NoIndex(PathBuf),
    /// A folder exists but holds no quire index.
    #[error("'{}' is not a quire index (it has no quire-format file): choose another folder with --index", .0.display())]
    NotAnIndex(PathBuf),
    /// The index was built by a quire whose index format differs from this one's.
    #[error("the index at '{}' was built by an incompatible version of quire ({found}, this quire reads format {expected}): run `quire index --rebuild --index {}`", path.display(), path.display())]
    IncompatibleIndex {
        /// The index folder.
        path: PathBuf,
        /// What the format file says.
        found: String,
        /// The format this build reads.
        expected: u32,
    },
    /// The index folder is there but tantivy cannot read it.
    #[error("the index at '{}' is damaged ({reason}): run `quire index --rebuild --index {}`", path.display(), path.display())]
    CorruptIndex {
        /// The index folder.
        path: PathBuf,
        /// What tantivy reported.
        reason: String,
    },
    /// Another process holds the index's write lock.
    #[error("the index at '{}' is being written by another quire process{}: wait for it to finish", path.display(), pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    IndexLocked {
        /// The index folder.
        path: PathBuf,
        /// The process id recorded by the writer, if it could be read.
        pid: Option<u32>,
    },
    /// The index folder cannot be written (a read-only file system, or
    /// another user's folder).
    #[error("the index at '{}' cannot be written (a read-only file system, or no permission): it can still be searched, served and exported; to index, choose a folder you can write with --index", .0.display())]
    ReadOnlyIndex(PathBuf),
    /// A path given to index does not exist.
    #[error("'{}' does not exist: give a file or folder of articles", .0.display())]
    MissingPath(PathBuf),
    /// A `--glob` or `--exclude` pattern that is not a valid glob.
    #[error("bad glob pattern: {0}")]
    Pattern(String),
    /// A `--base-url` that cannot start a link.
    #[error(
        "--base-url '{0}': give an absolute URL (https://example.org/docs/) or a path from the site's root (/docs/)"
    )]
    BaseUrl(String),
    /// A language that is no language tag.
    #[error(
        "--lang '{0}': give a language code such as en, de or zh (ISO 639-1), or a tag such as pt-BR"
    )]
    Language(String),
    /// A query that has nothing to search for.
    #[error("{0}")]
    Query(String),
    /// Splitting rules that cannot be used.
    #[error("{}{reason}", path.as_ref().map(|p| format!("rules file '{}': ", p.display())).unwrap_or_else(|| "rules: ".into()))]
    Rules {
        /// The rules file, when the rules came from one.
        path: Option<PathBuf>,
        /// What is wrong with them.
        reason: String,
    },
    /// A file that cannot be read as an article.
    #[error("{}: {problem}", path.display())]
    Article {
        /// The file concerned.
        path: PathBuf,
        /// Why it cannot be read.
        problem: ArticleProblem,
    },
    /// A file was refused under `strict` indexing.
    #[error("{}: {reason} (not indexing anything because of --strict)", path.display())]
    Strict {
        /// The file concerned.
        path: PathBuf,
        /// Why it could not be indexed.
        reason: String,
    },
    /// The disk holding the index filled up while writing it.
    #[error("the disk holding '{}' is full: nothing was committed and the index is as it was; free some space and run `quire index` again", .0.display())]
    DiskFull(PathBuf),
    /// Writing results or an export failed (a full disk, a closed pipe).
    #[error("writing the output failed: {0}")]
    Write(#[source] io::Error),
    /// A folder given as a model is not one quire can run.
    #[error("'{}' is not a sentence-embedding model quire can run ({reason}): give a sentence-transformers folder of a BERT-family model (config.json, tokenizer.json, model.safetensors), such as all-MiniLM-L6-v2's, or a static table's (`quire distill`, model2vec)", path.display())]
    Model {
        /// The folder given.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The model that built an index's vectors is no longer in its folder.
    #[error("the model that built the vectors of the index at '{}' ({name}) is no longer at '{}': pass its folder with --model DIR (or search by words alone with --lexical; `quire index --no-model` drops the vectors)", index.display(), model.display())]
    ModelMissing {
        /// The index folder.
        index: PathBuf,
        /// The model's name.
        name: String,
        /// Where the model was when the index was built.
        model: PathBuf,
    },
    /// A model folder holds another model than the one that built an
    /// index's vectors.
    #[error("the model at '{}' is not the one that built the vectors of the index at '{}' ({expected}; its weights differ): pass that model's folder with --model, re-embed with `quire index --model {} --index {}`, or search by words alone with --lexical", model.display(), index.display(), model.display(), index.display())]
    ModelChanged {
        /// The index folder.
        index: PathBuf,
        /// The folder that holds another model.
        model: PathBuf,
        /// The name of the model the index was built with.
        expected: String,
    },
    /// A model was asked for, but this build of quire cannot run one.
    #[error(
        "this quire was built without the `model` feature: it cannot embed; build it with `--features model`, or search by words alone with --lexical"
    )]
    NoModelSupport,
    /// Running the model failed.
    #[error("embedding failed: {0}")]
    Embedding(String),
    /// Any other failure inside tantivy.
    #[error("index error: {0}")]
    Tantivy(String),
}

/// Why a file cannot be read as an article ([`Error::Article`]); its
/// message is what `quire index` says of a file it skips.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArticleProblem {
    /// Its extension names no format quire reads.
    #[error("not an article (quire reads {reads})")]
    NotAnArticle {
        /// The extensions quire reads, as `.txt, .md, ...`.
        reads: String,
    },
    /// It could not be read.
    #[error("cannot be read: {0}")]
    Unreadable(#[source] io::Error),
    /// It holds NUL bytes.
    #[error("binary file (it contains NUL bytes)")]
    Binary,
    /// It holds nothing but white space.
    #[error("empty file")]
    Empty,
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(err: io::Error, path: &Path) -> Error {
        Error::Io {
            err,
            path: path.to_path_buf(),
        }
    }

    /// Turns a tantivy error met while working on the index at `dir` into
    /// the most helpful variant.
    pub(crate) fn from_tantivy(err: tantivy::TantivyError, dir: &Path) -> Error {
        use tantivy::TantivyError as T;
        use tantivy::directory::error::LockError;
        if is_disk_full(&err) {
            return Error::DiskFull(dir.to_path_buf());
        }
        match err {
            // The writer's pid, if any, is for the caller to add (see
            // `store::open`): an error is made without touching the disk.
            T::LockFailure(LockError::LockBusy, _) => Error::IndexLocked {
                path: dir.to_path_buf(),
                pid: None,
            },
            T::DataCorruption(_)
            | T::IncompatibleIndex(_)
            | T::SchemaError(_)
            | T::FieldNotFound(_)
            | T::OpenReadError(_)
            | T::DeserializeError(_) => Error::CorruptIndex {
                path: dir.to_path_buf(),
                reason: one_line(&err.to_string()),
            },
            other => Error::Tantivy(one_line(&other.to_string())),
        }
    }
}

/// Whether a tantivy error comes from a full disk, however deep tantivy
/// wrapped the I/O error.
fn is_disk_full(err: &tantivy::TantivyError) -> bool {
    let full = |e: &io::Error| e.kind() == io::ErrorKind::StorageFull;
    if let tantivy::TantivyError::IoError(e) = err
        && full(e)
    {
        return true;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(e) = source {
        if e.downcast_ref::<io::Error>().is_some_and(full) {
            return true;
        }
        source = e.source();
    }
    // Some paths keep only the message.
    err.to_string().contains("No space left on device")
}

/// Folds a message onto one line, so that every error stays one line on
/// stderr whatever a dependency put in it.
pub(crate) fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
