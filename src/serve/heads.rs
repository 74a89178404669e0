//! Requests' heads, read ahead of hyper within quire's own limits, so that
//! every request refused answers JSON.
//!
//! hyper answers a request it cannot parse, or whose head is past its
//! limits, with an empty 400, 414 or 431 that the routes never see.
//! [`Guarded`] sits between the socket and hyper: it passes hyper only heads
//! it has parsed whole and found within [`MAX_HEAD_BYTES`] and
//! [`MAX_HEADERS`] (well inside hyper's own limits, so hyper never refuses
//! one), and bodies by their `Content-Length`. At the first head it refuses,
//! it passes nothing more: to hyper the client has stopped sending, so
//! hyper answers the requests before it and closes the connection, and the
//! refusal, as JSON, is the connection's last answer.
//!
//! What it holds per connection is bounded: at most [`MAX_HEAD_BYTES`] plus
//! one read. It also fails a write that waits longer than the connection's
//! write timeout for the client to read, so that a client that asks and
//! never reads cannot hold an answer, and a connection, for ever.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::http::{StatusCode, Uri};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::error::json_body;

/// The longest request head (request line and headers) accepted, in bytes:
/// Node.js's default. A query of `MAX_QUERY_CHARS` Chinese characters,
/// percent-encoded, takes 9,000 of them.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// The most headers one request may have: hyper's default.
pub const MAX_HEADERS: usize = 100;

/// The longest body passed on. No route reads a body; one this short is
/// passed so that the route can say what is wrong with the request.
pub const MAX_BODY_BYTES: u64 = 8 * 1024;

/// How much is read from the socket at a time.
const READ_BYTES: usize = 8 * 1024;

/// How long a refused client's input is still read (and dropped) after
/// the refusal, at most, so that closing with input unread does not reset
/// the connection before the client has read the refusal.
const LINGER: Duration = Duration::from_secs(2);

/// How much of a refused client's input is read and dropped, at most.
const LINGER_BYTES: usize = 1024 * 1024;

/// A connection whose requests are checked before hyper reads them, and
/// whose writes must make progress.
pub struct Guarded<S> {
    inner: S,
    /// How long a write may wait for the client to read; past it, the
    /// connection is closed.
    write_timeout: Duration,
    /// When the write that waits now gives up.
    stalled: Option<Pin<Box<Sleep>>>,
    /// How the lingering close after a refusal goes: when it ends, and how
    /// much it has dropped.
    linger: Option<(Pin<Box<Sleep>>, usize)>,
    /// Bytes read from the client that hyper has not had yet.
    pending: Vec<u8>,
    /// How many bytes at the front of `pending` are checked: a whole head,
    /// or body bytes.
    checked: usize,
    /// Bytes of the last checked request's body still to come.
    body: u64,
    /// The answer to the head refused, once one is, and how much of it is
    /// written.
    refusal: Option<(Vec<u8>, usize)>,
    /// Whether the client has stopped sending.
    finished: bool,
}

impl<S> Guarded<S> {
    /// Checks the requests that come in on `inner`; a write that waits
    /// `write_timeout` for the client to read fails.
    pub fn new(inner: S, write_timeout: Duration) -> Guarded<S> {
        Guarded {
            inner,
            write_timeout,
            stalled: None,
            linger: None,
            pending: Vec::new(),
            checked: 0,
            body: 0,
            refusal: None,
            finished: false,
        }
    }

    /// Checks what `pending` holds past the checked bytes. Returns whether
    /// anything changed: bytes checked, or a refusal.
    fn check(&mut self) -> bool {
        debug_assert_eq!(self.checked, 0);
        if self.pending.is_empty() {
            return false;
        }
        if self.body > 0 {
            let n = self.body.min(self.pending.len() as u64);
            self.body -= n;
            self.checked = n as usize;
            return true;
        }
        match check_head(&self.pending) {
            Head::Partial => {
                if self.pending.len() <= MAX_HEAD_BYTES {
                    return false;
                }
                let line_ends = self.pending[..MAX_HEAD_BYTES].contains(&b'\n');
                self.refuse(if line_ends {
                    Refusal::HeadTooLarge
                } else {
                    Refusal::UriTooLong
                });
            }
            Head::Complete { len, body } => {
                self.checked = len;
                self.body = body;
            }
            Head::Refused(refusal) => self.refuse(refusal),
        }
        true
    }

    fn refuse(&mut self, refusal: Refusal) {
        let (status, message) = refusal.explain();
        let body = json_body(status, &message);
        // An answer to HEAD has no body, only its length.
        let head_only = self.pending.starts_with(b"HEAD ");
        let mut answer = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            body.len()
        )
        .into_bytes();
        if !head_only {
            answer.extend_from_slice(&body);
        }
        self.refusal = Some((answer, 0));
        self.pending = Vec::new();
    }
}

