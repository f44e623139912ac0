//! Object writes and reads by name: upload (`POST`/`PUT /object/{bucket}/{path}`), download,
//! single and batch delete, list (`POST /object/list/{bucket}`) and copy (`POST /object/copy`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, header};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::StorageError;
use super::store::Content;
use super::{App, auth, buckets, serve, store};

/// `/object/{bucket}/{path}`: POST creates, PUT replaces, GET/HEAD download, DELETE removes.
pub async fn object(
    State(app): State<Arc<App>>,
    Path((bucket, key)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let result = match parts.method {
        Method::POST => upload(&app, &bucket, &key, headers, body, is_upsert(headers)).await,
        // The update route always upserts (`updateObject.ts` passes `isUpsert: true`).
        Method::PUT => upload(&app, &bucket, &key, headers, body, true).await,
        Method::GET | Method::HEAD => match auth::caller(headers, &app.jwt_secret) {
            Ok(caller) => serve::read(&app, caller, &bucket, &key, &query, headers).await,
            Err(err) => Err(err),
        },
        Method::DELETE => delete_one(&app, &bucket, &key, headers).await,
        other => Err(StorageError::unimplemented(format!("{other} /object/{{bucket}}/{{path}}"))),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn is_upsert(headers: &HeaderMap) -> bool {
    headers.get("x-upsert").is_some_and(|v| v == "true")
}

async fn upload(
    app: &App,
    bucket: &str,
    key: &str,
    headers: &HeaderMap,
    body: Body,
    upsert: bool,
) -> Result<Response, StorageError> {
    let caller = auth::require(headers, &app.jwt_secret)?;
    if !store::valid_key(key) {
        return Err(StorageError::invalid_key(key));
    }
    let found = buckets::find(app, bucket).await?;
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let content_type = header(header::CONTENT_TYPE).unwrap_or("application/octet-stream").to_owned();
    if content_type.starts_with("multipart/form-data") {
        return Err(StorageError::unimplemented("multipart/form-data upload"));
    }
    let limit = found.size_limit();
    // A declared length over the limit is refused before the body is read, as Storage does.
    if header(header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok()).is_some_and(|n| n > limit) {
        return Err(StorageError::too_large());
    }
    let bytes = axum::body::to_bytes(body, usize::try_from(limit).unwrap_or(usize::MAX))
        .await
        .map_err(|_| StorageError::too_large())?;
    found.check_mime(&content_type)?;
    if !caller.is_service() {
        return Err(StorageError::rls_denied());
    }
    let cache_control = header(header::CACHE_CONTROL).unwrap_or("no-cache").to_owned();
    let meta = app.store.write(bucket, key, Content { bytes, content_type, cache_control }, upsert).await?;
    Ok(Json(json!({ "Id": meta.id, "Key": format!("{bucket}/{key}") })).into_response())
}

async fn delete_one(app: &App, bucket: &str, key: &str, headers: &HeaderMap) -> Result<Response, StorageError> {
    let caller = auth::require(headers, &app.jwt_secret)?;
    if !caller.is_service() || app.store.delete(bucket, key).await?.is_none() {
        return Err(StorageError::no_such_key());
    }
    Ok(Json(json!({ "message": "Successfully deleted" })).into_response())
}

#[derive(Deserialize)]
struct Prefixes {
    prefixes: Vec<String>,
}

/// `DELETE /object/{bucket}` `{"prefixes": [exact names]}`: the deleted rows, `[]` when none.
pub async fn delete_many(
    State(app): State<Arc<App>>,
    method: Method,
    Path(bucket): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let (caller, request): (_, Prefixes) =
            json_call(&app, &method, (Method::DELETE, "/object/{bucket}"), &headers, &body)?;
        if request.prefixes.is_empty() || request.prefixes.len() > 1000 {
            return Err(StorageError::invalid_request("body/prefixes must have between 1 and 1000 items"));
        }
        let mut deleted = Vec::new();
        // Rows invisible under RLS are not deleted: only service_role sees any.
        for name in request.prefixes.iter().filter(|_| caller.is_service()) {
            if let Ok(Some(meta)) = app.store.delete(&bucket, name).await {
                deleted.push(meta.row(&bucket, name));
            }
        }
        Ok(Json(Value::Array(deleted)).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Copy {
    bucket_id: String,
    source_key: String,
    destination_bucket: Option<String>,
    destination_key: String,
}

/// `POST /object/copy`: the source must be visible, the destination bucket must exist, and an
/// existing destination needs `x-upsert: true`. Answers `{Id, Key, …row}`.
pub async fn copy(State(app): State<Arc<App>>, method: Method, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        if method != Method::POST {
            return Err(StorageError::unimplemented(format!("{method} /object/copy")));
        }
        let caller = auth::require(&headers, &app.jwt_secret)?;
        let request: Copy = parse(&body)?;
        let to_bucket = request.destination_bucket.as_deref().unwrap_or(&request.bucket_id);
        if !store::valid_key(&request.destination_key) {
            return Err(StorageError::invalid_key(&request.destination_key));
        }
        if !caller.is_service() || app.store.meta(&request.bucket_id, &request.source_key).await?.is_none() {
            return Err(StorageError::no_such_key());
        }
        buckets::find(&app, to_bucket).await?;
        let from = (request.bucket_id.as_str(), request.source_key.as_str());
        let to = (to_bucket, request.destination_key.as_str());
        let meta = app.store.copy(from, to, is_upsert(&headers)).await?.ok_or_else(StorageError::no_such_key)?;
        let mut answer = meta.row(to_bucket, &request.destination_key);
        answer["Id"] = json!(meta.id);
        answer["Key"] = json!(format!("{to_bucket}/{}", request.destination_key));
        Ok(Json(answer).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// How every JSON route starts: the one method it serves, an authenticated caller, the body.
pub(super) fn json_call<T: for<'de> Deserialize<'de>>(
    app: &App,
    method: &Method,
    (expected, route): (Method, &str),
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(auth::Caller, T), StorageError> {
    if *method != expected {
        return Err(StorageError::unimplemented(format!("{method} {route}")));
    }
    Ok((auth::require(headers, &app.jwt_secret)?, parse(body)?))
}

pub(super) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(body).map_err(|e| StorageError::invalid_request(format!("body is not valid: {e}")))
}
