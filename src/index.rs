//! The index folder: creating and opening it, its format-version file, and
//! the writer that adds, replaces and removes articles.
//!
//! A quire index folder is a plain tantivy index plus two files of quire's:
//! `quire-format` (the layout version, written once when the folder is
//! created, checked on every open) and `writer.pid` (the id of the process
//! that holds the write lock, present only while one does). tantivy's own
//! commit is the only thing that makes changes visible, so a crash at any
//! point leaves the last commit whole.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use tantivy::schema::{TantivyDocument, Term};
use tantivy::{IndexReader, ReloadPolicy};

use crate::article::Article;
use crate::error::{Error, Result};
use crate::schema::{self, FORMAT_FILE, FORMAT_VERSION, Fields};

const PID_FILE: &str = "writer.pid";
const FORMAT_PREFIX: &str = "quire index format ";
/// The default memory for a writer's in-memory segments, shared by its
/// threads.
pub const DEFAULT_WRITER_MEMORY: u64 = 64 * 1024 * 1024;
/// The least memory a writer thread can work with (tantivy's minimum).
pub const MIN_WRITER_MEMORY_PER_THREAD: u64 = 15_000_000;

/// An open quire index: a folder of section documents to search.
///
/// Open it once and share it (`&Index` or an `Arc`) between the threads
/// that search: it remembers, across searches, what is costly to look up
/// again: words' typo'd variants and BM25 statistics (for the commit they
/// were looked up on), and up to 32 MiB of the long sections it has read.
///
/// ```no_run
/// # fn main() -> quire::Result<()> {
/// let index = quire::Index::open("index")?;
/// let results = index.search("hemifacial spasm", &quire::SearchOptions::default())?;
/// for hit in &results.hits {
///     println!("{} › {}", hit.article.title, hit.section.label);
/// }
/// # Ok(()) }
/// ```
pub struct Index {
    pub(crate) dir: PathBuf,
    pub(crate) inner: tantivy::Index,
    pub(crate) fields: Fields,
    pub(crate) reader: IndexReader,
    /// Words' typo'd variants already looked up, shared by searches.
    pub(crate) typos: crate::expand::TypoCache,
    /// BM25 statistics already looked up, shared by searches.
    pub(crate) statistics: crate::statistics::Statistics,
    /// Long sections already read, shared by searches.
    pub(crate) sections: crate::sections::SectionCache,
}

// An open index is shared by the threads that search it (README, Library):
// this stops compiling if a field ever makes it unshareable.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<Index>();
};

impl Index {
    /// Opens the index in `dir` for searching.
    ///
    /// # Errors
    ///
    /// [`Error::NoIndex`] when `dir` does not exist, [`Error::NotAnIndex`]
    /// when it holds no quire index, [`Error::IncompatibleIndex`] when
    /// another version of quire built it, [`Error::CorruptIndex`] when
    /// tantivy cannot read it.
    pub fn open(dir: impl AsRef<Path>) -> Result<Index> {
        let dir = dir.as_ref();
        if !Index::exists(dir) {
            return Err(Error::NoIndex(dir.to_path_buf()));
        }
        if !dir.join(FORMAT_FILE).exists() {
            return Err(Error::NotAnIndex(dir.to_path_buf()));
        }
        check_format(dir)?;
        Index::load(dir)
    }

    /// Whether `dir` holds something: a folder that does not exist, or
    /// holds nothing but git's placeholder files, has no index yet.
    pub fn exists(dir: impl AsRef<Path>) -> bool {
        let dir = dir.as_ref();
        dir.exists() && !(dir.is_dir() && is_empty_dir(dir).unwrap_or(false))
    }

