//! Signed URLs: `POST /object/sign/{bucket}` (batch), `POST /object/sign/{bucket}/{path}`, and
//! `GET /object/sign/{bucket}/{path}?token=…`, which serves the object when the token's `url` is
//! exactly this object, its scope is `download` and it has not expired.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::StorageError;
use super::objects::{json_call, parse};
use super::serve::{self, Freshness};
use super::{App, auth, buckets};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Batch {
    expires_in: i64,
    paths: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct One {
    expires_in: i64,
    transform: Option<Value>,
}

/// `POST /object/sign/{bucket}` `{"expiresIn", "paths"}`: one entry per path, in order, with an
/// error for each path that is missing or invisible to the caller.
pub async fn batch(
    State(app): State<Arc<App>>,
    method: Method,
    Path(bucket): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let (caller, request): (_, Batch) =
            json_call(&app, &method, (Method::POST, "/object/sign/{bucket}"), &headers, &body)?;
        let expires_in = positive(request.expires_in)?;
        if request.paths.is_empty() || request.paths.len() > 1000 {
            return Err(StorageError::invalid_request("body/paths must have between 1 and 1000 items"));
        }
        let mut signed = Vec::with_capacity(request.paths.len());
        for path in request.paths {
            let visible = caller.is_service() && app.store.meta(&bucket, &path).await.ok().flatten().is_some();
            signed.push(if visible {
                json!({ "error": null, "path": path, "signedURL": signed_url(&app, &bucket, &path, expires_in) })
            } else {
                let error = "Either the object does not exist or you do not have access to it";
                json!({ "error": error, "path": path, "signedURL": null })
            });
        }
        Ok(Json(Value::Array(signed)).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST` signs one object; `GET` (no credentials, `?token=`) serves it.
pub async fn object(
    State(app): State<Arc<App>>,
    method: Method,
    Path((bucket, key)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = match method {
        Method::POST => sign_one(&app, &bucket, &key, &headers, &body).await,
        Method::GET | Method::HEAD => fetch(&app, &bucket, &key, &query, &headers).await,
        other => Err(StorageError::unimplemented(format!("{other} /object/sign/{{bucket}}/{{path}}"))),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn sign_one(
    app: &App,
    bucket: &str,
    key: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, StorageError> {
    let caller = auth::require(headers, &app.jwt_secret)?;
    let request: One = parse(body)?;
    let expires_in = positive(request.expires_in)?;
    if request.transform.is_some() {
        return Err(StorageError::unimplemented("signing with image transformations"));
    }
    buckets::find(app, bucket).await?;
    let exists = app.store.meta(bucket, key).await?.is_some();
    if !exists || !caller.is_service() {
        return Err(StorageError::no_such_key());
    }
    Ok(Json(json!({ "signedURL": signed_url(app, bucket, key, expires_in) })).into_response())
}

async fn fetch(
    app: &App,
    bucket: &str,
    key: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, StorageError> {
    let token = query
        .get("token")
        .ok_or_else(|| StorageError::invalid_request("querystring must have required property 'token'"))?;
    let url = format!("{bucket}/{key}");
    let claims = auth::verify_signed(&app.jwt_secret, token, &url, auth::Scope::Download)?;
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
    serve::object(app, bucket, key, query, headers, Freshness::Until(exp)).await
}

/// Storage's relative form: the raw (unencoded) path, the token as the query.
fn signed_url(app: &App, bucket: &str, key: &str, expires_in: u64) -> String {
    let url = format!("{bucket}/{key}");
    format!("/object/sign/{url}?token={}", auth::sign(&app.jwt_secret, &url, expires_in))
}

fn positive(expires_in: i64) -> Result<u64, StorageError> {
    u64::try_from(expires_in)
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| StorageError::invalid_request("body/expiresIn must be >= 1"))
}
