//! `quire serve`: the search as a JSON API over HTTP, and a search page.
//!
//! `GET /search` answers with exactly what `quire search --json` prints (the
//! library's [`quire::SearchResults`]); `GET /articles` lists the articles
//! and their sections; `GET /articles/{id}` is one article's whole text
//! with a query's words marked (the library's [`quire::ArticleText`]);
//! `GET /health` says the index is readable; `GET /` is a self-contained
//! search page, and `GET /read/{id}` the reader its hits open. Every error is JSON with its HTTP status,
//! and user input never causes a 500. `docs/openapi.yaml` describes it all.
//!
//! Searches are synchronous CPU work: they run on a pool of threads of
//! their own (one per core unless `--threads` says otherwise), in the
//! order they came (see [`super::queue`]).
//! The index picks up commits by `quire index` on its own, so the server
//! never needs a restart to see new articles.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{self, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::cache::Cache;
use super::connections::{self, Limits, fit_connections};
use super::error::ApiError;
use super::queue::{Searchers, WAITING};
use super::sending::Sending;
use quire::{Index, Matching, ReadOptions, SearchOptions};

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
const READER: &str = include_str!("reader.html");

/// What the handlers share: the index and the cache of its answers.
pub struct Server {
    index: Arc<Index>,
    cache: Cache,
    searchers: Searchers,
    sending: Sending,
    /// Whose turn it is to build a page of `GET /articles`.
    listing: tokio::sync::Semaphore,
}

impl Server {
    /// Serves `index` as `options` say (its address aside).
    pub fn new(index: Index, options: &Options) -> Result<Server> {
        let index = Arc::new(index);
        Ok(Server {
            searchers: Searchers::start(Arc::clone(&index), options.threads, WAITING)?,
            index,
            cache: Cache::new(options.cache_entries, options.cache_bytes),
            sending: Sending::new(options.sending_bytes),
            listing: tokio::sync::Semaphore::new(1),
        })
    }
}

/// How to serve.
pub struct Options {
    /// Where to listen.
    pub addr: SocketAddr,
    /// How many search answers to keep (0: none).
    pub cache_entries: usize,
    /// How many bytes of answers to keep at most.
    pub cache_bytes: u64,
    /// How many bytes of answers may be being sent at once.
    pub sending_bytes: u64,
    /// How many searches run at once.
    pub threads: usize,
    /// The origin whose pages may call the API from a browser (`*`: any).
    pub allow_origin: Option<String>,
    /// What one connection may take.
    pub limits: Limits,
}

/// Serves the index in `dir` until Ctrl-C or SIGTERM, then finishes the
/// requests under way and returns.
pub fn run(dir: &Path, model: Option<&Path>, options: &Options) -> Result<()> {
    let addr = options.addr;
    let index = Index::open(dir)?;
    if let Some(model) = model {
        index.use_model(model);
    }
    // A model that is gone stops the server now, not at its first search.
    match index.load_model() {
        Ok(Some(model)) => eprintln!(
            "quire: ranking by words and by meaning ({}, {} dimensions)",
            model.name, model.dimensions
        ),
        Ok(None) | Err(quire::Error::NoModelSupport) => {}
        Err(e) => return Err(e.into()),
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener.local_addr()?;
        let limits = Limits {
            max_connections: fit_connections(options.limits.max_connections),
            ..options.limits
        };
        eprintln!(
            "quire: serving {} sections from {} on http://{bound}/ with {} search {}, up to {} connections (Ctrl-C stops)",
            index.num_sections(),
            dir.display(),
            options.threads,
            if options.threads == 1 { "thread" } else { "threads" },
            limits.max_connections,
        );
        let server = Server::new(index, options)?;
        let mut routes = router(Arc::new(server));
        if let Some(origin) = &options.allow_origin {
            let origin = HeaderValue::from_str(origin).context("not an origin")?;
            routes = routes.layer(axum::middleware::map_response(move |response| {
                allow(origin.clone(), response)
            }));
        }
        connections::serve(listener, routes, limits, shutdown()).await;
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
        .route("/read/{*id}", get(reader))
        .route("/search", get(search))
        .route("/articles", get(articles))
        .route("/articles/{*id}", get(article))
        .route("/health", get(health))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(server)
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

async fn page() -> impl IntoResponse {
    html(PAGE)
}

/// The reader: a page that asks `GET /articles/{id}` for the article in
/// its address, whatever it is.
async fn reader() -> impl IntoResponse {
    html(READER)
}

fn html(page: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            // The pages run their own script and nothing else, whatever
            // text from the index they show.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'",
            ),
        ],
        page,
    )
}