    /// Opens the index in `dir` for writing, creating it if `dir` does not
    /// exist or is empty.
    ///
    /// With `rebuild`, an index of another format or a damaged one is
    /// emptied and created anew (the caller is expected to re-add every
    /// article; see [`Writer::delete_all`] for a compatible index).
    ///
    /// # Errors
    ///
    /// [`Error::NotAnIndex`] when `dir` holds other files (quire never
    /// writes into a folder it did not make), and the errors of
    /// [`Index::open`] (but for [`Error::NoIndex`]) when not rebuilding.
    pub fn open_or_create(dir: impl AsRef<Path>, rebuild: bool) -> Result<Index> {
        let dir = dir.as_ref();
        if !dir.exists() {
            fs::create_dir_all(dir).map_err(|e| Error::io(e, dir))?;
        }
        if !dir.is_dir() {
            return Err(Error::NotAnIndex(dir.to_path_buf()));
        }
        if dir.join(FORMAT_FILE).exists() {
            let opened = check_format(dir).and_then(|()| {
                if dir.join("meta.json").exists() {
                    Index::load(dir)
                } else {
                    // Created but killed before tantivy wrote its first file.
                    Index::create_tantivy(dir)
                }
            });
            match opened {
                Ok(index) => Ok(index),
                Err(Error::IncompatibleIndex { .. } | Error::CorruptIndex { .. }) if rebuild => {
                    clear_folder(dir)?;
                    Index::create_new(dir)
                }
                Err(err) => Err(err),
            }
        } else if is_empty_dir(dir)? {
            Index::create_new(dir)
        } else {
            Err(Error::NotAnIndex(dir.to_path_buf()))
        }
    }

    /// The folder this index lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A searcher on the last commit this handle has seen.
    pub(crate) fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    /// How many sections the index holds, as of the last commit this
    /// handle has seen.
    pub fn num_sections(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// A number that changes whenever this handle starts seeing a new
    /// commit: results cached under one generation are stale under another.
    pub fn generation(&self) -> u64 {
        self.reader.searcher().generation().generation_id()
    }

    /// Makes the sections committed since this index was opened (or last
    /// reloaded) visible to [`Index::search`] now.
    ///
    /// Without it they become visible on their own: an open index watches
    /// its folder and picks up each commit, by this process or another,
    /// within about half a second (tantivy's `OnCommitWithDelay`).
    pub fn reload(&self) -> Result<()> {
        self.reader
            .reload()
            .map_err(|e| Error::from_tantivy(e, &self.dir))
    }

    /// Takes the index's write lock and returns a writer with one indexing
    /// thread.
    ///
    /// # Errors
    ///
    /// [`Error::IndexLocked`] when another writer, in this process or
    /// another, holds the lock.
    pub fn writer(&self) -> Result<Writer> {
        self.writer_with(1, DEFAULT_WRITER_MEMORY)
    }

    /// Like [`Index::writer`], with `threads` indexing threads (at most 8)
    /// sharing `memory` bytes for their in-memory segments (at least
    /// [`MIN_WRITER_MEMORY_PER_THREAD`] each: fewer threads are used when
    /// the memory is short).
    ///
    /// Each thread writes its own segment, so more threads pay off only
    /// for large batches: a few articles are written fastest by one thread
    /// (fewer files to create and sync). More memory means fewer, larger
    /// segments and fewer merges; it bounds the writer's share of the
    /// process's peak memory.
    pub fn writer_with(&self, threads: usize, memory: u64) -> Result<Writer> {
        let memory = memory.max(MIN_WRITER_MEMORY_PER_THREAD);
        let affordable = usize::try_from(memory / MIN_WRITER_MEMORY_PER_THREAD).unwrap_or(8);
        let threads = threads.clamp(1, 8).min(affordable.max(1));
        let memory = usize::try_from(memory)
            .unwrap_or(usize::MAX)
            .min(u32::MAX as usize - 1_000_000);
        let inner = self
            .inner
            .writer_with_num_threads(threads, memory)
            .map_err(|e| Error::from_tantivy(e, &self.dir))?;
        let pid_path = self.dir.join(PID_FILE);
        // Only a hint for the "being written by" message: failing to write
        // it must not stop the indexing.
        let _ = fs::write(&pid_path, std::process::id().to_string());
        Ok(Writer {
            inner: Some(inner),
            fields: self.fields,
            dir: self.dir.clone(),
            pid_path,
        })
    }

    fn create_new(dir: &Path) -> Result<Index> {
        write_format(dir)?;
        Index::create_tantivy(dir)
    }

    fn create_tantivy(dir: &Path) -> Result<Index> {
        let inner = tantivy::Index::create_in_dir(dir, schema::build())
            .map_err(|e| Error::from_tantivy(e, dir))?;
        Index::wrap(dir, inner)
    }

    fn load(dir: &Path) -> Result<Index> {
        let inner = tantivy::Index::open_in_dir(dir).map_err(|e| Error::CorruptIndex {
            path: dir.to_path_buf(),
            reason: crate::error::one_line(&e.to_string()),
        })?;
        Index::wrap(dir, inner)
    }

    fn wrap(dir: &Path, inner: tantivy::Index) -> Result<Index> {
        // The same terms as tantivy's own `en_stem`, with stems cached.
        inner
            .tokenizers()
            .register(crate::text::ANALYZER, crate::text::cached_en_stem());
        let fields = Fields::resolve(&inner.schema()).ok_or_else(|| Error::CorruptIndex {
            path: dir.to_path_buf(),
            reason: "its fields are not the ones quire writes".into(),
        })?;
        // Commits by other processes (`quire index` while `quire serve`
        // runs) are picked up without reopening.
        let reader = inner
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()
            .map_err(|e| Error::from_tantivy(e, dir))?;
        Ok(Index {
            dir: dir.to_path_buf(),
            inner,
            fields,
            reader,
            typos: crate::expand::TypoCache::default(),
            statistics: crate::statistics::Statistics::default(),
            sections: crate::sections::SectionCache::default(),
        })
    }
}

/// How many decompressed blocks of stored text (16 KiB each) an open index
/// keeps per segment. Hits of different queries keep landing in the same
/// blocks; tantivy's default of 100 made a server on linux-doc decompress
/// again and again (a quarter of its time on random queries), 1,000 answers
/// 20% more requests for 25 MB. The cache fills only as blocks are read.
const DOC_STORE_CACHE_BLOCKS: usize = 1000;

/// What quire keeps of an article's file to tell, next time, whether it
/// changed; stored in fast fields of every section, so it is committed with
/// the sections, atomically.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stamp {
    /// Hash of the folder the article was indexed from.
    pub root_key: u64,
    pub size: u64,
    /// Modification time in nanoseconds since 1970.
    pub mtime: u64,
    pub content_hash: u64,
    /// Hash of the rules the article was split with.
    pub splitter_key: u64,
}

