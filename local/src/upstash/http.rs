//! The REST layer of the stand-in, as Upstash documents it (restapi.mdx): methods, auth, the
//! `Upstash-Encoding` header, `{"result"}` / `{"error"}` bodies and their status codes.
//!
//! `Upstash-Response-Format: resp2` is refused loudly (400), so a client that starts sending it
//! fails here rather than in production; `json`, its default, is accepted.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::any;
use http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{Value, json};

use super::request::{self, Commands};
use super::resp::Encoding;
use super::{LOCAL_UPSTASH_TOKEN, Reply, Upstash, refused};

/// Upstash's largest request (billing.mdx: "Max Request Size 10 MB"); beyond it the answer is
/// `ERR max request size exceeded` (troubleshooting/max_request_size_exceeded.mdx).
const MAX_REQUEST: usize = 10 * 1024 * 1024;

pub fn router(upstash: Upstash) -> Router {
    Router::new()
        .route("/", any(handle))
        .route("/{*path}", any(handle))
        .layer(DefaultBodyLimit::max(MAX_REQUEST))
        .with_state(upstash)
}

async fn handle(
    State(upstash): State<Upstash>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if ![Method::HEAD, Method::GET, Method::POST, Method::PUT].contains(&method) {
        return error(StatusCode::METHOD_NOT_ALLOWED, &format!("ERR method {method} is not allowed"));
    }
    if method == Method::GET && uri.path().trim_matches('/').is_empty() && uri.query().is_none() {
        return format!("Local Upstash REST stand-in over {}\n", upstash.describe()).into_response();
    }
    let (commands, encoding) = match admit(&method, &uri, &headers, body) {
        Ok(admitted) => admitted,
        Err((status, message)) => return error(status, &message),
    };
    let rendered = match commands {
        Commands::Single(args) => upstash.command(args).await.map(|reply| single(&reply, encoding)),
        Commands::Pipeline(batch) => upstash.pipeline(batch).await.map(|replies| items(&replies, encoding)),
        Commands::MultiExec(batch) => upstash.multi_exec(batch).await.map(|reply| transaction(&reply, encoding)),
    };
    rendered.unwrap_or_else(|err| unavailable(&err))
}

/// Auth, then the headers, then the body: the commands, or the status and message to refuse with.
fn admit(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Commands, Encoding), (StatusCode, String)> {
    let bad = |message: String| (StatusCode::BAD_REQUEST, message);
    if !request::token(headers, uri).is_some_and(|token| same(token.as_bytes(), LOCAL_UPSTASH_TOKEN.as_bytes())) {
        return Err((StatusCode::UNAUTHORIZED, "WRONGPASS invalid or missing auth token".into()));
    }
    let encoding = encoding(headers).map_err(bad)?;
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => bad("ERR max request size exceeded".into()),
        _ => bad(format!("ERR the body could not be read: {rejection}")),
    })?;
    let commands = request::commands(method, uri, &body).map_err(|reason| bad(format!("ERR {reason}")))?;
    match refused(commands.all()) {
        Some(name) => Err(bad(format!("ERR command '{name}' is not allowed here"))),
        None => Ok((commands, encoding)),
    }
}

/// `Upstash-Encoding: base64` (what `@upstash/redis` sends by default), and the response formats:
/// `json` is the default; `resp2` is Upstash's but not implemented here; anything else is a 400
/// at Upstash too.
fn encoding(headers: &HeaderMap) -> Result<Encoding, String> {
    let value = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or_default().trim().to_ascii_lowercase());
    match value("upstash-response-format").as_deref() {
        None | Some("json") => {}
        Some("resp2") => return Err("ERR Upstash-Response-Format: resp2 is not supported by the local stand-in".into()),
        Some(other) => return Err(format!("ERR Upstash-Response-Format must be json or resp2, not '{other}'")),
    }
    match value("upstash-encoding").as_deref() {
        None => Ok(Encoding::Plain),
        Some("base64") => Ok(Encoding::Base64),
        Some(other) => Err(format!("ERR Upstash-Encoding must be base64, not '{other}'")),
    }
}

/// 200 `{"result"}`, or 400 `{"error"}` when the command failed.
fn single(reply: &Reply, encoding: Encoding) -> Response {
    match reply {
        Reply::Error(message) => error(StatusCode::BAD_REQUEST, message),
        reply => Json(json!({ "result": reply.to_json(encoding) })).into_response(),
    }
}

/// 200 with one item per command, failed ones included.
fn items(replies: &[Reply], encoding: Encoding) -> Response {
    Json(Value::Array(replies.iter().map(|reply| reply.to_item(encoding)).collect())).into_response()
}

/// 200 with EXEC's items, or 400 with one error when the transaction was discarded.
fn transaction(reply: &Reply, encoding: Encoding) -> Response {
    match reply {
        Reply::Array(Some(replies)) => items(replies, encoding),
        Reply::Error(message) => error(StatusCode::BAD_REQUEST, message),
        other => error(StatusCode::INTERNAL_SERVER_ERROR, &format!("unexpected EXEC reply {other:?}")),
    }
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
