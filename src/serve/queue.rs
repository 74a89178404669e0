//! The search threads: searches wait in one line for one of a fixed number
//! of threads, so that each runs on a core of its own.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::http::StatusCode;

use super::error::ApiError;
use quire::{Index, ReadOptions, SearchOptions};

/// The threads searches run on (one per core by default), fed from one
/// queue in the order requests came.
///
/// tokio's blocking pool would run every request under way at once, on as
/// many threads: the cores then share their time among them all, so every
/// search takes as long as the slowest few together (p99 twice the
/// median and more under load). Here a search, once started, has a core
/// to itself and ends in its own time; the others wait their turn.
pub struct Searchers {
    queue: SyncSender<Job>,
    /// How many searches may wait.
    waiting: usize,
}

/// A search and where its answer goes.
type Job = Box<dyn FnOnce(&Index) + Send>;

/// How many searches may wait for a thread; past this the server answers
/// 503 rather than queue without bound.
pub const WAITING: usize = 4096;

impl Searchers {
    /// Starts `threads` threads searching `index`, with room for `waiting`
    /// searches in line.
    pub fn start(index: Arc<Index>, threads: usize, waiting: usize) -> Result<Searchers> {
        let (queue, jobs) = std::sync::mpsc::sync_channel::<Job>(waiting);
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..threads.max(1) {
            let (index, jobs) = (Arc::clone(&index), Arc::clone(&jobs));
            std::thread::Builder::new()
                .name(format!("quire-search-{i}"))
                .spawn(move || Searchers::work(&index, &jobs))
                .context("cannot start the search threads")?;
        }
        Ok(Searchers { queue, waiting })
    }

    /// Runs jobs until the server is dropped. A job that panics (a bug)
    /// loses its answer, which its request reports as a 500, and not the
    /// thread.
    fn work(index: &Index, jobs: &Mutex<Receiver<Job>>) {
        loop {
            let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
            match job {
                Ok(job) => {
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(index)));
                }
                Err(_) => return,
            }
        }
    }

    /// Runs `work` on one of the threads, after the searches already
    /// waiting.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Index) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |index: &Index| {
            // The client may have gone: nobody to answer then.
            let _ = answer.send(work(index));
        });
        match self.queue.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(ApiError {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    message: format!(
                        "too many searches waiting ({}); try again shortly",
                        self.waiting
                    ),
                });
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: "the search threads are gone".to_string(),
                });
            }
        }
        answered.await.map_err(|_| ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "the search failed".to_string(),
        })
    }

    /// Searches on one of the threads; the answer is the results as JSON.
    pub async fn search(&self, q: String, options: SearchOptions) -> Result<Bytes, ApiError> {
        let results = self
            .run(move |index| {
                let results = index.search(&q, &options)?;
                serde_json::to_vec(&results).map_err(|e| ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: format!("the results could not be written: {e}"),
                })
            })
            .await??;
        Ok(Bytes::from(results))
    }

    /// Reads an article on one of the threads; the answer is the article
    /// as JSON, or 404 when the index has no article `id`.
    pub async fn read(&self, id: String, options: ReadOptions) -> Result<Bytes, ApiError> {
        let article = self
            .run(move |index| {
                let Some(article) = index.read(&id, &options)? else {
                    return Err(ApiError {
                        status: StatusCode::NOT_FOUND,
                        message: format!("the index has no article {id:?}"),
                    });
                };
                serde_json::to_vec(&article).map_err(|e| ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: format!("the article could not be written: {e}"),
                })
            })
            .await??;
        Ok(Bytes::from(article))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn index() -> (tempfile::TempDir, Arc<Index>) {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        std::fs::write(corpus.join("gout.md"), "# Gout\n\nUric acid crystals.\n").unwrap();
        let index = dir.path().join("index");
        quire::build_index(&index, &[corpus], &quire::IndexOptions::default()).unwrap();
        (dir, Arc::new(Index::open(&index).unwrap()))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn searches_wait_in_line_and_a_full_line_is_refused() {
        let (_dir, index) = index();
        let searchers = Arc::new(Searchers::start(index, 1, 1).unwrap());
        // Hold the only thread...
        let (started, has_started) = std::sync::mpsc::channel::<()>();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let holder = Arc::clone(&searchers);
        let held = tokio::spawn(async move {
            holder
                .run(move |_| {
                    started.send(()).unwrap();
                    released.recv().unwrap();
                })
                .await
        });
        tokio::task::spawn_blocking(move || has_started.recv().unwrap())
            .await
            .unwrap();
        // ...and fill the line: the next search is refused at once.
        let (waited, has_waited) = std::sync::mpsc::channel::<()>();
        searchers
            .queue
            .try_send(Box::new(move |_| waited.send(()).unwrap()))
            .unwrap();
        let refused = searchers
            .search("uric".to_string(), SearchOptions::default())
            .await
            .unwrap_err();
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(refused.message.contains("too many searches waiting (1)"));

        release.send(()).unwrap();
        held.await.unwrap().unwrap();
        // The one that waited runs next; then there is room again.
        tokio::task::spawn_blocking(move || has_waited.recv().unwrap())
            .await
            .unwrap();
        let body = searchers
            .search("uric".to_string(), SearchOptions::default())
            .await
            .unwrap();
        let results: quire::SearchResults = serde_json::from_slice(&body).unwrap();
        assert_eq!(results.hits.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_search_that_panics_costs_its_answer_not_the_thread() {
        let (_dir, index) = index();
        let searchers = Searchers::start(index, 1, 4).unwrap();
        let failed = searchers
            .run(|_| -> usize { panic!("a bug in a search") })
            .await
            .unwrap_err();
        assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
        let body = searchers
            .search("gout".to_string(), SearchOptions::default())
            .await
            .unwrap();
        assert!(String::from_utf8(body.to_vec()).unwrap().contains("Gout"));
    }
}
