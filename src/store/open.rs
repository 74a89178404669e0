//! The index folder: creating and opening it, and its format file.
//!
//! A quire index folder is a plain tantivy index plus two files of quire's:
//! `quire-format` (the layout version, written once when the folder is
//! created, checked on every open) and `writer.pid` (the id of the process
//! that holds the write lock, present only while one does; see
//! [`super::writer`]). tantivy's own commit is the only thing that makes
//! changes visible, so a crash at any point leaves the last commit whole.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentComponent;
use tantivy::{IndexReader, IndexSettings, ReloadPolicy, Searcher, SegmentMeta, TantivyError};

use super::directory::QuireDirectory;
use super::payload::{self, Committed};
use super::schema::{self, FORMAT_FILE, FORMAT_VERSION, Fields};
use crate::analysis::analyzers::{ANALYZER, WORDS_ANALYZER, cached_en_stem, words_analyzer};
use crate::error::{Error, Result, one_line};

const FORMAT_PREFIX: &str = "quire index format ";

/// How many decompressed blocks of stored text (16 KiB each) an open index
/// keeps per segment. Hits of different queries keep landing in the same
/// blocks; tantivy's default of 100 made a server on linux-doc decompress
/// again and again (a quarter of its time on random queries), 1,000 answers
/// 20% more requests for 25 MB. The cache fills only as blocks are read.
const DOC_STORE_CACHE_BLOCKS: usize = 1000;

/// The files every segment of a quire index has (its schema stores,
/// positions, fast fields and norms).
const SEGMENT_FILES: [SegmentComponent; 6] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::Terms,
    SegmentComponent::Store,
    SegmentComponent::FastFields,
    SegmentComponent::FieldNorms,
];

/// An index folder, open: the tantivy index, its fields, and a reader that
/// follows its commits.
pub(crate) struct Store {
    pub(crate) dir: PathBuf,
    pub(crate) inner: tantivy::Index,
    pub(crate) fields: Fields,
    pub(crate) reader: IndexReader,
    /// What the last commit read carries, and the searcher generation it
    /// was read for (see [`Store::committed`]).
    committed: Mutex<Option<(u64, Arc<Committed>)>>,
}

/// What [`Store::open_or_create`] does with an index it cannot use as it
/// is (another format, or damaged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// Says so: the folder is left alone.
    Refuse,
    /// Empties the folder and creates a new index in it.
    Replace,
}

/// Whether an open index sees the commits made after it was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Commits {
    /// Picked up within a second (tantivy watches `meta.json` with two
    /// threads of its own): what a server or a writer wants.
    Followed,
    /// Never: the index is searched as it was when opened, and no thread
    /// is started (a whole `quire search` is shorter for it).
    Ignored,
}

impl Store {
    /// Opens the index in `dir` for searching (see `Index::open`).
    pub(crate) fn open(dir: &Path, commits: Commits) -> Result<Store> {
        if !Store::exists(dir) {
            return Err(Error::NoIndex(dir.to_path_buf()));
        }
        if !dir.join(FORMAT_FILE).exists() {
            return Err(Error::NotAnIndex(dir.to_path_buf()));
        }
        check_format(dir)?;
        Store::load(dir, commits)
    }

    /// Whether `dir` holds something: a folder that does not exist, or
    /// holds nothing but git's placeholder files, has no index yet.
    pub(crate) fn exists(dir: &Path) -> bool {
        dir.exists() && !(dir.is_dir() && is_empty_dir(dir).unwrap_or(false))
    }

    /// Opens the index in `dir` for writing, creating it if `dir` does not
    /// exist or is empty (see `Index::open_or_create`).
    pub(crate) fn open_or_create(dir: &Path, unusable: Unusable) -> Result<Store> {
        if !dir.exists() {
            fs::create_dir_all(dir).map_err(|e| Error::io(e, dir))?;
        }
        if !dir.is_dir() {
            return Err(Error::NotAnIndex(dir.to_path_buf()));
        }
        // Two runs that find the folder new must not both create an index
        // in it: the second would see the first's half-made files and
        // call the folder foreign. Deciding and creating go one at a time
        // (an advisory lock on the folder, released when this returns);
        // who writes afterwards is tantivy's writer lock's to say.
        let _deciding = lock_folder(dir);
        if dir.join(FORMAT_FILE).exists() {
            let opened = check_format(dir).and_then(|()| {
                if dir.join("meta.json").exists() {
                    Store::load(dir, Commits::Followed)
                } else {
                    // Created but killed before tantivy wrote its first file.
                    Store::create_tantivy(dir)
                }
            });
            match opened {
                Ok(store) => Ok(store),
                Err(Error::IncompatibleIndex { .. } | Error::CorruptIndex { .. })
                    if unusable == Unusable::Replace =>
                {
                    clear_folder(dir)?;
                    Store::create_new(dir)
                }
                Err(err) => Err(err),
            }
        } else if is_empty_dir(dir)? {
            Store::create_new(dir)
        } else {
            Err(Error::NotAnIndex(dir.to_path_buf()))
        }
    }

