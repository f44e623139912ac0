//! Downloads: `GET /object/{bucket}/{path}`, `/object/authenticated/…`, `/object/public/…` (and
//! the signed route in `sign`), all answered like Storage's renderer: stored type, length, ETag,
//! Last-Modified, Cache-Control (signed: Expires), `?download`, If-None-Match → 304, one Range.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::error::StorageError;
use super::store::Meta;
use super::{App, auth, buckets, store};

/// How long a browser or CDN may keep the answer: the object's own Cache-Control, or, for a signed
/// URL, until the token expires.
pub enum Freshness {
    Stored,
    Until(u64),
}

/// `GET /object/public/{bucket}/{path}`: no credentials; only buckets marked public.
pub async fn public(
    State(app): State<Arc<App>>,
    method: Method,
    Path((bucket, key)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        only_reads(&method, "/object/public")?;
        let found = buckets::find(&app, &bucket).await?;
        if !found.is_public() {
            return Err(StorageError::no_such_bucket());
        }
        object(&app, &bucket, &key, &query, &headers, Freshness::Stored).await
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /object/authenticated/{bucket}/{path}`: a valid JWT is required.
pub async fn authenticated(
    State(app): State<Arc<App>>,
    method: Method,
    Path((bucket, key)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        only_reads(&method, "/object/authenticated")?;
        let caller = auth::require(&headers, &app.jwt_secret)?;
        read(&app, Some(caller), &bucket, &key, &query, &headers).await
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// A read by `caller` (`getObject.ts`): without one only public buckets exist; public buckets are
/// read as superuser, private ones under RLS, where only `service_role` sees objects (no
/// policies on `storage.objects`).
pub async fn read(
    app: &App,
    caller: Option<auth::Caller>,
    bucket: &str,
    key: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Response, StorageError> {
    let found = buckets::find(app, bucket).await?;
    match caller {
        _ if found.is_public() => {}
        None => return Err(StorageError::no_such_bucket()),
        Some(caller) if !caller.is_service() => return Err(StorageError::no_such_key()),
        Some(_) => {}
    }
    object(app, bucket, key, query, headers, Freshness::Stored).await
}

/// The stored object as a download response.
pub async fn object(
    app: &App,
    bucket: &str,
    key: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    freshness: Freshness,
) -> Result<Response, StorageError> {
    if !store::valid_key(key) {
        return Err(StorageError::invalid_key(key));
    }
    let (meta, bytes) = app.store.read(bucket, key).await?.ok_or_else(StorageError::no_such_key)?;
    let mut response = if matches_etag(headers, &meta.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ranged(bytes, headers)
    };
    describe(response.headers_mut(), &meta, freshness, query.get("download"));
    Ok(response)
}

fn only_reads(method: &Method, route: &str) -> Result<(), StorageError> {
    match *method {
        Method::GET | Method::HEAD => Ok(()),
        _ => Err(StorageError::unimplemented(format!("{method} {route}"))),
    }
}

fn describe(headers: &mut HeaderMap, meta: &Meta, freshness: Freshness, download: Option<&String>) {
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, meta.content_type.clone());
    set(header::ETAG, meta.etag.clone());
    set(header::LAST_MODIFIED, http_date(u64::try_from(meta.updated_at / 1000).unwrap_or(0)));
    set(header::ACCEPT_RANGES, "bytes".into());
    set(header::HeaderName::from_static("x-robots-tag"), "none".into());
    match freshness {
        Freshness::Stored => set(header::CACHE_CONTROL, meta.cache_control.clone()),
        Freshness::Until(exp) => set(header::EXPIRES, http_date(exp)),
    }
    if let Some(name) = download {
        set(header::CONTENT_DISPOSITION, disposition(name));
    }
}

/// What `encodeURIComponent` escapes: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// `attachment;` alone, or with the name `encodeURIComponent`-ed twice over, as plain and RFC
/// 5987 parameters (storage `renderer.ts handleDownload`).
fn disposition(name: &str) -> String {
    if name.is_empty() {
        return "attachment;".into();
    }
    let encoded = utf8_percent_encode(name, URI_COMPONENT).to_string();
    format!("attachment; filename={encoded}; filename*=UTF-8''{encoded}")
}

fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    let Some(wanted) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else { return false };
    wanted.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// The whole body, or the one `Range: bytes=…` asked for (several ranges are served whole, as
/// RFC 9110 allows); a range past the end is 416.
fn ranged(bytes: Bytes, headers: &HeaderMap) -> Response {
    let len = bytes.len() as u64;
    let spec = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("bytes="));
    let Some(spec) = spec.filter(|s| !s.contains(',')) else { return Body::from(bytes).into_response() };
    let Some((start, end)) = spec.split_once('-') else { return Body::from(bytes).into_response() };
    let (start, end) = match (start.trim().parse::<u64>().ok(), end.trim().parse::<u64>().ok()) {
        (Some(start), end) => (start, end.unwrap_or(u64::MAX).min(len.saturating_sub(1))),
        (None, Some(suffix)) => (len.saturating_sub(suffix), len.saturating_sub(1)),
        (None, None) => return Body::from(bytes).into_response(),
    };
    if start >= len || start > end {
        let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
        if let Ok(value) = HeaderValue::try_from(format!("bytes */{len}")) {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
        return response;
    }
    let slice = bytes.slice(start as usize..=end as usize);
    let mut response = (StatusCode::PARTIAL_CONTENT, Body::from(slice)).into_response();
    if let Ok(value) = HeaderValue::try_from(format!("bytes {start}-{end}/{len}")) {
        response.headers_mut().insert(header::CONTENT_RANGE, value);
    }
    response
}

fn http_date(unix_seconds: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(unix_seconds))
}
