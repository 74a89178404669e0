//! `quire serve`: the search as a JSON API over HTTP, and a search page.
//!
//! `GET /search` answers with exactly what `quire search --json` prints (the
//! library's [`quire::SearchResults`]); `GET /articles` lists the articles
//! and their sections; `GET /health` says the index is readable; `GET /` is
//! a self-contained search page. Every error is JSON with its HTTP status,
//! and user input never causes a 500. `docs/openapi.yaml` describes it all.
//!
//! Searches are synchronous CPU work: they run on a pool of threads of
//! their own (one per core unless `--threads` says otherwise), in the
//! order they came (see [`Searchers`]).
//! The index picks up commits by `quire index` on its own, so the server
//! never needs a restart to see new articles.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use quire::{Index, SearchOptions};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;
/// The most hits one request may ask for.
pub const MAX_LIMIT: usize = 100;
/// The deepest page one request may ask for.
pub const MAX_OFFSET: usize = 10_000;
/// The most snippets per hit one request may ask for.
pub const MAX_SNIPPETS: usize = 10;
/// The longest snippet one request may ask for, in characters.
pub const MAX_SNIPPET_CHARS: usize = 1000;

const PAGE: &str = include_str!("page.html");

/// What the handlers share: the index and the cache of its answers.
pub struct Server {
    index: Arc<Index>,
    cache: Cache,
    searchers: Searchers,
}

/// How to serve.
pub struct Options {
    /// Where to listen.
    pub addr: SocketAddr,
    /// How many search answers to keep (0: none).
    pub cache_entries: usize,
    /// How many searches run at once.
    pub threads: usize,
    /// The origin whose pages may call the API from a browser (`*`: any).
    pub allow_origin: Option<String>,
}

/// Serves the index in `dir` until Ctrl-C or SIGTERM, then finishes the
/// requests under way and returns.
pub fn run(dir: &Path, options: &Options) -> Result<()> {
    let addr = options.addr;
    let index = Index::open(dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener.local_addr()?;
        eprintln!(
            "quire: serving {} sections from {} on http://{bound}/ with {} search {} (Ctrl-C stops)",
            index.num_sections(),
            dir.display(),
            options.threads,
            if options.threads == 1 { "thread" } else { "threads" },
        );
        let index = Arc::new(index);
        let server = Server {
            searchers: Searchers::start(Arc::clone(&index), options.threads, WAITING)?,
            index,
            cache: Cache::new(options.cache_entries),
        };
        let mut routes = router(Arc::new(server));
        if let Some(origin) = &options.allow_origin {
            let origin = HeaderValue::from_str(origin).context("not an origin")?;
            routes = routes.layer(axum::middleware::map_response(move |response| {
                allow(origin.clone(), response)
            }));
        }
        axum::serve(listener, routes)
            .with_graceful_shutdown(shutdown())
            .await
            .context("the server failed")?;
        eprintln!("quire: stopped");
        Ok(())
    })
}

/// Lets pages from `origin` read `response` (CORS). Only GET requests
/// without custom headers reach the API, which browsers send without
/// asking first, so no preflight needs answering.
async fn allow(origin: HeaderValue, mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    response
}

/// The routes, over the shared index and answer cache.
pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/search", get(search))
        .route("/articles", get(articles))
        .route("/health", get(health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(server)
}

/// Search answers by request, as JSON bytes, for the index generation they
/// were computed on; the least recently used goes first when it is full.
/// Identical requests are common (a search page asks for every prefix its
/// users type, popular queries repeat) and each costs a full search.
pub struct Cache {
    capacity: usize,
    entries: Mutex<CacheEntries>,
}

#[derive(Default)]
struct CacheEntries {
    map: HashMap<String, CacheEntry>,
    clock: u64,
}

struct CacheEntry {
    generation: u64,
    body: Bytes,
    used: u64,
}

impl Cache {
    fn new(capacity: usize) -> Cache {
        Cache {
            capacity,
            entries: Mutex::new(CacheEntries::default()),
        }
    }

    fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        if self.capacity == 0 {
            return None;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.clock += 1;
        let clock = entries.clock;
        let entry = entries.map.get_mut(key)?;
        if entry.generation != generation {
            entries.map.remove(key);
            return None;
        }
        entry.used = clock;
        Some(entry.body.clone())
    }

    fn put(&self, key: String, generation: u64, body: Bytes) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.map.len() >= self.capacity && !entries.map.contains_key(&key) {
            // Stale generations go first, then the least recently used.
            entries.map.retain(|_, e| e.generation == generation);
            if entries.map.len() >= self.capacity {
                let oldest = entries
                    .map
                    .iter()
                    .min_by_key(|(_, e)| e.used)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    entries.map.remove(&oldest);
                }
            }
        }
        entries.clock += 1;
        let used = entries.clock;
        entries.map.insert(
            key,
            CacheEntry {
                generation,
                body,
                used,
            },
        );
    }
}

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
const WAITING: usize = 4096;