/// Why a head is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    UriTooLong,
    HeadTooLarge,
    TooManyHeaders,
    Version,
    Malformed,
    BadTarget,
    BadLength,
    Chunked,
    BodyTooLarge,
}

impl Refusal {
    fn explain(self) -> (StatusCode, String) {
        match self {
            Refusal::UriTooLong => (
                StatusCode::URI_TOO_LONG,
                format!("the request line is longer than {MAX_HEAD_BYTES} bytes"),
            ),
            Refusal::HeadTooLarge => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!("the request's headers are longer than {MAX_HEAD_BYTES} bytes"),
            ),
            Refusal::TooManyHeaders => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!("the request has more than {MAX_HEADERS} headers"),
            ),
            Refusal::Version => (
                StatusCode::HTTP_VERSION_NOT_SUPPORTED,
                "only HTTP/1.0 and HTTP/1.1 are served".into(),
            ),
            Refusal::Malformed => (
                StatusCode::BAD_REQUEST,
                "not an HTTP/1 request: a malformed request line or header".into(),
            ),
            Refusal::BadTarget => (
                StatusCode::BAD_REQUEST,
                "the request's target is not a valid URI".into(),
            ),
            Refusal::BadLength => (
                StatusCode::BAD_REQUEST,
                "the request's Content-Length is not one number".into(),
            ),
            Refusal::Chunked => (
                StatusCode::LENGTH_REQUIRED,
                "request bodies are sent with a Content-Length, not chunked".into(),
            ),
            Refusal::BodyTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "request bodies are refused past {MAX_BODY_BYTES} bytes (no route reads one)"
                ),
            ),
        }
    }
}

/// What the bytes at the front of a connection's input make.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    /// Not a whole head yet.
    Partial,
    /// A head of `len` bytes within the limits, followed by `body` bytes.
    Complete {
        len: usize,
        body: u64,
    },
    Refused(Refusal),
}

/// Parses the head at the front of `bytes` as hyper will, and checks it
/// against the limits.
fn check_head(bytes: &[u8]) -> Head {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Head::Partial,
        Err(httparse::Error::TooManyHeaders) => return Head::Refused(Refusal::TooManyHeaders),
        Err(httparse::Error::Version) => return Head::Refused(Refusal::Version),
        Err(_) => return Head::Refused(Refusal::Malformed),
    };
    if len > MAX_HEAD_BYTES {
        let line = bytes.iter().position(|&b| b == b'\n').unwrap_or(len);
        return Head::Refused(if line >= MAX_HEAD_BYTES {
            Refusal::UriTooLong
        } else {
            Refusal::HeadTooLarge
        });
    }
    if request.path.is_none_or(|path| Uri::try_from(path).is_err()) {
        return Head::Refused(Refusal::BadTarget);
    }
    let mut body = None;
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Head::Refused(Refusal::Chunked);
        }
        if header.name.eq_ignore_ascii_case("content-length") {
            let Some(length) = content_length(header.value) else {
                return Head::Refused(Refusal::BadLength);
            };
            if body.is_some_and(|seen| seen != length) {
                return Head::Refused(Refusal::BadLength);
            }
            body = Some(length);
        }
    }
    let body = body.unwrap_or(0);
    if body > MAX_BODY_BYTES {
        return Head::Refused(Refusal::BodyTooLarge);
    }
    Head::Complete { len, body }
}

/// A `Content-Length` value: digits only, as hyper reads it (a list of
/// equal values, which hyper also takes, is refused).
fn content_length(value: &[u8]) -> Option<u64> {
    let value = value.trim_ascii();
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.checked > 0 {
                let n = this.checked.min(buf.remaining());
                buf.put_slice(&this.pending[..n]);
                this.pending.drain(..n);
                this.checked -= n;
                return Poll::Ready(Ok(()));
            }
            if this.refusal.is_some() {
                // To hyper, the client has stopped sending.
                return Poll::Ready(Ok(()));
            }
            if this.check() {
                continue;
            }
            if this.finished {
                // A head cut short, or nothing: the client has gone.
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0; READ_BYTES];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                this.finished = true;
            }
            this.pending.extend_from_slice(read.filled());
        }
    }
}

