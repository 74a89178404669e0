//! Connections: the accept loop, with a bound on the connections open at
//! once and a time limit on reading each request's headers, so that slow or
//! idle clients cannot take the server's file descriptors from the ones
//! searching; and a graceful stop that lets the requests under way finish.
//!
//! axum's own `serve` sets neither limit: 2,000 connections sending a byte
//! every 3 s were held forever, and once the process ran out of file
//! descriptors, normal searches timed out.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::heads::Guarded;

/// The default for `--max-connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// The default for `--header-timeout`, in seconds.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;

/// The most hyper buffers of a connection's input, and of its output
/// before it stops taking more of an answer: room for the longest head the
/// guard passes on.
const BUFFER_BYTES: usize = 2 * super::heads::MAX_HEAD_BYTES;

/// File descriptors kept back for the index's own files and the search
/// threads when the connection limit is fitted to the process's limit.
const RESERVED_FILES: u64 = 256;

/// What one connection may take.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most connections open at once; past it, new ones wait to be
    /// accepted.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, from the
    /// moment the server is ready to read them (an idle keep-alive
    /// connection included); past it the connection is closed.
    pub header_timeout: Duration,
}

/// Serves `routes` on `listener` within `limits` until `stop` completes,
/// then stops accepting, lets every open connection finish the request it
/// is on, and returns once all are closed.
pub async fn serve(
    listener: TcpListener,
    routes: Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stopping, stopped) = watch::channel(false);
    let mut stop = pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => permit.expect("the slots are never closed"),
            () = &mut stop => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a moment rather than spin.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let routes = routes.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            let _slot = permit;
            connection(stream, routes, limits.header_timeout, stopped).await;
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    // Every open connection holds a slot: all of them back means all closed.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}

/// Serves the requests that come in on `io` until the client closes it,
/// its headers take longer than `header_timeout` to come or an answer as
/// long to be read, or `stopped` turns true (then the request under way is
/// finished first).
pub async fn connection<S>(
    io: S,
    routes: Router,
    header_timeout: Duration,
    mut stopped: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(routes);
    // HTTP/1.1 only, read from the first byte: a server that sniffs for
    // HTTP/2 first waits for that byte without any time limit.
    let mut builder = http1::Builder::new();
    // Half-closed: the guard ends the input at a refused head, and the
    // requests before it are still answered.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .half_close(true)
        .max_buf_size(BUFFER_BYTES);
    // A client that stops reading is given as long to go on as one that
    // stops sending its headers.
    let io = TokioIo::new(Guarded::new(io, header_timeout));
    let mut connection = pin!(builder.serve_connection(io, service));
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = stopped.changed() => connection.as_mut().graceful_shutdown(),
    }
    let _ = connection.await;
}

/// Raises the process's limit on open files to its hard limit (at most
/// `wanted` plus what the index needs), and returns how many connections
/// it then allows: `wanted`, or fewer when the system allows fewer files.
pub fn fit_connections(wanted: usize) -> usize {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `getrlimit` and `setrlimit` only read and write the
        // struct passed, which lives for the calls.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return wanted;
            }
            let needed = (wanted as u64).saturating_add(RESERVED_FILES);
            if limit.rlim_cur < needed {
                let raised = libc::rlimit {
                    rlim_cur: needed.min(limit.rlim_max),
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit.rlim_cur = raised.rlim_cur;
                }
            }
        }
        let room = limit.rlim_cur.saturating_sub(RESERVED_FILES).max(1);
        wanted.min(usize::try_from(room).unwrap_or(usize::MAX))
    }
    #[cfg(not(unix))]
    wanted
}