/// The key an article's sections are deleted by: a hash of its id.
pub(crate) fn article_key(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

impl Index {
    /// The stamp of every article in the index, by article key, as of the
    /// last commit this handle has seen.
    pub(crate) fn stamps(&self) -> Result<HashMap<u64, Stamp>> {
        let err = |e| Error::from_tantivy(e, &self.dir);
        let searcher = self.reader.searcher();
        let mut stamps = HashMap::new();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let column = |name| fast.u64(name).map_err(err);
            let key = column(schema::names::ARTICLE_KEY)?;
            let root = column(schema::names::ROOT_KEY)?;
            let size = column(schema::names::FILE_SIZE)?;
            let mtime = column(schema::names::MTIME)?;
            let hash = column(schema::names::CONTENT_HASH)?;
            let splitter = column(schema::names::SPLITTER_KEY)?;
            for doc in segment.doc_ids_alive() {
                let Some(k) = key.first(doc) else { continue };
                stamps.entry(k).or_insert_with(|| Stamp {
                    root_key: root.first(doc).unwrap_or(0),
                    size: size.first(doc).unwrap_or(0),
                    mtime: mtime.first(doc).unwrap_or(0),
                    content_hash: hash.first(doc).unwrap_or(0),
                    splitter_key: splitter.first(doc).unwrap_or(0),
                });
            }
        }
        Ok(stamps)
    }

    /// How many articles the index holds, as of the last commit this
    /// handle has seen.
    pub fn num_articles(&self) -> Result<usize> {
        Ok(self.stamps()?.len())
    }
}

/// Adds, replaces and removes articles; nothing is visible to searches
/// until [`Writer::commit`].
///
/// A writer may be shared between threads: adding articles from several
/// threads at once is safe. Dropping a writer without committing throws its
/// changes away.
pub struct Writer {
    inner: Option<tantivy::IndexWriter>,
    fields: Fields,
    dir: PathBuf,
    pid_path: PathBuf,
}

