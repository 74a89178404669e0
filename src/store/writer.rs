//! The [`Writer`]: adds, replaces and removes articles, and commits.
//!
//! While a writer holds the index's lock it leaves its process id in
//! `writer.pid`, so that a second writer is told who holds the lock.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tantivy::TantivyError;
use tantivy::directory::error::LockError;
use tantivy::schema::Term;

use super::directory::is_read_only;
use super::document::{ArticleValues, SectionDocument, StoredVector, section_document};
use super::merge::SectionMergePolicy;
use super::open::{Store, share_bookkeeping};
use super::payload::{self, Committed, Site};
use super::pool::Budget;
use super::schema::Fields;
use super::stamp::{Stamp, article_key};
use crate::analysis::language::detect_language;
use crate::embed::identity::ModelIdentity;
use crate::error::{Error, Result};
use crate::ingest::article::Article;
use crate::ingest::rules::SearchRules;

const PID_FILE: &str = "writer.pid";

/// The default memory for each of a writer's threads, for its in-memory
/// segments (`quire index` without `--heap`; see `store::update`). A
/// thread that fills it writes a segment of 25-40 MB (of documentation
/// HTML), which merges leave as it is (see `store::merge`). On the 1 GB
/// set (312,659 sections, two cores), one thread with 64 MiB left 7
/// segments, two with 64 MiB each 7-8 (the first measured at 150 MB of
/// peak RSS, the second at 205-242 MB); two threads sharing 64 MiB left 18
/// segments, on which searches took 1.5 times as long as on 8.
pub const DEFAULT_WRITER_MEMORY: u64 = 64 * 1024 * 1024;
/// The least memory a writer thread can work with (tantivy's minimum).
pub const MIN_WRITER_MEMORY_PER_THREAD: u64 = 15_000_000;

/// Adds, replaces and removes articles; nothing is visible to searches
/// until [`Writer::commit`].
///
/// A writer may be shared between threads: adding articles from several
/// threads at once is safe. Dropping a writer without committing throws its
/// changes away.
pub struct Writer {
    inner: Option<tantivy::IndexWriter<SectionDocument>>,
    /// Whether anything was added or removed, so that dropping the writer
    /// without a commit has something to roll back.
    changed: AtomicBool,
    fields: Fields,
    dir: PathBuf,
    pid_path: PathBuf,
    /// What the commit carries: the search rules and the model (see
    /// [`super::payload`]), those of the last commit unless replaced.
    committed: Option<Committed>,
    /// The bytes of section text queued for the indexing threads: taken
    /// when an article's sections are queued, given back when the last of
    /// them is indexed.
    queued: Arc<Budget>,
}

/// At most this many bytes of section text wait for the indexing threads
/// (an article with more is queued alone). tantivy's queue bounds only
/// the number of documents, 10,000, and a section may hold up to 1 MiB of
/// text: readers faster than the indexing threads could fill it with
/// gigabytes. On the corpora here the bound changes neither the time nor
/// the peak memory (1 MiB and 16 MiB the same on linux-doc).
const QUEUED_TEXT_BYTES: u64 = 16 * 1024 * 1024;