    /// A searcher on the last commit this store has seen.
    pub(crate) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Sees the last commit now (see `Index::reload`).
    pub(crate) fn reload(&self) -> Result<()> {
        self.reader.reload().map_err(|e| self.error(e))
    }

    /// What the last commit carries (its search rules, model and base
    /// URLs; the defaults when it carries none), read once for the searcher
    /// generation `generation`: the stop words, the sites and the model of
    /// a search all come from it, and reading `meta.json` (its schema, its
    /// segments) was a tenth of a short `quire search` process each time.
    /// At worst it is a commit newer than the searcher's, whose rules are
    /// about to apply.
    pub(crate) fn committed(&self, generation: u64) -> tantivy::Result<Arc<Committed>> {
        let mut remembered = self.committed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((g, committed)) = &*remembered
            && *g == generation
        {
            return Ok(committed.clone());
        }
        let payload = payload::read(self.inner.directory())?;
        let committed = Arc::new(payload::decode(payload.as_deref()).unwrap_or_default());
        *remembered = Some((generation, committed.clone()));
        Ok(committed)
    }

    /// A tantivy error met on this index, as the most helpful [`Error`].
    pub(crate) fn error(&self, err: TantivyError) -> Error {
        Error::from_tantivy(err, &self.dir)
    }

    fn create_new(dir: &Path) -> Result<Store> {
        remove_leftovers(dir)?;
        write_format(dir)?;
        Store::create_tantivy(dir)
    }

    fn create_tantivy(dir: &Path) -> Result<Store> {
        let directory = QuireDirectory::open(dir).map_err(|e| Error::CorruptIndex {
            path: dir.to_path_buf(),
            reason: one_line(&e.to_string()),
        })?;
        let inner = tantivy::Index::create(directory, schema::build(), IndexSettings::default())
            .map_err(|e| Error::from_tantivy(e, dir))?;
        share_bookkeeping(dir);
        Store::wrap(dir, inner, Commits::Followed)
    }

    fn load(dir: &Path, commits: Commits) -> Result<Store> {
        let corrupt = |reason: String| Error::CorruptIndex {
            path: dir.to_path_buf(),
            reason,
        };
        let directory = QuireDirectory::open(dir).map_err(|e| corrupt(one_line(&e.to_string())))?;
        let inner =
            tantivy::Index::open(directory).map_err(|e| corrupt(one_line(&e.to_string())))?;
        // tantivy opens some of a segment's files only when it first needs
        // them: a missing one would be met by a search, and never by
        // `quire index`, which would call the index unchanged. The
        // segments are those the reader opened (reading `meta.json` again
        // for them was a tenth of a short `quire search`); when it could
        // not open them, those `meta.json` lists say what is missing.
        let store = match Store::wrap(dir, inner.clone(), commits) {
            Ok(store) => store,
            Err(err) => {
                return Err(match inner.searchable_segment_metas() {
                    Ok(segments) => missing_file(dir, &segments).map_or(err, corrupt),
                    Err(_) => err,
                });
            }
        };
        let segments: Vec<SegmentMeta> = store
            .searcher()
            .segment_readers()
            .iter()
            .map(|reader| {
                let meta = inner.new_segment_meta(reader.segment_id(), reader.max_doc());
                match reader.delete_opstamp() {
                    Some(opstamp) => meta.with_delete_meta(reader.num_deleted_docs(), opstamp),
                    None => meta,
                }
            })
            .collect();
        match missing_file(dir, &segments) {
            Some(reason) => Err(corrupt(reason)),
            None => Ok(store),
        }
    }

    fn wrap(dir: &Path, inner: tantivy::Index, commits: Commits) -> Result<Store> {
        // The same terms as tantivy's own `en_stem` and `default`, with
        // stems cached and CJK runs made pairs (see `analysis::analyzers`).
        inner.tokenizers().register(ANALYZER, cached_en_stem());
        inner
            .tokenizers()
            .register(WORDS_ANALYZER, words_analyzer());
        let fields = Fields::resolve(&inner.schema()).ok_or_else(|| Error::CorruptIndex {
            path: dir.to_path_buf(),
            reason: "its fields are not the ones quire writes".into(),
        })?;
        // Followed, commits by other processes (`quire index` while `quire
        // serve` runs) are picked up without reopening.
        let policy = match commits {
            Commits::Followed => ReloadPolicy::OnCommitWithDelay,
            Commits::Ignored => ReloadPolicy::Manual,
        };
        let reader = inner
            .reader_builder()
            .reload_policy(policy)
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()
            .map_err(|e| Error::from_tantivy(e, dir))?;
        Ok(Store {
            dir: dir.to_path_buf(),
            inner,
            fields,
            reader,
            committed: Mutex::new(None),
        })
    }
}

