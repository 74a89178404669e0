//! [`Index`]: an open index folder, and everything another program does
//! with one. Each method is a door into one stage: opening and writing are
//! the store's ([`crate::store`]), searching is the search's
//! ([`crate::search`]), listing sections is the export's
//! ([`crate::export`]). The index keeps what the search stage remembers
//! across searches ([`crate::search::caches`]).

use std::io::Write;
use std::path::Path;

use crate::embed::identity::ModelIdentity;
use crate::error::Result;
use crate::export::{self, ArticlePage, ExportFormat, ExportedSection};
use crate::search::caches::Caches;
use crate::search::options::SearchOptions;
use crate::search::reading::{self, ArticleText, ReadOptions};
use crate::search::results::SearchResults;
use crate::search::run;
use crate::store::open::{Commits, Store, Unusable};
use crate::store::stamp;
use crate::store::writer::{DEFAULT_WRITER_MEMORY, Writer};

#[cfg(doc)]
use crate::error::Error;

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
    pub(crate) store: Store,
    pub(crate) caches: Caches,
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
        Store::open(dir.as_ref(), Commits::Followed).map(Index::with_store)
    }

    /// Opens the index in `dir` as it is now, for a search or an export
    /// that ends soon: unlike [`Index::open`], it never sees later commits,
    /// and starts no thread to watch for them.
    ///
    /// # Errors
    ///
    /// Those of [`Index::open`].
    pub fn open_as_it_is(dir: impl AsRef<Path>) -> Result<Index> {
        Store::open(dir.as_ref(), Commits::Ignored).map(Index::with_store)
    }

    /// Whether `dir` holds something: a folder that does not exist, or
    /// holds nothing but git's placeholder files, has no index yet.
    pub fn exists(dir: impl AsRef<Path>) -> bool {
        Store::exists(dir.as_ref())
    }

    /// Opens the index in `dir` for writing, creating it if `dir` does not
    /// exist or is empty.
    ///
    /// # Errors
    ///
    /// [`Error::NotAnIndex`] when `dir` holds other files (quire never
    /// writes into a folder it did not make), and the errors of
    /// [`Index::open`] but for [`Error::NoIndex`].
    pub fn open_or_create(dir: impl AsRef<Path>) -> Result<Index> {
        Store::open_or_create(dir.as_ref(), Unusable::Refuse).map(Index::with_store)
    }

    /// Like [`Index::open_or_create`], for rebuilding: an index of another
    /// format or a damaged one is emptied and created anew. A readable
    /// index of this format is opened as it is, so that a rebuild that
    /// fails leaves it whole: empty it with [`Writer::delete_all`] in the
    /// commit that adds every article again.
    ///
    /// # Errors
    ///
    /// [`Error::NotAnIndex`] when `dir` holds other files.
    pub fn open_for_rebuild(dir: impl AsRef<Path>) -> Result<Index> {
        Store::open_or_create(dir.as_ref(), Unusable::Replace).map(Index::with_store)
    }

    fn with_store(store: Store) -> Index {
        Index {
            store,
            caches: Caches::default(),
        }
    }

    /// The folder this index lives in.
    pub fn dir(&self) -> &Path {
        &self.store.dir
    }

    /// How many sections the index holds, as of the last commit this
    /// handle has seen.
    pub fn num_sections(&self) -> u64 {
        self.store.searcher().num_docs()
    }

    /// How many articles the index holds, as of the last commit this
    /// handle has seen.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptIndex`] when the index cannot be read.
    pub fn num_articles(&self) -> Result<usize> {
        Ok(stamp::stamps(&self.store)?.len())
    }

    /// A number that changes whenever this handle starts seeing a new
    /// commit: results cached under one generation are stale under another.
    pub fn generation(&self) -> u64 {
        self.store.searcher().generation().generation_id()
    }

    /// Makes the sections committed since this index was opened (or last
    /// reloaded) visible to [`Index::search`] now.
    ///
    /// Without it they become visible on their own: an open index watches
    /// its folder and picks up each commit, by this process or another,
    /// within about half a second (tantivy's `OnCommitWithDelay`).
    pub fn reload(&self) -> Result<()> {
        self.store.reload()
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
    /// [`MIN_WRITER_MEMORY_PER_THREAD`](crate::MIN_WRITER_MEMORY_PER_THREAD)
    /// each: fewer threads are used when the memory is short).
    ///
    /// Each thread writes its own segment, so more threads pay off only
    /// for large batches: a few articles are written fastest by one thread
    /// (fewer files to create and sync). More memory means fewer, larger
    /// segments and fewer merges; it bounds the writer's share of the
    /// process's peak memory.
    ///
    /// # Errors
    ///
    /// As [`Index::writer`].
    pub fn writer_with(&self, threads: usize, memory: u64) -> Result<Writer> {
        Writer::open(&self.store, threads, memory)
    }

    /// Searches the index for `query` (see the query language in README.md).
    ///
    /// Every option of `quire search` is an option of [`SearchOptions`]:
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use quire::{Index, IndexOptions, SearchOptions};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let gout = dir.path().join("gout.txt");
    /// std::fs::write(&gout, "Gout\n\nCause\n\nUric acid crystals in a joint.\n\n\
    ///     Treatment\n\nDrugs lower uric acid; colchicine eases an attack.\n")?;
    /// quire::build_index(dir.path().join("index"), &[gout], &IndexOptions::default())?;
    /// let index = Index::open(dir.path().join("index"))?;
    ///
    /// let options = SearchOptions::default()
    ///     .limit(5)                  // --limit
    ///     .offset(0)                 // --offset
    ///     .snippet_chars(80)         // --snippet-chars
    ///     .snippets(2)               // --snippets
    ///     .exact(false)              // --exact (no typos)
    ///     .article("gout.txt")       // --article (id or title)
    ///     .section("treat")          // --section (label prefix)
    ///     .per_article(3);           // --per-article
    /// // A typo ("colchicne"), a stem ("attacks") and a phrase.
    /// let results = index.search("colchicne attacks \"uric acid\"", &options)?;
    /// assert_eq!(results.total_hits, 1);
    /// let hit = &results.hits[0];
    /// assert_eq!((hit.section.label.as_str(), hit.exact), ("Treatment", false));
    /// let snippet = &hit.snippets[0];
    /// let marked: Vec<&str> = snippet.highlights.iter().map(|h| &snippet.text[h.start..h.end]).collect();
    /// assert_eq!(marked, ["uric", "acid", "colchicine", "attack"]);
    /// # Ok(()) }
    /// ```
    ///
    /// On an index built with a model
    /// ([`IndexOptions::model`](crate::IndexOptions::model)), the search also ranks by meaning (see
    /// [`SearchOptions::matching`]); the model is loaded once, on the first
    /// search that needs it.
    ///
    /// # Errors
    ///
    /// [`Error::Query`] when the query has no word to search for (it is
    /// empty, only punctuation, or only excludes words);
    /// [`Error::ModelMissing`] and [`Error::ModelChanged`] when the index's
    /// model is not where it was, or not the same (search with
    /// [`Matching::Words`](crate::Matching::Words), or see
    /// [`Index::use_model`]).
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<SearchResults> {
        run::search(&self.store, &self.caches, query, options)
    }

    /// The model whose vectors the index has, as of the commit last
    /// loaded; `None` for an index built without one.
    ///
    /// # Errors
    ///
    /// The errors of reading the index's metadata.
    pub fn model(&self) -> Result<Option<ModelIdentity>> {
        let generation = self.store.searcher().generation().generation_id();
        self.caches.meaning.identity(&self.store, generation)
    }

    /// Loads the index's model from `dir` from now on, instead of the
    /// folder it remembers (which moved): the next search checks that it
    /// holds the same weights.
    pub fn use_model(&self, dir: impl AsRef<Path>) {
        self.caches.meaning.use_folder(dir.as_ref());
    }

    /// Loads the index's model now rather than on the first search that
    /// needs it (a server does, to fail at its start); returns which model
    /// it is, `None` for an index without vectors.
    ///
    /// # Errors
    ///
    /// As [`Index::search`] for the model, and [`Error::NoModelSupport`]
    /// in a build without the `model` feature.
    pub fn load_model(&self) -> Result<Option<ModelIdentity>> {
        let generation = self.store.searcher().generation().generation_id();
        let model = self.caches.meaning.model(&self.store, generation)?;
        Ok(model.map(|m| m.identity().clone()))
    }

    /// The articles `offset..offset + limit` of the index, by article id,
    /// each with its sections' headings, labels and anchors (not their
    /// text), and how many articles there are in all.
    ///
    /// Only the page's articles are read, so paging through a large index
    /// costs each page what it shows.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptIndex`] when the index cannot be read.
    pub fn articles(&self, offset: usize, limit: usize) -> Result<ArticlePage> {
        export::article_page(&self.store, offset, limit)
    }

    /// The article `id` to read: its sections in order with their whole
    /// text, the words of [`ReadOptions::query`] marked as a search marks
    /// its snippets, and the sections the query finds in it flagged;
    /// `None` when the index has no article `id`.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use quire::{Index, IndexOptions, ReadOptions};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let article = dir.path().join("gout.txt");
    /// std::fs::write(&article, "Gout\n\nCause\n\nUric acid crystals.\n\nTreatment\n\nRest.\n")?;
    /// quire::build_index(dir.path().join("index"), &[article], &IndexOptions::default())?;
    ///
    /// let index = Index::open(dir.path().join("index"))?;
    /// let read = index.read("gout.txt", &ReadOptions::default().query("crystal"))?.unwrap();
    /// let cause = &read.sections[0];
    /// let marked: Vec<&str> = cause.highlights.iter().map(|h| &cause.text[h.start..h.end]).collect();
    /// assert_eq!(marked, ["crystals"]);
    /// assert!(cause.matched && !read.sections[1].matched);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Query`] for a query with no word to search for, and
    /// [`Error::CorruptIndex`] when the index cannot be read.
    pub fn read(&self, id: &str, options: &ReadOptions) -> Result<Option<ArticleText>> {
        reading::read(&self.store, &self.caches, id, options)
    }

    /// Calls `each` with every section of the index, in export order (see
    /// [`export`]), stopping at its first error.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptIndex`] when the index cannot be read, and whatever
    /// `each` returns.
    pub fn for_each_section(&self, each: impl FnMut(ExportedSection) -> Result<()>) -> Result<()> {
        export::for_each_section(&self.store, each)
    }
}

/// Writes every section of `index` to `out` in `format`; returns how many
/// sections were written.
///
/// One line per section, with the index's own field names. Sections come
/// article by article (articles in the order of their keys, a hash of the
/// id), each article's sections in order, so two exports of the same index
/// are byte for byte the same.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use quire::{ExportFormat, ExportedSection, Index, IndexOptions};
///
/// let dir = tempfile::tempdir()?;
/// let article = dir.path().join("gout.txt");
/// std::fs::write(&article, "Gout\n\nTreatment\n\nRest and ice.\n")?;
/// quire::build_index(dir.path().join("index"), &[article], &IndexOptions::default())?;
///
/// let mut out = Vec::new();
/// let index = Index::open(dir.path().join("index"))?;
/// assert_eq!(quire::export(&index, &ExportFormat::Ndjson, &mut out)?, 1);
/// let section: ExportedSection = serde_json::from_slice(&out)?;
/// assert_eq!((section.label.as_str(), section.text.as_str()), ("Treatment", "Rest and ice."));
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`Error::Write`] when `out` fails, [`Error::CorruptIndex`] when the
/// index cannot be read.
pub fn export(index: &Index, format: &ExportFormat, out: &mut impl Write) -> Result<u64> {
    export::write(&index.store, format, out)
}
