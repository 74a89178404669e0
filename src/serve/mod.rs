//! `quire serve`: the search as a JSON API over HTTP, and a search page.
//!
//! - [`server`]: start-up, the routes and their handlers, shutdown;
//! - [`queue`]: the search threads and the line searches wait in;
//! - [`cache`]: answers kept for identical requests;
//! - [`sending`]: the budget of answers being sent;
//! - [`connections`]: the accept loop, its connection limit and header
//!   timeout;
//! - [`heads`]: requests' heads checked before hyper reads them, so that
//!   a request refused is answered in JSON too;
//! - [`error`]: errors as JSON with their HTTP status.

pub mod cache;
pub mod connections;
pub mod error;
pub mod heads;
pub mod queue;
pub mod sending;
pub mod server;
