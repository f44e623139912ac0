//! A Resend-compatible server (`/resend` on the stack, so `RESEND_BASE_URL={stack}/resend`):
//! `POST /emails` and `GET /emails/{id}` behind Resend's edge (no `User-Agent`, no entry), with
//! Resend's auth, validation, idempotency keys and error bodies, delivering into an in-memory
//! [`Outbox`] that tests read and `/__outbox` shows.
//!
//! Not modelled: batch sending (`POST /emails/batch` is refused), attachments, custom headers,
//! scheduling, templates, delivery events (every message is `delivered`), rate-limit enforcement
//! (the headers are reported; a 429 is a queued fault), `concurrent_idempotent_requests`
//! (requests are served one at a time; also a fault).

mod edge;
mod outbox;
mod page;
mod validate;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Value, json};

pub use edge::REFUSAL_BODY as EDGE_REFUSAL_BODY;
pub use outbox::{Attempt, Message, Outbox, RATE_LIMIT, Tag};
pub use page::router as outbox_router;

/// The local stack's Resend API key. Not a secret: it opens a stand-in on loopback.
pub const LOCAL_API_KEY: &str = "re_local_studio_loopback_key";
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 256;

/// Resend's error answer: `{"statusCode", "message", "name"}` with that status.
#[derive(Debug)]
pub(crate) struct Refusal {
    status: u16,
    name: &'static str,
    message: String,
}

impl Refusal {
    pub(crate) fn new(status: u16, name: &'static str, message: impl Into<String>) -> Self {
        Self { status, name, message: message.into() }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({ "statusCode": self.status, "message": self.message, "name": self.name });
        (status, Json(body)).into_response()
    }
}

/// The stand-in's routes, delivering into `outbox`.
pub fn router(outbox: Outbox) -> Router {
    Router::new()
        .route("/emails", post(send))
        .route("/emails/{id}", get(retrieve))
        .route("/emails/batch", post(batch))
        .fallback(|| async { Refusal::new(404, "not_found", "The requested endpoint does not exist.") })
        .method_not_allowed_fallback(|| async {
            Refusal::new(405, "method_not_allowed", "Method is not allowed for the requested path.")
        })
        .layer(middleware::from_fn_with_state(outbox.clone(), rate_limit_headers))
        // Outermost: the edge answers before the API counts or checks anything.
        .layer(middleware::from_fn(edge::require_user_agent))
        .with_state(outbox)
}

/// `POST /emails`: auth, the idempotency key, the body; then the message lands in the outbox once.
async fn send(State(outbox): State<Outbox>, headers: HeaderMap, body: Bytes) -> Result<Json<Value>, Refusal> {
    authorize(&headers)?;
    let key = idempotency_key(&headers)?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|_| Refusal::new(400, "validation_error", "The request body is not valid JSON."))?;
    let content = validate::email(&body)?;
    let id = outbox.accept(key.as_deref(), &body, content).map_err(|_| {
        Refusal::new(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload.")
    })?;
    Ok(Json(json!({ "id": id })))
}

/// `POST /emails/batch`: not modelled, so refused by name rather than taken for `/emails/{id}`.
async fn batch(headers: HeaderMap) -> Refusal {
    match authorize(&headers) {
        Err(refusal) => refusal,
        Ok(()) => Refusal::new(404, "not_found", "`POST /emails/batch` is not implemented by the local stand-in."),
    }
}

/// `GET /emails/{id}`: the message as Resend's "retrieve email" returns it.
async fn retrieve(
    State(outbox): State<Outbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    authorize(&headers)?;
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(Refusal::new(422, "invalid_parameter", "The `id` must be a valid UUID."));
    }
    let message = outbox.get(&id).ok_or_else(|| Refusal::new(404, "not_found", "Email not found."))?;
    let or_null = |list: &[String]| if list.is_empty() { Value::Null } else { json!(list) };
    Ok(Json(json!({
        "object": "email",
        "id": message.id,
        "to": message.to,
        "from": message.from,
        "created_at": message.created_at,
        "subject": message.subject,
        "html": message.html,
        "text": message.text,
        "cc": or_null(&message.cc),
        "bcc": or_null(&message.bcc),
        "reply_to": or_null(&message.reply_to),
        "last_event": "delivered",
        "scheduled_at": null,
        "tags": message.tags,
    })))
}

/// Missing credentials are 401 `missing_api_key`; any other key is 403 `invalid_api_key`. (A plain
/// comparison: the local key is public, there is nothing to leak through timing.)
fn authorize(headers: &HeaderMap) -> Result<(), Refusal> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Err(Refusal::new(401, "missing_api_key", "Missing API key in the authorization header."));
    };
    match value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) {
        Some(key) if key.trim() == LOCAL_API_KEY => Ok(()),
        _ => Err(Refusal::new(403, "invalid_api_key", "API key is invalid.")),
    }
}

/// `Idempotency-Key`, if sent: 1–256 characters, else 400 `invalid_idempotency_key`.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Refusal> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    match value.to_str() {
        Ok(key) if (1..=MAX_IDEMPOTENCY_KEY_CHARS).contains(&key.chars().count()) => Ok(Some(key.to_owned())),
        _ => Err(Refusal::new(400, "invalid_idempotency_key", "The key must be between 1-256 chars.")),
    }
}

/// `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` on every answer, as Resend sends.
async fn rate_limit_headers(State(outbox): State<Outbox>, req: Request, next: Next) -> Response {
    let window = outbox.count_request();
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(RATE_LIMIT));
    headers.insert("ratelimit-remaining", HeaderValue::from(window.remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(window.reset_secs));
    response
}