impl Writer {
    /// Takes the lock of the index in `store` and returns a writer with
    /// `threads` indexing threads sharing `memory` bytes (see
    /// `Index::writer_with`).
    pub(crate) fn open(store: &Store, threads: usize, memory: u64) -> Result<Writer> {
        let memory = memory.max(MIN_WRITER_MEMORY_PER_THREAD);
        let affordable = usize::try_from(memory / MIN_WRITER_MEMORY_PER_THREAD).unwrap_or(8);
        let threads = threads.clamp(1, 8).min(affordable.max(1));
        let memory = usize::try_from(memory)
            .unwrap_or(usize::MAX)
            .min(u32::MAX as usize - 1_000_000);
        let dir = &store.dir;
        let inner = store
            .inner
            .writer_with_num_threads(threads, memory)
            .map_err(|e| match e {
                TantivyError::LockFailure(LockError::LockBusy, _) => Error::IndexLocked {
                    path: dir.clone(),
                    pid: wait_for_writer_pid(dir),
                },
                TantivyError::LockFailure(LockError::IoError(err), _) if is_read_only(&err) => {
                    Error::ReadOnlyIndex(dir.clone())
                }
                other => store.error(other),
            })?;
        inner.set_merge_policy(Box::new(SectionMergePolicy::new(dir.clone())));
        let pid_path = dir.join(PID_FILE);
        // Only a hint for the "being written by" message: failing to write
        // it must not stop the indexing.
        let _ = fs::write(&pid_path, std::process::id().to_string());
        // Read with the lock held: no other commit can come in between.
        let payload = store
            .inner
            .load_metas()
            .map_err(|e| store.error(e))?
            .payload;
        Ok(Writer {
            inner: Some(inner),
            changed: AtomicBool::new(false),
            fields: store.fields,
            dir: dir.clone(),
            pid_path,
            committed: payload::decode(payload.as_deref()),
            queued: Arc::new(Budget::new(QUEUED_TEXT_BYTES)),
        })
    }

    /// The search rules the last commit left, if quire wrote them.
    pub(crate) fn search_rules(&self) -> Option<SearchRules> {
        self.committed.as_ref().map(|c| c.rules.clone())
    }

    /// Makes the commit carry `rules` as the index's search rules.
    pub(crate) fn set_search_rules(&mut self, rules: &SearchRules) {
        self.committed.get_or_insert_default().rules = rules.clone();
    }

    /// The model the last commit's vectors were made with.
    pub(crate) fn model(&self) -> Option<&ModelIdentity> {
        self.committed.as_ref()?.model.as_ref()
    }

    /// Makes the commit say that its vectors were made with `model` (none:
    /// the sections have no vectors).
    pub(crate) fn set_model(&mut self, model: Option<ModelIdentity>) {
        self.committed.get_or_insert_default().model = model;
    }

    /// The site of the folder hashed as `root_key`, if it has a URL.
    pub(crate) fn site(&self, root_key: u64) -> Option<&Site> {
        self.committed
            .as_ref()?
            .sites
            .iter()
            .find(|s| s.root_key == root_key)
    }

    /// Makes the commit say that `folder` (hashed as `root_key`) is
    /// published at `url`, in place of any URL it had. Returns whether
    /// that changed what the index says.
    pub(crate) fn set_site(&mut self, site: Site) -> bool {
        let sites = &mut self.committed.get_or_insert_default().sites;
        if sites.contains(&site) {
            return false;
        }
        sites.retain(|s| s.root_key != site.root_key);
        sites.push(site);
        true
    }

    /// Adds the sections of `article` under the id `id`, replacing every
    /// section already indexed under that id. `source` is the path to show
    /// users. Returns how many sections were added.
    ///
    /// # Errors
    ///
    /// [`Error::Tantivy`] when the writer has failed (a full disk, a killed
    /// indexing thread): nothing of this writer's is then committed.
    pub fn add_article(&self, id: &str, source: &str, article: &Article) -> Result<u64> {
        self.add_stamped(
            id,
            source,
            article.clone(),
            (&Stamp::default(), true),
            vec![],
        )
    }

    /// [`Writer::add_article`], remembering the file's stamp, and the
    /// sections' vectors (one for each section, in order, or none).
    /// Without `replace`, the caller knows that nothing is indexed under
    /// `id` (nor added in this run): a delete waits in tantivy's queue
    /// until the commit (a kilobyte each, 50 MB for 47,000 new files) and
    /// is then looked for in every segment.
    pub(crate) fn add_stamped(
        &self,
        id: &str,
        source: &str,
        article: Article,
        (stamp, replace): (&Stamp, bool),
        vectors: Vec<StoredVector>,
    ) -> Result<u64> {
        if replace {
            self.delete_article(id);
        }
        self.changed.store(true, Ordering::Relaxed);
        let key = article_key(id);
        let writer = self.inner.as_ref().expect("writer is present until commit");
        let n = article.sections.len() as u64;
        let lang = article.lang.clone().or_else(|| detected_language(&article));
        let mut vectors = vectors.into_iter();
        let text: usize = article.sections.iter().map(|s| s.text.len()).sum();
        let queued = self.queued.take(text as u64);
        let values = Arc::new(ArticleValues::new(
            (id, key),
            source,
            (&article.title, lang.as_deref()),
            stamp,
            Some(queued),
        ));
        for section in article.sections {
            let doc = section_document(self.fields, &values, section, vectors.next());
            writer
                .add_document(doc)
                .map_err(|e| Error::from_tantivy(e, &self.dir))?;
        }
        Ok(n)
    }