impl Writer {
    /// Adds the sections of `article` under the id `id`, replacing every
    /// section already indexed under that id. `source` is the path to show
    /// users. Returns how many sections were added.
    pub fn add_article(&self, id: &str, source: &str, article: &Article) -> Result<usize> {
        self.add_stamped(id, source, article, &Stamp::default())
    }

    /// [`Writer::add_article`], remembering the file's stamp.
    pub(crate) fn add_stamped(
        &self,
        id: &str,
        source: &str,
        article: &Article,
        stamp: &Stamp,
    ) -> Result<usize> {
        self.delete_article(id);
        let f = self.fields;
        let key = article_key(id);
        let writer = self.inner.as_ref().expect("writer is present until commit");
        for section in &article.sections {
            let mut doc = TantivyDocument::default();
            doc.add_u64(f.article_key, key);
            doc.add_u64(f.root_key, stamp.root_key);
            doc.add_u64(f.file_size, stamp.size);
            doc.add_u64(f.mtime, stamp.mtime);
            doc.add_u64(f.content_hash, stamp.content_hash);
            doc.add_u64(f.splitter_key, stamp.splitter_key);
            doc.add_text(f.article_id, id);
            doc.add_text(f.source, source);
            doc.add_text(f.title, &article.title);
            for heading in &section.path {
                doc.add_text(f.headings, heading);
            }
            doc.add_text(f.label, &section.label);
            doc.add_text(f.title_key, crate::text::fold(&article.title));
            doc.add_text(f.label_key, crate::text::fold(&section.label));
            doc.add_text(f.words, &article.title);
            for heading in &section.path {
                doc.add_text(f.words, heading);
            }
            doc.add_text(f.words, &section.text);
            doc.add_text(f.anchor, &section.anchor);
            doc.add_u64(f.ordinal, section.ordinal as u64);
            if section.path.is_empty() {
                doc.add_text(f.body, &section.text);
            } else {
                doc.add_text(
                    f.body,
                    format!("{}\n\n{}", section.path.join("\n"), section.text),
                );
            }
            doc.add_text(f.text, &section.text);
            if let Some(checkpoints) = crate::snippet::checkpoints(&section.text) {
                doc.add_bytes(f.checkpoints, &checkpoints);
            }
            writer
                .add_document(doc)
                .map_err(|e| Error::from_tantivy(e, &self.dir))?;
        }
        Ok(article.sections.len())
    }

    /// Removes every section indexed under the article id `id`.
    pub fn delete_article(&self, id: &str) {
        self.delete_key(article_key(id));
    }

    /// Removes every section indexed under an article key.
    pub(crate) fn delete_key(&self, key: u64) {
        let writer = self.inner.as_ref().expect("writer is present until commit");
        writer.delete_term(Term::from_field_u64(self.fields.article_key, key));
    }

    /// Removes every section of every article.
    pub fn delete_all(&self) -> Result<()> {
        let writer = self.inner.as_ref().expect("writer is present until commit");
        writer
            .delete_all_documents()
            .map(|_| ())
            .map_err(|e| Error::from_tantivy(e, &self.dir))
    }

    /// Makes every change since the writer was taken visible, atomically,
    /// then waits for background merges and releases the lock.
    pub fn commit(mut self) -> Result<()> {
        let mut writer = self.inner.take().expect("writer is present until commit");
        writer
            .commit()
            .map_err(|e| Error::from_tantivy(e, &self.dir))?;
        writer
            .wait_merging_threads()
            .map_err(|e| Error::from_tantivy(e, &self.dir))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Drop tantivy's writer (and so its lock) before the pid hint goes.
        self.inner.take();
        let _ = fs::remove_file(&self.pid_path);
    }
}

/// The id of the process that holds the index's write lock, when it left
/// one.
pub(crate) fn read_writer_pid(dir: &Path) -> Option<u32> {
    fs::read_to_string(dir.join(PID_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()
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

fn is_placeholder(entry: &fs::DirEntry) -> bool {
    PLACEHOLDERS.iter().any(|p| entry.file_name() == *p)
}

/// Whether `dir` holds nothing but placeholder files.
fn is_empty_dir(dir: &Path) -> Result<bool> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(e, dir))? {
        if !is_placeholder(&entry.map_err(|e| Error::io(e, dir))?) {
            return Ok(false);
        }
    }
    Ok(true)
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