/// The first file of `segments` that is not in `dir`, as the reason the
/// index is damaged.
fn missing_file(dir: &Path, segments: &[SegmentMeta]) -> Option<String> {
    for segment in segments {
        let mut components = SEGMENT_FILES.to_vec();
        if segment.has_deletes() {
            components.push(SegmentComponent::Delete);
        }
        for component in components {
            let file = segment.relative_path(component);
            if !dir.join(&file).is_file() {
                return Some(format!("its file {} is missing", file.display()));
            }
        }
    }
    None
}

/// An exclusive advisory lock on the folder itself, held until the handle
/// is dropped; `None` where the system has no such locks (then creation is
/// as racy as it was).
fn lock_folder(dir: &Path) -> Option<fs::File> {
    let folder = fs::File::open(dir).ok()?;
    folder.lock().ok()?;
    Some(folder)
}

/// Gives tantivy's bookkeeping files (`meta.json`, `.managed.json`) the
/// permissions of the format file, which was created as any file is (by
/// the umask): tantivy writes them through temporary files of mode 0600,
/// so that nobody but their owner could read the index, and others were
/// told it was damaged. Called whenever tantivy has written them; a
/// failure leaves them as they are.
pub(crate) fn share_bookkeeping(dir: &Path) {
    #[cfg(unix)]
    {
        let Ok(format) = fs::metadata(dir.join(FORMAT_FILE)) else {
            return;
        };
        for name in ["meta.json", ".managed.json"] {
            let _ = fs::set_permissions(dir.join(name), format.permissions());
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn check_format(dir: &Path) -> Result<()> {
    let path = dir.join(FORMAT_FILE);
    let text = fs::read_to_string(&path).map_err(|e| Error::io(e, &path))?;
    let line = text.lines().next().unwrap_or("").trim();
    match line.strip_prefix(FORMAT_PREFIX).map(str::parse::<u32>) {
        Some(Ok(FORMAT_VERSION)) => Ok(()),
        Some(Ok(n)) => Err(Error::IncompatibleIndex {
            path: dir.to_path_buf(),
            found: format!("format {n}"),
            expected: FORMAT_VERSION,
        }),
        _ => Err(Error::IncompatibleIndex {
            path: dir.to_path_buf(),
            found: "an unreadable format file".into(),
            expected: FORMAT_VERSION,
        }),
    }
}

/// Writes the format file through a temporary file and a rename, so that
/// it is either absent or whole.
fn write_format(dir: &Path) -> Result<()> {
    let tmp = dir.join(format!("{FORMAT_FILE}.tmp"));
    let text = format!(
        "{FORMAT_PREFIX}{FORMAT_VERSION}\nwritten by quire {}\n",
        env!("CARGO_PKG_VERSION")
    );
    fs::write(&tmp, text).map_err(|e| Error::io(e, &tmp))?;
    let path = dir.join(FORMAT_FILE);
    fs::rename(&tmp, &path).map_err(|e| Error::io(e, &path))
}

/// Files that may sit in an index folder before there is an index: the
/// repository's own `index/` holds a `.gitignore`.
const PLACEHOLDERS: &[&str] = &[".gitignore", ".gitkeep"];

/// tantivy's hidden bookkeeping files, which outlive an index whose files
/// were deleted by `rm -rf index/*` (a shell's `*` skips dot files): with
/// no `meta.json` and no format file beside them, they are no index.
const LEFTOVERS: &[&str] = &[
    ".managed.json",
    ".tantivy-meta.lock",
    ".tantivy-writer.lock",
];

fn is_placeholder(entry: &fs::DirEntry) -> bool {
    PLACEHOLDERS.iter().any(|p| entry.file_name() == *p)
}

fn is_leftover(entry: &fs::DirEntry) -> bool {
    LEFTOVERS.iter().any(|p| entry.file_name() == *p)
}

/// Whether `dir` holds nothing but placeholder files and what a deleted
/// index leaves behind.
fn is_empty_dir(dir: &Path) -> Result<bool> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(e, dir))? {
        let entry = entry.map_err(|e| Error::io(e, dir))?;
        if !is_placeholder(&entry) && !is_leftover(&entry) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Removes what a deleted index left behind, before a new one is created.
fn remove_leftovers(dir: &Path) -> Result<()> {
    for name in LEFTOVERS {
        let path = dir.join(name);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(e, &path)),
        }
    }
    Ok(())
}

/// Empties a folder that holds a quire index (the caller has checked the
/// format file is there).
fn clear_folder(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(e, dir))? {
        let entry = entry.map_err(|e| Error::io(e, dir))?;
        if is_placeholder(&entry) {
            continue;
        }
        let path = entry.path();
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.map_err(|e| Error::io(e, &path))?;
    }
    Ok(())
}
