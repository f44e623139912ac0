//! `EmailError`: what a Resend call can end in, read from the error body's `name` (Resend's statuses
//! have changed between revisions of its docs; the names have not), and the product decision for
//! each in `From<EmailError> for ApiError`.

use std::time::Duration;

use serde::Deserialize;

use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("Resend: no API key was sent")]
    MissingApiKey,
    #[error("Resend: the API key is invalid")]
    InvalidApiKey,
    #[error("Resend: the API key may not do this")]
    RestrictedApiKey,
    /// Resend (or the client's own check before sending) refused the message; `name` is Resend's.
    #[error("Resend refused the message: {name}: {message}")]
    Validation { name: String, message: String },
    /// The idempotency key was already used for a different message: a bug in how keys are made.
    #[error("Resend: the idempotency key was used for a different message")]
    IdempotencyConflict,
    #[error("Resend: a request with the same idempotency key is still in progress")]
    ConcurrentIdempotentRequest,
    #[error("Resend: rate limited")]
    RateLimited { retry_after: Option<Duration> },
    /// The plan's sending quota is used up: not a rate limit, waiting seconds will not help.
    #[error("Resend: the {0:?} sending quota is used up")]
    QuotaExceeded(Quota),
    /// Resend's edge turned the request away before the API saw it (403, plain text
    /// `error code: 1010`: no `User-Agent`). A bug in how we call, never an outage.
    #[error("Resend's edge refused the request: {0}")]
    EdgeRefused(String),
    #[error("Resend failed with {status}: {message}")]
    Upstream { status: u16, message: String },
    #[error("Resend did not answer in time")]
    Timeout,
    #[error("Resend is unreachable")]
    Unreachable(#[source] reqwest::Error),
    #[error("unexpected answer from Resend: {0}")]
    Decode(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quota {
    Daily,
    Monthly,
}

/// Resend's error body: `{"statusCode":422,"message":"…","name":"missing_required_field"}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl EmailError {
    /// Whether the same request (same idempotency key) may be sent again: Resend replays or
    /// deduplicates it, so a retry never sends the message twice.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::ConcurrentIdempotentRequest | Self::Unreachable(_) => true,
            Self::Upstream { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The error a non-2xx answer stands for. `retry_after` comes from the response headers.
    pub(crate) fn from_response(status: u16, retry_after: Option<Duration>, text: &str) -> Self {
        let Ok(body) = serde_json::from_str::<ErrorBody>(text) else {
            if status == 403 && text.trim_start().starts_with("error code:") {
                return Self::EdgeRefused(text.trim().chars().take(200).collect());
            }
            // An HTML error page from a proxy or an outage, not Resend's API.
            return Self::Upstream { status, message: text.chars().take(200).collect() };
        };
        let message = body.message.unwrap_or_default();
        match body.name.as_deref().unwrap_or_default() {
            "missing_api_key" => Self::MissingApiKey,
            "invalid_api_key" => Self::InvalidApiKey,
            // Newer revisions answer an unknown key with 401 `validation_error` "API key is invalid".
            "validation_error" if message.to_ascii_lowercase().contains("api key is invalid") => Self::InvalidApiKey,
            "restricted_api_key" => Self::RestrictedApiKey,
            "invalid_idempotent_request" => Self::IdempotencyConflict,
            "concurrent_idempotent_requests" => Self::ConcurrentIdempotentRequest,
            "rate_limit_exceeded" => Self::RateLimited { retry_after },
            "daily_quota_exceeded" => Self::QuotaExceeded(Quota::Daily),
            "monthly_quota_exceeded" => Self::QuotaExceeded(Quota::Monthly),
            "application_error" | "internal_server_error" | "service_unavailable" => Self::Upstream { status, message },
            _ if status == 429 => Self::RateLimited { retry_after },
            _ if status >= 500 => Self::Upstream { status, message },
            name => Self::Validation { name: name.to_owned(), message },
        }
    }
}

/// The product decision for e-mail failures: Resend being busy, out of quota or down is 503 with a
/// wait where one is known; slow is 504; anything Resend refused is our configuration or our bug,
/// so a logged 500.
impl From<EmailError> for ApiError {
    fn from(err: EmailError) -> Self {
        let unavailable = |retry_after_secs| ApiError::UpstreamUnavailable { service: "email", retry_after_secs };
        match err {
            EmailError::RateLimited { retry_after } => unavailable(Some(retry_after.map_or(1, whole_seconds_up))),
            EmailError::ConcurrentIdempotentRequest => unavailable(Some(1)),
            EmailError::QuotaExceeded(_) | EmailError::Upstream { .. } | EmailError::Unreachable(_) => {
                unavailable(None)
            }
            EmailError::Timeout => ApiError::UpstreamTimeout { service: "email" },
            other => ApiError::internal(other),
        }
    }
}

/// A wait in whole seconds for `Retry-After`, rounded up and never zero.
fn whole_seconds_up(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(status: u16, name: &str) -> EmailError {
        let body = format!(r#"{{"statusCode":{status},"message":"API key is invalid","name":"{name}"}}"#);
        EmailError::from_response(status, Some(Duration::from_secs(3)), &body)
    }

    #[test]
    fn names_decide_not_statuses() {
        assert!(matches!(from(403, "invalid_api_key"), EmailError::InvalidApiKey));
        assert!(matches!(from(401, "validation_error"), EmailError::InvalidApiKey));
        assert!(matches!(from(429, "daily_quota_exceeded"), EmailError::QuotaExceeded(Quota::Daily)));
        assert!(matches!(from(429, "monthly_quota_exceeded"), EmailError::QuotaExceeded(Quota::Monthly)));
        assert!(matches!(from(400, "rate_limit_exceeded"), EmailError::RateLimited { retry_after: Some(_) }));
        assert!(matches!(from(409, "concurrent_idempotent_requests"), EmailError::ConcurrentIdempotentRequest));
        assert!(
            matches!(from(422, "invalid_from_address"), EmailError::Validation { name, .. } if name == "invalid_from_address")
        );
    }

    #[test]
    fn html_error_pages_are_upstream_failures() {
        let err = EmailError::from_response(502, None, "<html><body>Bad gateway</body></html>");
        assert!(matches!(&err, EmailError::Upstream { status: 502, .. }));
        assert!(err.is_retryable());
        assert!(!EmailError::from_response(404, None, "<html>not found</html>").is_retryable());
    }

    #[test]
    fn an_edge_refusal_is_our_bug_reported_as_internal_and_never_retried() {
        let err = EmailError::from_response(403, None, "error code: 1010");
        assert!(matches!(&err, EmailError::EdgeRefused(text) if text == "error code: 1010"), "{err:?}");
        assert!(!err.is_retryable());
        assert_eq!(ApiError::from(err).code(), "INTERNAL");
    }

    #[test]
    fn quota_is_unavailable_without_a_wait_and_rate_limits_carry_theirs() {
        let quota = ApiError::from(EmailError::QuotaExceeded(Quota::Daily));
        assert_eq!((quota.code(), quota.retry_after_secs()), ("UPSTREAM_UNAVAILABLE", None));
        let limited = ApiError::from(EmailError::RateLimited { retry_after: Some(Duration::from_millis(1500)) });
        assert_eq!((limited.code(), limited.retry_after_secs()), ("UPSTREAM_UNAVAILABLE", Some(2)));
        assert_eq!(ApiError::from(EmailError::Timeout).code(), "UPSTREAM_TIMEOUT");
        let refused =
            ApiError::from(EmailError::Validation { name: "invalid_from_address".into(), message: "x".into() });
        assert_eq!(refused.code(), "INTERNAL");
        assert_eq!(ApiError::from(EmailError::InvalidApiKey).code(), "INTERNAL");
    }
}
