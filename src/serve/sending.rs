//! Answers being sent, within a budget of bytes.
//!
//! A client that asks for large answers and never reads them holds each
//! answer for as long as its connection stays open; thousands of them
//! could hold any amount of memory. Every answer the API builds takes its
//! size from [`Sending`]'s budget until its last piece is handed to the
//! connection (hyper then holds at most its write buffer of it); when the
//! budget is spent, the request is answered 503 at once: an answer kept
//! waiting for room would be memory outside the budget.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use http_body::{Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;

/// The default budget of answers being sent (`quire serve
/// --sending-memory`).
pub const DEFAULT_BYTES: u64 = 64 * 1024 * 1024;

/// How much of an answer is handed to the connection at a time.
const PIECE_BYTES: usize = 16 * 1024;

/// The budget is counted in KiB, so that it fits a semaphore's permits.
const UNIT: u64 = 1024;

/// The budget of bytes of answers being sent.
pub struct Sending {
    permits: Arc<Semaphore>,
    total: u32,
}

impl Sending {
    /// A budget of `bytes` (at least 1 MiB).
    pub fn new(bytes: u64) -> Sending {
        let total = u32::try_from((bytes / UNIT).max(1024)).unwrap_or(u32::MAX);
        Sending {
            permits: Arc::new(Semaphore::new(total as usize)),
            total,
        }
    }

    /// `bytes` as a body that holds its size of the budget until it is
    /// sent, or 503 when there is no room.
    pub fn answer(&self, bytes: Bytes) -> Result<Body, ApiError> {
        let units = u32::try_from(bytes.len() as u64 / UNIT + 1)
            .unwrap_or(u32::MAX)
            .min(self.total);
        let permit = match Arc::clone(&self.permits).try_acquire_many_owned(units) {
            Ok(permit) => permit,
            Err(_) => {
                return Err(ApiError {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    message: "too many answers are being sent at once; try again".into(),
                });
            }
        };
        Ok(Body::new(Held {
            rest: bytes,
            permit: Some(permit),
        }))
    }
}

/// An answer's bytes still to hand over, and its share of the budget.
struct Held {
    rest: Bytes,
    permit: Option<OwnedSemaphorePermit>,
}

impl http_body::Body for Held {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.rest.is_empty() {
            this.permit = None;
            return Poll::Ready(None);
        }
        // A copy: hyper keeps the pieces it has not written yet, and a piece
        // cut from the answer would keep all of it.
        let n = this.rest.len().min(PIECE_BYTES);
        let piece = Bytes::copy_from_slice(&this.rest[..n]);
        this.rest = this.rest.slice(n..);
        if this.rest.is_empty() {
            // The last piece: the answer is let go, and what hyper holds is
            // its write buffer's worth.
            this.rest = Bytes::new();
            this.permit = None;
        }
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.rest.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn answers_hold_the_budget_until_sent() {
        let sending = Sending::new(2 * 1024 * 1024);
        let big = Bytes::from(vec![b'x'; 1024 * 1024 + 10]);
        let first = sending.answer(big.clone()).unwrap();
        // A second answer of the same size does not fit.
        assert_eq!(
            sending.answer(big.clone()).unwrap_err().status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        // Once the first is sent, the room is back, and the bytes are whole.
        let sent = first.collect().await.unwrap().to_bytes();
        assert_eq!(sent, big);
        assert!(sending.answer(big).is_ok());
    }
}