    /// Removes every section indexed under the article id `id`.
    pub fn delete_article(&self, id: &str) {
        self.delete_key(article_key(id));
    }

    /// Removes every section indexed under an article key.
    pub(crate) fn delete_key(&self, key: u64) {
        let writer = self.inner.as_ref().expect("writer is present until commit");
        self.changed.store(true, Ordering::Relaxed);
        writer.delete_term(Term::from_field_u64(self.fields.article_key, key));
    }

    /// Removes every section of every article.
    pub fn delete_all(&self) -> Result<()> {
        let writer = self.inner.as_ref().expect("writer is present until commit");
        self.changed.store(true, Ordering::Relaxed);
        writer
            .delete_all_documents()
            .map(|_| ())
            .map_err(|e| Error::from_tantivy(e, &self.dir))
    }

    /// Makes every change since the writer was taken visible, atomically,
    /// then waits for background merges and releases the lock.
    ///
    /// # Errors
    ///
    /// [`Error::DiskFull`] when the disk fills up, and the other errors of
    /// tantivy's commit: nothing is committed then, and the files written
    /// since the last commit are removed.
    pub fn commit(mut self) -> Result<()> {
        // On error `self` is dropped with its writer, which rolls back.
        let inner = self.inner.as_mut().expect("writer is present until commit");
        let mut prepared = inner
            .prepare_commit()
            .map_err(|e| Error::from_tantivy(e, &self.dir))?;
        if let Some(committed) = &self.committed {
            prepared.set_payload(&payload::encode(committed));
        }
        prepared
            .commit()
            .map_err(|e| Error::from_tantivy(e, &self.dir))?;
        let writer = self.inner.take().expect("writer is present until commit");
        writer
            .wait_merging_threads()
            .map_err(|e| Error::from_tantivy(e, &self.dir))?;
        share_bookkeeping(&self.dir);
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Dropped with changes and no commit (an error, a refused --strict
        // run): go back to the last commit and remove the files written
        // since, which would otherwise stay (on a full disk, keep it full)
        // until a later run.
        if let Some(mut writer) = self.inner.take()
            && self.changed.load(Ordering::Relaxed)
            && writer.rollback().is_ok()
        {
            let _ = writer.garbage_collect_files().wait();
        }
        // tantivy's writer (and so its lock) is gone before the pid hint.
        let _ = fs::remove_file(&self.pid_path);
    }
}

/// The id of the process that holds the index's write lock. It writes it
/// just after taking the lock, so a writer refused at that moment waits a
/// little (half a second at most) for it.
fn wait_for_writer_pid(dir: &Path) -> Option<u32> {
    for _ in 0..50 {
        if let Some(pid) = read_writer_pid(dir) {
            return Some(pid);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    None
}

/// The id of the process that holds the index's write lock, when it left
/// one.
fn read_writer_pid(dir: &Path) -> Option<u32> {
    fs::read_to_string(dir.join(PID_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// How much of an article's text [`detected_language`] reads.
const DETECTION_BYTES: usize = 4096;

/// The language of an article that says none, told from its title and the
/// opening of its text, if it can be told reliably.
fn detected_language(article: &Article) -> Option<String> {
    let mut sample = article.title.clone();
    for section in &article.sections {
        if sample.len() >= DETECTION_BYTES {
            break;
        }
        sample.push('\n');
        let mut end = section
            .text
            .len()
            .min(DETECTION_BYTES - sample.len().min(DETECTION_BYTES));
        while !section.text.is_char_boundary(end) {
            end -= 1;
        }
        sample.push_str(&section.text[..end]);
    }
    detect_language(&sample).map(String::from)
}
