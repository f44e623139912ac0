//! Uploads: `POST`/`PUT /object/{bucket}/{path}` and signed uploads (`POST /object/upload/sign/…`
//! issues a token, `PUT /object/upload/sign/…?token=` uploads with it). The body is raw bytes
//! (type, `cache-control`, base64 `x-metadata` from headers) or a `multipart/form-data` form, and
//! must fit the bucket's size limit and allowed MIME types (storage `uploader.ts`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http::{HeaderMap, Method, header};
use serde_json::{Value, json};

use super::buckets::Bucket;
use super::error::StorageError;
use super::meta::Content;
use super::{App, auth, buckets, multipart, store};

/// How long a signed upload URL stays valid: two hours, as storage-js documents for
/// `createSignedUploadUrl` (the hosted setting of `UPLOAD_SIGNED_URL_EXPIRATION_TIME`).
const SIGNED_UPLOAD_SECONDS: u64 = 2 * 60 * 60;

/// A form's overhead beyond its file: boundaries, part headers and the small text fields.
const FORM_OVERHEAD: usize = 64 * 1024;

/// An upload by an authenticated caller; only `service_role` may insert (no policies).
pub async fn upload(
    app: &App,
    (bucket, key): (&str, &str),
    headers: &HeaderMap,
    body: Body,
    upsert: bool,
) -> Result<Response, StorageError> {
    let caller = auth::require(headers, &app.jwt_secret)?;
    if !store::valid_key(key) {
        return Err(StorageError::invalid_key(key));
    }
    let found = buckets::find(app, bucket).await?;
    let mut content = receive(&found, headers, body).await?;
    if !caller.is_service() {
        return Err(StorageError::rls_denied());
    }
    content.owner = caller.owner();
    let meta = app.store.write(bucket, key, content, upsert).await?;
    Ok(Json(json!({ "Id": meta.id, "Key": format!("{bucket}/{key}") })).into_response())
}

/// The upload's bytes and description, refused when the bucket does not take them.
async fn receive(bucket: &Bucket, headers: &HeaderMap, body: Body) -> Result<Content, StorageError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let content_type = header(header::CONTENT_TYPE.as_str()).unwrap_or("application/octet-stream").to_owned();
    let limit = usize::try_from(bucket.size_limit()).unwrap_or(usize::MAX);
    if let Some(boundary) = content_type.starts_with("multipart/form-data").then(|| multipart::boundary(&content_type))
    {
        let boundary = boundary.ok_or_else(StorageError::no_content)?;
        let bytes = axum::body::to_bytes(body, limit.saturating_add(FORM_OVERHEAD))
            .await
            .map_err(|_| StorageError::too_large())?;
        return from_form(bucket, &bytes, &boundary, limit);
    }
    bucket.check_mime(&content_type)?;
    // A declared length over the limit is refused before the body is read, as Storage does.
    if header(header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<usize>().ok()).is_some_and(|n| n > limit) {
        return Err(StorageError::too_large());
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| StorageError::too_large())?;
    // `x-metadata` is base64 JSON; anything else is ignored, as `parseUserMetadata` does.
    let user_metadata = header("x-metadata")
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|raw| serde_json::from_slice::<Value>(&raw).ok());
    let cache_control = header(header::CACHE_CONTROL.as_str()).unwrap_or("no-cache").to_owned();
    Ok(Content { bytes, content_type, cache_control, owner: None, user_metadata })
}

/// A form upload: the first file part; `cacheControl` seconds become `max-age=…` (default
/// `no-cache`); the type is the `contentType` field or the file part's own.
fn from_form(bucket: &Bucket, body: &bytes::Bytes, boundary: &str, limit: usize) -> Result<Content, StorageError> {
    let parts = multipart::parse(body, boundary).ok_or_else(StorageError::no_content)?;
    let field = |name: &str| {
        let part = parts.iter().find(|p| !p.is_file && p.name == name)?;
        std::str::from_utf8(&part.body).ok().map(str::to_owned)
    };
    let file = parts.iter().find(|p| p.is_file).ok_or_else(StorageError::no_content)?;
    let content_type = field("contentType")
        .filter(|t| !t.is_empty())
        .or_else(|| file.content_type.clone())
        .unwrap_or_else(|| "application/octet-stream".into());
    bucket.check_mime(&content_type)?;
    if file.body.len() > limit {
        return Err(StorageError::too_large());
    }
    let cache_control =
        field("cacheControl").filter(|c| !c.is_empty()).map_or("no-cache".into(), |c| format!("max-age={c}"));
    let user_metadata = field("metadata").or_else(|| field("userMetadata")).and_then(|m| serde_json::from_str(&m).ok());
    Ok(Content { bytes: file.body.clone(), content_type, cache_control, owner: None, user_metadata })
}

/// `/object/upload/sign/{bucket}/{path}`: `POST` issues an upload token, `PUT ?token=` uses it.
pub async fn signed(
    State(app): State<Arc<App>>,
    Path((bucket, key)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let result = match parts.method {
        Method::POST => sign(&app, &bucket, &key, &parts.headers).await,
        Method::PUT => upload_signed(&app, (&bucket, &key), query.get("token"), &parts.headers, body).await,
        other => Err(StorageError::unimplemented(format!("{other} /object/upload/sign/{{bucket}}/{{path}}"))),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `signUploadObjectUrl`: the caller must be allowed to upload there now (RLS, and an existing
/// key needs `x-upsert: true`); the token carries the owner and the upsert choice.
async fn sign(app: &App, bucket: &str, key: &str, headers: &HeaderMap) -> Result<Response, StorageError> {
    let caller = auth::require(headers, &app.jwt_secret)?;
    if !store::valid_key(key) {
        return Err(StorageError::invalid_key(key));
    }
    buckets::find(app, bucket).await?;
    if !caller.is_service() {
        return Err(StorageError::rls_denied());
    }
    let upsert = headers.get("x-upsert").is_some_and(|v| v == "true");
    if !upsert && app.store.meta(bucket, key).await?.is_some() {
        return Err(StorageError::key_exists());
    }
    let url = format!("{bucket}/{key}");
    let token = auth::sign_upload(&app.jwt_secret, &url, caller.owner(), upsert, SIGNED_UPLOAD_SECONDS);
    Ok(Json(json!({ "url": format!("/object/upload/sign/{url}?token={token}"), "token": token })).into_response())
}

/// The upload itself needs no credentials but the token; its `upsert` claim decides overwrite.
async fn upload_signed(
    app: &App,
    (bucket, key): (&str, &str),
    token: Option<&String>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, StorageError> {
    let token =
        token.ok_or_else(|| StorageError::invalid_request("querystring must have required property 'token'"))?;
    let claims = auth::verify_signed(&app.jwt_secret, token, &format!("{bucket}/{key}"), auth::Scope::Upload)?;
    if !store::valid_key(key) {
        return Err(StorageError::invalid_key(key));
    }
    let found = buckets::find(app, bucket).await?;
    let mut content = receive(&found, headers, body).await?;
    content.owner = claims.get("owner").and_then(Value::as_str).map(str::to_owned);
    let upsert = claims.get("upsert").and_then(Value::as_bool).unwrap_or(false);
    app.store.write(bucket, key, content, upsert).await?;
    Ok(Json(json!({ "Key": format!("{bucket}/{key}") })).into_response())
}