impl Searchers {
    /// Starts `threads` threads searching `index`, with room for `waiting`
    /// searches in line.
    fn start(index: Arc<Index>, threads: usize, waiting: usize) -> Result<Searchers> {
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
    async fn search(&self, q: String, options: SearchOptions) -> Result<Bytes, ApiError> {
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
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// An error as the API reports it: `{"error": {"status": 400, "message": ...}}`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    status: u16,
    message: &'a str,
}

impl ApiError {
    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                status: self.status.as_u16(),
                message: &self.message,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<quire::Error> for ApiError {
    fn from(err: quire::Error) -> ApiError {
        let status = match err {
            quire::Error::Query(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError {
            status,
            message: err.to_string(),
        }
    }
}

async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
}

async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        message: "no such endpoint: see /search, /articles, /health".into(),
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: "only GET is served".into(),
    }
}

/// The parameters of `GET /search`, named as `quire search`'s options.
#[derive(Debug, Deserialize)]
struct SearchParams {
    q: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
    article: Option<String>,
    section: Option<String>,
    per_article: Option<usize>,
    exact: Option<bool>,
    snippets: Option<usize>,
    snippet_chars: Option<usize>,
}

impl SearchParams {
    /// The query and the options, or what is wrong with them.
    fn check(self) -> Result<(String, SearchOptions), ApiError> {
        let q = self.q.unwrap_or_default();
        if q.trim().is_empty() {
            return Err(ApiError::bad_request(
                "the q parameter (the query) is missing or empty",
            ));
        }
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::bad_request(format!(
                "the query is longer than {MAX_QUERY_CHARS} characters"
            )));
        }
        let within = |name: &str, value: Option<usize>, min: usize, max: usize| match value {
            Some(v) if v < min || v > max => Err(ApiError::bad_request(format!(
                "{name} must be between {min} and {max}"
            ))),
            _ => Ok(()),
        };
        within("limit", self.limit, 1, MAX_LIMIT)?;
        within("offset", self.offset, 0, MAX_OFFSET)?;
        within("per_article", self.per_article, 1, MAX_LIMIT)?;
        within("snippets", self.snippets, 1, MAX_SNIPPETS)?;
        within("snippet_chars", self.snippet_chars, 1, MAX_SNIPPET_CHARS)?;
        let defaults = SearchOptions::default();
        let options = SearchOptions {
            limit: self.limit.unwrap_or(defaults.limit),
            offset: self.offset.unwrap_or(0),
            snippet_chars: self.snippet_chars.unwrap_or(defaults.snippet_chars),
            // As `quire search --json`.
            snippets: self.snippets.unwrap_or(3),
            exact: self.exact.unwrap_or(false),
            article: self.article.filter(|a| !a.is_empty()),
            section: self.section.filter(|s| !s.is_empty()),
            per_article: self.per_article,
        };
        Ok((q, options))
    }
}

async fn search(
    State(server): State<Arc<Server>>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (q, options) = params.check()?;
    let key = format!("{q}\u{0}{options:?}");
    let generation = server.index.generation();
    let body = match server.cache.get(&key, generation) {
        Some(body) => body,
        None => {
            let body = server.searchers.search(q, options).await?;
            server.cache.put(key, generation, body.clone());
            body
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// An article in `GET /articles`.
#[derive(Serialize)]
struct ArticleEntry {
    id: String,
    title: String,
    source: String,
    sections: Vec<SectionEntry>,
}

#[derive(Serialize)]
struct SectionEntry {
    path: Vec<String>,
    label: String,
    anchor: String,
    ordinal: u64,
}

#[derive(Serialize)]
struct ArticleList {
    schema_version: u32,
    articles: Vec<ArticleEntry>,
}

async fn articles(State(server): State<Arc<Server>>) -> Result<Response, ApiError> {
    let list = tokio::task::spawn_blocking(move || -> quire::Result<ArticleList> {
        let index = &server.index;
        let mut articles: Vec<ArticleEntry> = Vec::new();
        index.for_each_section(|s| {
            if articles.last().is_none_or(|a| a.id != s.article_id) {
                articles.push(ArticleEntry {
                    id: s.article_id,
                    title: s.title,
                    source: s.source,
                    sections: Vec::new(),
                });
            }
            let article = articles.last_mut().expect("pushed above");
            article.sections.push(SectionEntry {
                path: s.headings,
                label: s.label,
                anchor: s.anchor,
                ordinal: s.ordinal,
            });
            Ok(())
        })?;
        articles.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(ArticleList {
            schema_version: quire::SCHEMA_VERSION,
            articles,
        })
    })
    .await
    .map_err(|e| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("listing articles failed: {e}"),
    })??;
    Ok(axum::Json(list).into_response())
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    schema_version: u32,
    sections: u64,
}

async fn health(State(server): State<Arc<Server>>) -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        schema_version: quire::SCHEMA_VERSION,
        sections: server.index.num_sections(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
