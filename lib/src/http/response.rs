//! The response envelope of the design document, and the one function that renders an `ApiError`.
//!
//! `{ "success": true, "data": …, "meta": { "requestId", "timestamp", "pagination"? } }`
//! `{ "success": false, "error": { "code", "message", "details"? }, "meta": { … } }`

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{ApiError, BoxError};

/// Every response body: a boxed body so that streamed downloads and JSON share one type.
pub type Body = BoxBody<Bytes, BoxError>;

/// The `meta` object: ties a response to its log lines.
pub struct Meta<'a> {
    pub request_id: &'a str,
    pub pagination: Option<Value>,
}

impl<'a> Meta<'a> {
    pub fn new(request_id: &'a str) -> Self {
        Self { request_id, pagination: None }
    }

    fn to_json(&self) -> Value {
        let timestamp = OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default();
        let mut meta = json!({ "requestId": self.request_id, "timestamp": timestamp });
        if let Some(pagination) = &self.pagination {
            meta["pagination"] = pagination.clone();
        }
        meta
    }
}

/// How a successful response may be cached.
#[derive(Clone, Copy, Debug)]
pub enum Cached {
    /// Per-user or changing data: never stored by a browser or CDN.
    Never,
    /// Public data: the CDN keeps it `s_maxage` seconds and serves it stale while revalidating.
    Public { max_age: u32, s_maxage: u32, stale_while_revalidate: u32 },
}

impl Cached {
    fn header(self) -> HeaderValue {
        match self {
            Self::Never => HeaderValue::from_static("private, no-store"),
            Self::Public { max_age, s_maxage, stale_while_revalidate } => HeaderValue::from_str(&format!(
                "public, max-age={max_age}, s-maxage={s_maxage}, stale-while-revalidate={stale_while_revalidate}"
            ))
            .unwrap_or_else(|_| HeaderValue::from_static("no-store")),
        }
    }
}

/// A success envelope around `data`.
pub fn json_response(status: StatusCode, data: impl Serialize, meta: Meta<'_>, cached: Cached) -> Response<Body> {
    match serde_json::to_value(data) {
        Ok(data) => {
            let body = json!({ "success": true, "data": data, "meta": meta.to_json() });
            envelope(status, &body, cached)
        }
        Err(err) => error_response(&ApiError::internal(err), meta.request_id),
    }
}

/// The error envelope. Internal causes go to the log with the request id, never to the client.
pub fn error_response(err: &ApiError, request_id: &str) -> Response<Body> {
    if err.status().is_server_error() {
        log_error(err, request_id);
    }
    let body = json!({ "success": false, "error": err.body(), "meta": Meta::new(request_id).to_json() });
    let mut response = envelope(err.status(), &body, Cached::Never);
    let headers = response.headers_mut();
    if let Some(secs) = err.retry_after_secs() {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let ApiError::MethodNotAllowed { allow } = err {
        let allow: Vec<&str> = allow.iter().map(http::Method::as_str).collect();
        if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
            headers.insert(header::ALLOW, value);
        }
    }
    response
}

fn envelope(status: StatusCode, body: &Value, cached: Cached) -> Response<Body> {
    let bytes = Bytes::from(body.to_string());
    let mut response = Response::new(Full::new(bytes).map_err(|never| match never {}).boxed());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, cached.header());
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// One structured line per server-side failure, with the whole cause chain (also for routes that
/// answer with something other than the envelope, such as an HTML page).
pub fn log_error(err: &ApiError, request_id: &str) {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let line = json!({ "level": "error", "requestId": request_id, "code": err.code(),
                       "error": err.to_string(), "causes": causes });
    eprintln!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn json_of(response: Response<Body>) -> Value {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn success_envelope_carries_data_and_meta() {
        let response = json_response(StatusCode::OK, json!([1, 2]), Meta::new("req-1"), Cached::Never);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "private, no-store");
        let body = json_of(response).await;
        assert_eq!(body["success"], true);
        assert_eq!(body["data"], json!([1, 2]));
        assert_eq!(body["meta"]["requestId"], "req-1");
        assert!(body["meta"]["timestamp"].as_str().unwrap().ends_with('Z'));
    }

    #[tokio::test]
    async fn error_envelope_sets_status_and_retry_after() {
        let response = error_response(&ApiError::RateLimited { retry_after_secs: 30 }, "req-2");
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "30");
        let body = json_of(response).await;
        assert_eq!(body["success"], false);
        assert_eq!(body["error"]["code"], "RATE_LIMITED");
        assert_eq!(body["meta"]["requestId"], "req-2");
    }

    #[test]
    fn public_data_is_cacheable_by_the_cdn() {
        let cached = Cached::Public { max_age: 60, s_maxage: 300, stale_while_revalidate: 600 };
        let response = json_response(StatusCode::OK, json!({}), Meta::new("r"), cached);
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "public, max-age=60, s-maxage=300, stale-while-revalidate=600"
        );
    }
}
