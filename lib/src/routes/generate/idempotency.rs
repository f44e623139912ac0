//! `Idempotency-Key` for the paid routes: the first request with a key runs; a retry with the same
//! key and body gets the stored answer (no model call, no charge); the key with another body, or
//! while the first is still running, is a 409. A request that fails releases its key for a retry;
//! a claim its request never settled (the database gone mid-request) expires after 600 s.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use ring::digest::{SHA256, digest};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::auth::principal::Principal;
use crate::error::ApiError;
use crate::http::{Body, Cached, Meta, json_response};
use crate::routes::auth_common::{now, timestamp};
use crate::supabase::bytea;

pub enum Claim {
    /// No key was sent.
    None,
    /// The key is ours to run under.
    Fresh(String),
    /// The key's request already finished: this is its answer.
    Replay(http::Response<Body>),
}

#[derive(Deserialize)]
struct Begun {
    state: String,
    status_code: Option<u16>,
    response: Option<Value>,
}

pub async fn claim(
    app: &App,
    who: &Principal,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    body: &Bytes,
) -> Result<Claim, ApiError> {
    let Some(key) = headers.get("idempotency-key") else { return Ok(Claim::None) };
    let key = key
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
    let key = key.ok_or_else(|| ApiError::validation("Idempotency-Key", "must be 1–255 visible ASCII characters"))?;
    let mut request = format!("{method}\n{path}\n").into_bytes();
    request.extend_from_slice(body);
    let args = json!({ "p_user": who.user_id, "p_key": key, "p_request_hash": bytea(digest(&SHA256, &request).as_ref()),
                       "p_now": timestamp(now()) });
    let begun: Begun = app
        .db
        .first(app.db.rpc("idempotency_begin", &args))
        .await?
        .ok_or_else(|| ApiError::internal("idempotency_begin answered nothing"))?;
    match begun.state.as_str() {
        "new" => Ok(Claim::Fresh(key.to_owned())),
        "replay" => {
            let status = begun.status_code.and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
            let request_id = uuid::Uuid::new_v4().to_string();
            let mut response =
                json_response(status, begun.response.unwrap_or(Value::Null), Meta::new(&request_id), Cached::Never);
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(Claim::Replay(response))
        }
        "conflict" => Err(ApiError::Conflict("this Idempotency-Key was already used for a different request".into())),
        _ => Err(ApiError::Conflict("a request with this Idempotency-Key is still running: retry in a moment".into())),
    }
}

/// Stores a fresh claim's answer for its retries, or releases the key when the request failed.
pub async fn settle(
    app: &App,
    who: &Principal,
    claim: &Claim,
    result: Result<Value, ApiError>,
    status: StatusCode,
) -> Result<Value, ApiError> {
    let Claim::Fresh(key) = claim else { return result };
    match &result {
        Ok(data) => {
            let args =
                json!({ "p_user": who.user_id, "p_key": key, "p_status_code": status.as_u16(), "p_response": data });
            // The images are recorded and paid for: a lost answer must not turn into an error
            // (the client would pay again). The claim then expires like a dead request's.
            if let Err(err) = app.db.run(app.db.rpc("idempotency_finish", &args)).await {
                eprintln!(
                    "{}",
                    json!({ "level": "error", "event": "idempotency_finish_failed", "error": err.to_string() })
                );
            }
        }
        Err(_) => {
            let args = json!({ "p_user": who.user_id, "p_key": key });
            if let Err(err) = app.db.run(app.db.rpc("idempotency_release", &args)).await {
                eprintln!(
                    "{}",
                    json!({ "level": "error", "event": "idempotency_release_failed", "error": err.to_string() })
                );
            }
        }
    }
    result
}
