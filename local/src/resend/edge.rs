//! Resend's edge, in front of the API: a request without a `User-Agent` never reaches Resend and
//! is answered 403 with the plain-text body `error code: 1010` (Resend's API reference, section
//! "User-Agent", and its knowledge-base article on error 1010): no JSON, no rate-limit headers.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

/// The edge's answer, byte for byte.
pub const REFUSAL_BODY: &str = "error code: 1010";

/// Lets a request through only with a non-blank `User-Agent`.
pub(crate) async fn require_user_agent(req: Request, next: Next) -> Response {
    let named = req.headers().get(header::USER_AGENT).is_some_and(|v| !v.as_bytes().trim_ascii().is_empty());
    if !named {
        let headers = [(header::CONTENT_TYPE, "text/plain; charset=UTF-8")];
        return (StatusCode::FORBIDDEN, headers, REFUSAL_BODY).into_response();
    }
    next.run(req).await
}
