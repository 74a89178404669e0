//! Errors as the API reports them: JSON with the HTTP status.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error as the API reports it: `{"error": {"status": 400, "message": ...}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
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
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

/// The JSON body of an error: `{"error": {"status": ..., "message": ...}}`.
pub fn json_body(status: StatusCode, message: &str) -> Vec<u8> {
    let body = ErrorBody {
        error: ErrorDetail {
            status: status.as_u16(),
            message,
        },
    };
    serde_json::to_vec(&body).expect("an error body always serializes")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            json_body(self.status, &self.message),
        )
            .into_response()
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
