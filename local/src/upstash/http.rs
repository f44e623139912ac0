//! The REST layer of the stand-in, as Upstash documents it and SRH implements it: commands as JSON
//! arrays, `Authorization: Bearer`, `{"result"}` / `{"error"}` bodies and their status codes.
//!
//! Left out on purpose: path-style commands (`/set/k/v`), the `_token` query parameter,
//! `Upstash-Encoding: base64` and `Upstash-Response-Format: resp2`. The last two are refused
//! loudly, so a client that starts sending them fails here rather than in production.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use super::{LOCAL_UPSTASH_TOKEN, Reply, Upstash, refused};

pub fn router(upstash: Upstash) -> Router {
    Router::new()
        .route("/", get(welcome).post(single))
        .route("/pipeline", post(pipeline))
        .route("/multi-exec", post(multi_exec))
        .fallback(not_found)
        .with_state(upstash)
}

type Commands = Vec<Vec<Vec<u8>>>;

async fn welcome(State(upstash): State<Upstash>) -> String {
    format!("Local Upstash REST stand-in over {}\n", upstash.describe())
}

async fn single(State(upstash): State<Upstash>, headers: HeaderMap, body: Bytes) -> Response {
    let mut commands = match admit(&headers, &body, false) {
        Ok(commands) => commands,
        Err((status, message)) => return error(status, &message),
    };
    match upstash.command(commands.remove(0)).await {
        Ok(Reply::Error(message)) => error(StatusCode::BAD_REQUEST, &message),
        Ok(reply) => Json(json!({ "result": reply.to_json() })).into_response(),
        Err(err) => unavailable(&err),
    }
}

/// 200 with one item per command, failed ones included.
async fn pipeline(State(upstash): State<Upstash>, headers: HeaderMap, body: Bytes) -> Response {
    let commands = match admit(&headers, &body, true) {
        Ok(commands) => commands,
        Err((status, message)) => return error(status, &message),
    };
    match upstash.pipeline(commands).await {
        Ok(replies) => Json(Value::Array(replies.iter().map(Reply::to_item).collect())).into_response(),
        Err(err) => unavailable(&err),
    }
}

/// 200 with EXEC's items, or 400 with one error when the transaction was discarded.
async fn multi_exec(State(upstash): State<Upstash>, headers: HeaderMap, body: Bytes) -> Response {
    let commands = match admit(&headers, &body, true) {
        Ok(commands) => commands,
        Err((status, message)) => return error(status, &message),
    };
    match upstash.multi_exec(commands).await {
        Ok(Reply::Array(Some(items))) => Json(Value::Array(items.iter().map(Reply::to_item).collect())).into_response(),
        Ok(Reply::Error(message)) => error(StatusCode::BAD_REQUEST, &message),
        Ok(other) => error(StatusCode::INTERNAL_SERVER_ERROR, &format!("unexpected EXEC reply {other:?}")),
        Err(err) => unavailable(&err),
    }
}

async fn not_found() -> Response {
    let message = "ERR the local stand-in serves POST /, /pipeline and /multi-exec with JSON arrays; \
                   path-style commands are not supported";
    error(StatusCode::NOT_FOUND, message)
}

/// Auth, then the headers, then the body: one command (`[…]`) or a batch (`[[…], …]`).
fn admit(headers: &HeaderMap, body: &[u8], batch: bool) -> Result<Commands, (StatusCode, String)> {
    let bearer =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !bearer.is_some_and(|token| same(token.trim().as_bytes(), LOCAL_UPSTASH_TOKEN.as_bytes())) {
        return Err((StatusCode::UNAUTHORIZED, "WRONGPASS invalid or missing auth token".into()));
    }
    let media_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !media_type.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")) {
        return Err((StatusCode::BAD_REQUEST, "Invalid content type. Expected application/json.".into()));
    }
    if let Some(name) = ["upstash-encoding", "upstash-response-format"].into_iter().find(|n| headers.contains_key(*n)) {
        return Err((StatusCode::BAD_REQUEST, format!("ERR {name} is not supported by the local stand-in")));
    }
    let commands = parse(body, batch).map_err(|reason| (StatusCode::BAD_REQUEST, format!("ERR {reason}")))?;
    match refused(&commands) {
        Some(name) => Err((StatusCode::BAD_REQUEST, format!("ERR command '{name}' is not allowed here"))),
        None => Ok(commands),
    }
}

fn parse(body: &[u8], batch: bool) -> Result<Commands, String> {
    let json: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let commands = if batch {
        let Value::Array(commands) = json else { return Err("expected an array of commands".into()) };
        commands
    } else {
        vec![json]
    };
    if commands.is_empty() {
        return Err("no commands".into());
    }
    commands.iter().map(command).collect()
}

/// `["SET", "k", 1]`: a non-empty array of strings and numbers, each passed to Redis as its text.
fn command(json: &Value) -> Result<Vec<Vec<u8>>, String> {
    let Value::Array(args) = json else { return Err(format!("a command must be an array, got {json}")) };
    if args.is_empty() {
        return Err("empty command".into());
    }
    args.iter()
        .map(|arg| match arg {
            Value::String(text) => Ok(text.clone().into_bytes()),
            Value::Number(n) => Ok(n.to_string().into_bytes()),
            other => Err(format!("arguments must be strings or numbers, got {other}")),
        })
        .collect()
}

/// Compares without stopping at the first difference, so timing tells nothing about the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// As SRH answers when its Redis is gone.
fn unavailable(err: &std::io::Error) -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, &format!("Unable to reach the stand-in's redis-server: {err}"))
}
