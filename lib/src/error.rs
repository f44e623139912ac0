//! `ApiError`: every failure a route answers with, and the one place that maps it to an HTTP status,
//! a stable code the PWA branches on, and the envelope's `error` object.

use http::StatusCode;
use serde_json::{Value, json};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 VALIDATION_ERROR: a request field is missing or malformed; `field` names it.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// 401 UNAUTHORIZED: no valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403 FORBIDDEN: valid credentials without the right to do this.
    #[error("{0}")]
    Forbidden(String),
    /// 403 EMAIL_NOT_VERIFIED: the account has not confirmed its e-mail address yet; it may only
    /// sign in and out, see and change its profile and settings, verify, resend the mail and
    /// delete itself until it does.
    #[error(
        "confirm your e-mail address first: open the link in the e-mail we sent you, or ask for a new one \
         (POST /api/auth/resend-verification)"
    )]
    EmailNotVerified,
    /// 404 NOT_FOUND: no such route or resource (another user's resource is also "not found").
    #[error("{0}")]
    NotFound(String),
    /// 405 METHOD_NOT_ALLOWED: the path exists but not with this method; `allow` lists the methods.
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<http::Method> },
    /// 409 CONFLICT: the request collides with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 410 GONE: the resource existed and has ended for good (an expired share link).
    #[error("{0}")]
    Gone(String),
    /// 413 PAYLOAD_TOO_LARGE: the body is over `limit` bytes.
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 415 UNSUPPORTED_MEDIA_TYPE: the body is not in a format the route reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422 CONTENT_REJECTED: the prompt or result was refused by moderation.
    #[error("{0}")]
    ContentRejected(String),
    /// 422 GENERATION_EMPTY: the image model answered without drawing anything (finish reason
    /// `reason`, e.g. NO_IMAGE); `model_text` is what it said instead. Nothing is charged.
    #[error("The model finished without drawing an image ({reason}). Try rephrasing or simplifying the prompt.")]
    GenerationEmpty { reason: String, model_text: Option<String> },
    /// 429 RATE_LIMITED: too many requests; retry after `retry_after_secs`.
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// 429 RATE_LIMITED: the short-window limit `name` (in `details.limitName`) is used up;
    /// `message` says which and how long to wait; retry after `retry_after_secs`.
    #[error("{message}")]
    Throttled { name: &'static str, message: String, retry_after_secs: u64 },
    /// 429 DAILY_LIMIT_REACHED: the daily budget `name` (in `details.limitName`) is used up until
    /// 00:00 UTC; `message` says which.
    #[error("{message}")]
    DailyLimitReached { name: &'static str, message: String, retry_after_secs: u64 },
    /// 429 QUOTA_EXCEEDED: the generation quota is used up until `resets_at`.
    #[error("{message}")]
    QuotaExceeded { message: String, retry_after_secs: u64 },
    /// 503 BUDGET_EXHAUSTED: the operator's daily generation budget (`DAILY_GENERATION_BUDGET`) is
    /// used up for every user on the studio's model key until 00:00 UTC.
    #[error("{message}")]
    BudgetExhausted { message: String, retry_after_secs: u64 },
    /// 503 BUSY: the studio-wide generation cap of the minute (`GLOBAL_GENERATIONS_PER_MINUTE`) is
    /// reached; retry when the minute ends.
    #[error("{message}")]
    Busy { message: String, retry_after_secs: u64 },
    /// 409 STORAGE_FULL: the account's images take its storage limit (`USER_STORAGE_LIMIT_BYTES`)
    /// or more; `message` says to delete or unpublish images; `details` carries both figures.
    #[error("{message}")]
    StorageFull { message: String, used_bytes: u64, limit_bytes: u64 },
    /// 503 STORAGE_EXHAUSTED: the studio's images take 95 % of the plan's storage
    /// (`STORAGE_LIMIT_BYTES`): nothing more is stored for anyone until the operator makes room.
    #[error("{0}")]
    StorageExhausted(String),
    /// 503 UPSTREAM_UNAVAILABLE: a service we depend on failed or refused; maybe retry later.
    #[error("{service} is unavailable")]
    UpstreamUnavailable { service: &'static str, retry_after_secs: Option<u64> },
    /// 504 UPSTREAM_TIMEOUT: a service we depend on did not answer in time.
    #[error("{service} did not answer in time")]
    UpstreamTimeout { service: &'static str },
    /// 500 INTERNAL: a fault on our side; the client sees a fixed message, the log sees the cause.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation { field: field.into(), message: message.into() }
    }

    pub fn internal(cause: impl Into<BoxError>) -> Self {
        Self::Internal(cause.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::EmailNotVerified => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) | Self::StorageFull { .. } => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::ContentRejected(_) | Self::GenerationEmpty { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. }
            | Self::Throttled { .. }
            | Self::DailyLimitReached { .. }
            | Self::QuotaExceeded { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::BudgetExhausted { .. }
            | Self::Busy { .. }
            | Self::StorageExhausted(_)
            | Self::UpstreamUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::UpstreamTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "VALIDATION_ERROR",
            Self::Unauthorized(_) => "UNAUTHORIZED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::EmailNotVerified => "EMAIL_NOT_VERIFIED",
            Self::NotFound(_) => "NOT_FOUND",
            Self::MethodNotAllowed { .. } => "METHOD_NOT_ALLOWED",
            Self::Conflict(_) => "CONFLICT",
            Self::Gone(_) => "GONE",
            Self::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            Self::ContentRejected(_) => "CONTENT_REJECTED",
            Self::GenerationEmpty { .. } => "GENERATION_EMPTY",
            Self::RateLimited { .. } | Self::Throttled { .. } => "RATE_LIMITED",
            Self::DailyLimitReached { .. } => "DAILY_LIMIT_REACHED",
            Self::QuotaExceeded { .. } => "QUOTA_EXCEEDED",
            Self::BudgetExhausted { .. } => "BUDGET_EXHAUSTED",
            Self::Busy { .. } => "BUSY",
            Self::StorageFull { .. } => "STORAGE_FULL",
            Self::StorageExhausted(_) => "STORAGE_EXHAUSTED",
            Self::UpstreamUnavailable { .. } => "UPSTREAM_UNAVAILABLE",
            Self::UpstreamTimeout { .. } => "UPSTREAM_TIMEOUT",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// Seconds for a `Retry-After` header, where the client should wait before trying again.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs }
            | Self::Throttled { retry_after_secs, .. }
            | Self::DailyLimitReached { retry_after_secs, .. }
            | Self::QuotaExceeded { retry_after_secs, .. }
            | Self::BudgetExhausted { retry_after_secs, .. }
            | Self::Busy { retry_after_secs, .. } => Some(*retry_after_secs),
            Self::UpstreamUnavailable { retry_after_secs, .. } => *retry_after_secs,
            _ => None,
        }
    }

    /// The envelope's `error` object. 5xx bodies carry no internal text, only what the user can act on.
    pub fn body(&self) -> Value {
        let mut error = json!({ "code": self.code(), "message": self.to_string() });
        match self {
            Self::Validation { field, .. } => error["details"] = json!({ "field": field }),
            Self::MethodNotAllowed { allow } => {
                let allow: Vec<&str> = allow.iter().map(http::Method::as_str).collect();
                error["details"] = json!({ "allow": allow });
            }
            Self::PayloadTooLarge { limit } => error["details"] = json!({ "limit": limit }),
            Self::StorageFull { used_bytes, limit_bytes, .. } => {
                error["details"] = json!({ "usedBytes": used_bytes, "limitBytes": limit_bytes });
            }
            Self::GenerationEmpty { reason, model_text } => {
                error["details"] = json!({ "reason": reason, "model_text": model_text });
            }
            _ => {}
        }
        if let Some(secs) = self.retry_after_secs() {
            error["details"] = json!({ "retryAfter": secs });
        }
        if let Self::Throttled { name, .. } | Self::DailyLimitReached { name, .. } = self {
            error["details"]["limitName"] = json!(name);
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let err = ApiError::validation("category", "must be a category slug");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert_eq!(err.body()["code"], "VALIDATION_ERROR");
        assert_eq!(err.body()["details"]["field"], "category");
        assert_eq!(err.body()["message"], "category: must be a category slug");
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let err = ApiError::internal("connection to 10.0.0.3 refused: password=secret");
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(err.body(), json!({ "code": "INTERNAL", "message": "internal error" }));
    }

    #[test]
    fn an_unverified_address_is_a_403_that_says_what_to_do() {
        let err = ApiError::EmailNotVerified;
        assert_eq!(err.status(), StatusCode::FORBIDDEN);
        assert_eq!(err.body()["code"], "EMAIL_NOT_VERIFIED");
        let message = err.body()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains("resend-verification") && message.contains("link"), "{message}");
    }

    #[test]
    fn storage_refusals_say_whose_storage_is_full() {
        let full = ApiError::StorageFull { message: "delete images".into(), used_bytes: 7, limit_bytes: 5 };
        assert_eq!((full.status(), full.code()), (StatusCode::CONFLICT, "STORAGE_FULL"));
        assert_eq!(full.body()["details"], json!({ "usedBytes": 7, "limitBytes": 5 }));
        assert_eq!(full.retry_after_secs(), None, "waiting frees nothing");
        let studio = ApiError::StorageExhausted("the studio's storage is full".into());
        assert_eq!((studio.status(), studio.code()), (StatusCode::SERVICE_UNAVAILABLE, "STORAGE_EXHAUSTED"));
        assert_eq!(studio.body()["message"], "the studio's storage is full");
    }

    #[test]
    fn waits_are_reported_for_retryable_errors() {
        let limited = ApiError::RateLimited { retry_after_secs: 7 };
        assert_eq!(limited.retry_after_secs(), Some(7));
        assert_eq!(limited.body()["details"]["retryAfter"], 7);
        let named =
            ApiError::DailyLimitReached { name: "uploads-per-day", message: "200 a day".into(), retry_after_secs: 9 };
        assert_eq!((named.status(), named.code()), (StatusCode::TOO_MANY_REQUESTS, "DAILY_LIMIT_REACHED"));
        assert_eq!(named.body()["details"], json!({ "retryAfter": 9, "limitName": "uploads-per-day" }));
        assert_eq!(named.body()["message"], "200 a day");
        let down = ApiError::UpstreamUnavailable { service: "database", retry_after_secs: None };
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(down.retry_after_secs(), None);
    }
}