async fn not_found() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        message: "no such endpoint: see /search, /articles, /read, /health".into(),
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
    lang: Option<String>,
    exact: Option<bool>,
    snippets: Option<usize>,
    snippet_chars: Option<usize>,
    /// `hybrid` (the default), `words` (as `--lexical`) or `meaning`.
    #[serde(rename = "match")]
    matching: Option<String>,
    /// Whether the last word also matches as a prefix (as the user types).
    prefix_last: Option<bool>,
}

/// A query, checked.
fn checked_query(q: Option<String>) -> Result<String, ApiError> {
    let q = q.unwrap_or_default();
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
    Ok(q)
}

impl SearchParams {
    /// The query and the options, or what is wrong with them.
    fn check(self) -> Result<(String, SearchOptions), ApiError> {
        let q = checked_query(self.q)?;
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
        let matching = match self.matching.as_deref() {
            None | Some("hybrid") => Matching::Hybrid,
            Some("words") => Matching::Words,
            Some("meaning") => Matching::Meaning,
            Some(_) => {
                return Err(ApiError::bad_request(
                    "match must be hybrid, words or meaning",
                ));
            }
        };
        let mut options = SearchOptions::default()
            // As `quire search --json`.
            .snippets(self.snippets.unwrap_or(3))
            .exact(self.exact.unwrap_or(false))
            .matching(matching)
            .prefix_last(self.prefix_last.unwrap_or(false));
        options.limit = self.limit.unwrap_or(options.limit);
        options.offset = self.offset.unwrap_or(options.offset);
        options.snippet_chars = self.snippet_chars.unwrap_or(options.snippet_chars);
        options.article = self.article.filter(|a| !a.is_empty());
        options.section = self.section.filter(|s| !s.is_empty());
        options.per_article = self.per_article;
        options.lang = self.lang.filter(|l| !l.is_empty());
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
    let body = server.sending.answer(body)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// How long a `GET /articles` waits for its turn.
const LISTING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The most articles one `GET /articles` answers with, and the default.
pub const MAX_ARTICLES: usize = 1000;

/// The parameters of `GET /articles`.
#[derive(Debug, Deserialize)]
struct ArticlesParams {
    offset: Option<usize>,
    limit: Option<usize>,
}

/// `GET /articles`: a page of the articles, by id.
#[derive(Serialize)]
struct ArticleList {
    schema_version: u32,
    #[serde(flatten)]
    page: quire::ArticlePage,
}

async fn articles(
    State(server): State<Arc<Server>>,
    params: Result<Query<ArticlesParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = params.limit.unwrap_or(MAX_ARTICLES);
    if !(1..=MAX_ARTICLES).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_ARTICLES}"
        )));
    }
    let offset = params.offset.unwrap_or(0);
    // A page is built whole (megabytes for a thousand articles with many
    // sections): one at a time, the others wait their turn.
    let Ok(Ok(_turn)) = tokio::time::timeout(LISTING_WAIT, server.listing.acquire()).await else {
        return Err(ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "too many article pages are being listed; try again".into(),
        });
    };
    let index = Arc::clone(&server.index);
    let failed = |e: String| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("listing articles failed: {e}"),
    };
    let body = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        let list = ArticleList {
            schema_version: quire::RESULTS_VERSION,
            page: index.articles(offset, limit)?,
        };
        serde_json::to_vec(&list).map_err(|e| failed(e.to_string()))
    })
    .await
    .map_err(|e| failed(e.to_string()))??;
    let body = server.sending.answer(Bytes::from(body))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The parameters of `GET /articles/{id}`.
#[derive(Debug, Deserialize)]
struct ArticleParams {
    q: Option<String>,
    anchor: Option<String>,
    exact: Option<bool>,
    prefix_last: Option<bool>,
}

/// `GET /articles/{id}`: the article to read, with the words of `q`
/// marked.
async fn article(
    State(server): State<Arc<Server>>,
    id: Result<extract::Path<String>, PathRejection>,
    params: Result<Query<ArticleParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let extract::Path(id) = id.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let mut options = ReadOptions::default()
        .exact(params.exact.unwrap_or(false))
        .prefix_last(params.prefix_last.unwrap_or(false));
    if let Some(q) = params.q.filter(|q| !q.trim().is_empty()) {
        options = options.query(checked_query(Some(q))?);
    }
    if let Some(anchor) = params.anchor.filter(|a| !a.is_empty()) {
        options = options.anchor(anchor);
    }
    let body = server.searchers.read(id, options).await?;
    let body = server.sending.answer(body)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
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
        schema_version: quire::RESULTS_VERSION,
        sections: server.index.num_sections(),
    })
}