/// Passes on what a write made of, and fails it once it has waited longer
/// than `timeout` for the client to read (`stalled` is when it gives up).
fn progress<T>(
    stalled: &mut Option<Pin<Box<Sleep>>>,
    timeout: Duration,
    cx: &mut Context<'_>,
    poll: Poll<io::Result<T>>,
) -> Poll<io::Result<T>> {
    if poll.is_ready() {
        *stalled = None;
        return poll;
    }
    let stalled = stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
    match stalled.as_mut().poll(cx) {
        Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client stopped reading",
        ))),
        Poll::Pending => Poll::Pending,
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        progress(&mut this.stalled, this.write_timeout, cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        progress(&mut this.stalled, this.write_timeout, cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        progress(&mut this.stalled, this.write_timeout, cx, poll)
    }

    /// hyper closes the connection once it has answered what it was given:
    /// the refusal, if any, goes out first, then the client's input is read
    /// and dropped for a moment (a lingering close).
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some((answer, written)) = &mut this.refusal else {
            return Pin::new(&mut this.inner).poll_shutdown(cx);
        };
        while *written < answer.len() {
            let poll = Pin::new(&mut this.inner).poll_write(cx, &answer[*written..]);
            let n = ready!(progress(&mut this.stalled, this.write_timeout, cx, poll))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        if this.linger.is_none() {
            let poll = Pin::new(&mut this.inner).poll_flush(cx);
            ready!(progress(&mut this.stalled, this.write_timeout, cx, poll))?;
            ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
            this.linger = Some((Box::pin(tokio::time::sleep(LINGER)), 0));
        }
        let (deadline, dropped) = this.linger.as_mut().expect("lingering");
        let mut scratch = [0; READ_BYTES];
        while *dropped < LINGER_BYTES && !this.finished {
            let mut read = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.inner).poll_read(cx, &mut read) {
                Poll::Ready(Ok(())) if !read.filled().is_empty() => *dropped += read.filled().len(),
                Poll::Ready(_) => this.finished = true,
                Poll::Pending => {
                    ready!(deadline.as_mut().poll(cx));
                    break;
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_client_that_stops_reading_is_let_go() {
        let (server, _client) = tokio::io::duplex(1024);
        let mut guarded = Guarded::new(server, Duration::from_millis(200));
        let started = std::time::Instant::now();
        let err = guarded.write_all(&[b'x'; 8192]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn refusals_are_whole_and_head_gets_no_body() {
        for (method, with_body) in [("GET", true), ("HEAD", false)] {
            let (server, mut client) = tokio::io::duplex(64 * 1024);
            let mut guarded = Guarded::new(server, Duration::from_secs(5));
            let request = format!("{method} / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000));
            client.write_all(request.as_bytes()).await.unwrap();
            client.shutdown().await.unwrap();
            // To hyper, the input ends before the refused head...
            let mut passed = Vec::new();
            guarded.read_to_end(&mut passed).await.unwrap();
            assert!(passed.is_empty());
            // ...and the refusal goes out as the connection closes.
            guarded.shutdown().await.unwrap();
            let mut answer = String::new();
            client.read_to_string(&mut answer).await.unwrap();
            assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
            assert_eq!(answer.ends_with('}'), with_body, "{answer}");
        }
    }

    #[test]
    fn heads_within_the_limits_are_passed_with_their_bodies() {
        assert_eq!(
            check_head(b"GET /search?q=x HTTP/1.1\r\nHost: a\r\n\r\nGET"),
            Head::Complete { len: 37, body: 0 }
        );
        assert_eq!(
            check_head(b"POST /search HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            Head::Complete { len: 44, body: 5 }
        );
        assert_eq!(check_head(b"GET /search?q=x HTTP/1.1\r\nHo"), Head::Partial);
    }

    #[test]
    fn what_hyper_would_answer_empty_is_refused_here() {
        let refused = |bytes: &[u8]| match check_head(bytes) {
            Head::Refused(refusal) => Some(refusal),
            _ => None,
        };
        assert_eq!(refused(b"GET / HTTP/2.0\r\n\r\n"), Some(Refusal::Version));
        assert_eq!(
            refused(b"GET\x01/ HTTP/1.1\r\n\r\n"),
            Some(Refusal::Malformed)
        );
        assert_eq!(
            refused(b"GET http://[::1/ HTTP/1.1\r\n\r\n"),
            Some(Refusal::BadTarget)
        );
        assert_eq!(
            refused(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            Some(Refusal::BadLength)
        );
        assert_eq!(
            refused(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
            Some(Refusal::BadLength)
        );
        assert_eq!(
            refused(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Some(Refusal::Chunked)
        );
        assert_eq!(
            refused(b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"),
            Some(Refusal::BodyTooLarge)
        );
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "A: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(refused(many.as_bytes()), Some(Refusal::TooManyHeaders));
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_HEAD_BYTES));
        assert_eq!(refused(long.as_bytes()), Some(Refusal::UriTooLong));
        let big = format!(
            "GET / HTTP/1.1\r\nA: {}\r\n\r\n",
            "b".repeat(MAX_HEAD_BYTES)
        );
        assert_eq!(refused(big.as_bytes()), Some(Refusal::HeadTooLarge));
    }
}
