//! `StorageError`: what a failed Storage call means, read in one place from the body's
//! `statusCode`/`code` (Storage answers HTTP 400 for most errors), and the product decision
//! that turns it into an `ApiError`.

use serde::Deserialize;

use crate::error::ApiError;

/// The `file_size_limit` of both buckets in migration `20261126000700_storage_buckets.sql`: what a
/// user is told when an image is larger than Storage accepts.
pub const BUCKET_FILE_SIZE_LIMIT: usize = 10 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// `NoSuchKey` / `NoSuchBucket`.
    #[error("storage object or bucket not found: {0}")]
    NotFound(String),
    /// `KeyAlreadyExists` (upload or copy without upsert) / `BucketAlreadyExists`.
    #[error("storage object already exists")]
    AlreadyExists,
    /// `EntityTooLarge`: over the bucket's or the project's size limit.
    #[error("object is larger than storage accepts")]
    TooLarge,
    /// `InvalidMimeType`: the bucket does not take this content type.
    #[error("storage refused the content type: {0}")]
    InvalidMime(String),
    /// The key was refused (bad API key, bad JWT, row-level security).
    #[error("storage refused our credentials: {0}")]
    Unauthorized(String),
    /// Storage says the request itself is malformed (bad key, bad body, unknown route).
    #[error("storage rejected the request: {code}: {message}")]
    InvalidRequest { code: String, message: String },
    #[error("storage request timed out")]
    Timeout,
    #[error("storage unreachable")]
    Unreachable(#[source] reqwest::Error),
    /// Storage or its gateway failed (5xx, 429, or a body that is not Storage's).
    #[error("storage failed with {status}: {message}")]
    Upstream { status: u16, message: String },
    #[error("unexpected storage response: {0}")]
    Decode(String),
}

/// Storage's error body: `statusCode` is a string in the current server, a number in older ones.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    status_code: Option<serde_json::Value>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl StorageError {
    pub(super) fn transport(err: reqwest::Error) -> Self {
        if err.is_timeout() { Self::Timeout } else { Self::Unreachable(err) }
    }

    /// The error a non-2xx answer with body `text` stands for.
    pub(super) fn from_response(status: u16, text: &str) -> Self {
        let Ok(body) = serde_json::from_str::<ErrorBody>(text) else {
            // Not JSON: an HTML page from a proxy or the gateway.
            let message: String = text.chars().take(200).collect();
            return match status {
                401 | 403 => Self::Unauthorized(message),
                413 => Self::TooLarge,
                _ => Self::Upstream { status, message },
            };
        };
        let code = body.code.or(body.error).unwrap_or_default();
        let message = body.message.unwrap_or_default();
        let body_status = body.status_code.as_ref().and_then(status_number).unwrap_or(status);
        match (code.as_str(), body_status) {
            ("NoSuchKey" | "NoSuchBucket" | "not_found", _) | (_, 404) => Self::NotFound(message),
            ("KeyAlreadyExists" | "BucketAlreadyExists" | "Duplicate", _) | (_, 409) => Self::AlreadyExists,
            ("EntityTooLarge" | "Payload too large", _) | (_, 413) => Self::TooLarge,
            ("InvalidMimeType" | "invalid_mime_type", _) | (_, 415) => Self::InvalidMime(message),
            ("AccessDenied" | "Unauthorized" | "InvalidJWT", _) | (_, 401 | 403) => Self::Unauthorized(message),
            (_, 429 | 500..) => Self::Upstream { status: body_status, message },
            _ => Self::InvalidRequest { code, message },
        }
    }
}

fn status_number(value: &serde_json::Value) -> Option<u16> {
    match value {
        serde_json::Value::String(s) => s.parse().ok(),
        other => other.as_u64().and_then(|n| u16::try_from(n).ok()),
    }
}

/// The product decision for Storage failures: a missing object is "not found", a duplicate is a
/// conflict, a refused image is the user's to fix (413/415); slow is 504; down or failing is 503;
/// anything else (our key refused, a request we built wrong, an unreadable answer) is our bug: 500.
impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound(_) => ApiError::NotFound("the stored image was not found".into()),
            StorageError::AlreadyExists => ApiError::Conflict("the stored image already exists".into()),
            StorageError::TooLarge => ApiError::PayloadTooLarge { limit: BUCKET_FILE_SIZE_LIMIT },
            StorageError::InvalidMime(_) => ApiError::UnsupportedMediaType("images must be PNG, WebP or JPEG".into()),
            StorageError::Timeout => ApiError::UpstreamTimeout { service: "storage" },
            StorageError::Unreachable(_) | StorageError::Upstream { .. } => {
                ApiError::UpstreamUnavailable { service: "storage", retry_after_secs: Some(5) }
            }
            other @ (StorageError::Unauthorized(_) | StorageError::InvalidRequest { .. } | StorageError::Decode(_)) => {
                ApiError::internal(other)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_legacy_body_behind_http_400() {
        let cases = [
            (r#"{"statusCode":"404","code":"NoSuchKey","error":"not_found","message":"Object not found"}"#, "NotFound"),
            (
                r#"{"statusCode":"409","code":"KeyAlreadyExists","error":"Duplicate","message":"exists"}"#,
                "AlreadyExists",
            ),
            (r#"{"statusCode":"413","code":"EntityTooLarge","error":"Payload too large","message":"big"}"#, "TooLarge"),
            (
                r#"{"statusCode":"415","code":"InvalidMimeType","error":"invalid_mime_type","message":"gif"}"#,
                "InvalidMime",
            ),
            (r#"{"statusCode":"403","code":"AccessDenied","error":"Unauthorized","message":"jwt"}"#, "Unauthorized"),
            (
                r#"{"statusCode":"400","code":"InvalidKey","error":"InvalidKey","message":"Invalid key: a"}"#,
                "InvalidRequest",
            ),
            (r#"{"statusCode":413,"error":"Payload too large","message":"older servers send numbers"}"#, "TooLarge"),
        ];
        for (body, expected) in cases {
            let err = StorageError::from_response(400, body);
            assert!(format!("{err:?}").starts_with(expected), "{body} → {err:?}");
        }
    }

    #[test]
    fn non_json_bodies_are_judged_by_their_transport_status() {
        assert!(matches!(
            StorageError::from_response(502, "<html>Bad Gateway</html>"),
            StorageError::Upstream { status: 502, .. }
        ));
        assert!(matches!(StorageError::from_response(413, "<html>too big</html>"), StorageError::TooLarge));
        let gateway = StorageError::from_response(401, r#"{"message":"Invalid API key"}"#);
        assert!(matches!(gateway, StorageError::Unauthorized(m) if m == "Invalid API key"));
    }
}
