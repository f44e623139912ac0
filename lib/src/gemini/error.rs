//! `GeminiError`: every way a call can fail, read from Google's status and error body in one place,
//! and the product decision of what the user sees for each (`From<GeminiError> for ApiError`).

use std::time::Duration;

use serde::Deserialize;

use super::retry::parse_retry_delay;
use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum GeminiError {
    /// The key was refused (`API_KEY_INVALID`): the operator's, or a user's own (BYOK) key.
    #[error("Gemini refused the API key")]
    InvalidKey,
    /// 403: the key's project may not call this model or API.
    #[error("Gemini denied permission: {0}")]
    PermissionDenied(String),
    /// 404: the configured model id is unknown or shut down.
    #[error("Gemini has no such model: {0}")]
    ModelNotFound(String),
    /// A 400 other than the key (FAILED_PRECONDITION: billing or region; an invalid field).
    #[error("Gemini rejected the request: {0}")]
    BadRequest(String),
    /// 429 that outlasted the retries (or whose wait would pass the deadline).
    #[error("Gemini rate limit reached")]
    RateLimited { retry_after: Option<Duration> },
    /// 429 with `limit: 0`: the project has no quota for this model at all (a free-tier key).
    #[error("the Gemini project has no quota for this model: {0}")]
    QuotaUnavailable(String),
    /// 408 or 5xx (`The model is overloaded`, INTERNAL, DEADLINE_EXCEEDED) after the retries.
    #[error("Gemini answered {status}: {message}")]
    Upstream { status: u16, message: String, retry_after: Option<Duration> },
    /// No complete answer within the per-attempt timeout, or the deadline ran out.
    #[error("Gemini did not answer in time")]
    Timeout,
    #[error("Gemini could not be reached")]
    Unreachable(#[source] reqwest::Error),
    /// The prompt (`promptFeedback.blockReason`) or the output (`finishReason`) was blocked.
    #[error("the image model refused the content: {reason}")]
    ContentRejected { reason: String },
    /// The model answered and drew nothing (`NO_IMAGE`, `IMAGE_OTHER`, `OTHER`, or `STOP` with
    /// text only); `text` is what it said instead, if anything.
    #[error("the model answered without an image (finish reason {finish_reason})")]
    NoImage { finish_reason: String, text: Option<String> },
    /// The image part is not base64, not an image, or of a size we refuse.
    #[error("the model's image is not usable: {0}")]
    InvalidImage(String),
    /// A success status whose body is not a usable `GenerateContentResponse` (not JSON, no
    /// candidate, or no image for a reason that is not the model's choice).
    #[error("unexpected Gemini response: {0}")]
    Decode(String),
}

impl GeminiError {
    /// Worth another attempt: Google's own retry set (408, 429, 500, 502, 503, 504) and transport
    /// failures. A `limit: 0` 429 is `QuotaUnavailable`, so it is never retried.
    pub(super) fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Timeout | Self::Unreachable(_) => true,
            Self::Upstream { status, .. } => matches!(status, 408 | 500 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// The wait the server asked for (`RetryInfo.retryDelay`), if any.
    pub(super) fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } | Self::Upstream { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Google's error body: `{"error": {"code", "message", "status", "details": [{"@type", …}]}}`.
#[derive(Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    details: Vec<serde_json::Value>,
}

impl ErrorBody {
    fn detail(&self, type_suffix: &str, field: &str) -> Option<&str> {
        self.details
            .iter()
            .find(|d| d["@type"].as_str().is_some_and(|t| t.ends_with(type_suffix)))
            .and_then(|d| d[field].as_str())
    }
}

#[derive(Deserialize)]
struct Envelope {
    error: ErrorBody,
}

/// The error for a non-success `status` with body `text` (JSON from Google, or a proxy's HTML).
pub(super) fn from_status(status: u16, text: &str) -> GeminiError {
    let body = match serde_json::from_str::<Envelope>(text) {
        Ok(envelope) => envelope.error,
        Err(_) => ErrorBody { message: text.chars().take(200).collect(), ..ErrorBody::default() },
    };
    let retry_after = body.detail("google.rpc.RetryInfo", "retryDelay").and_then(parse_retry_delay);
    let key_refused = body.detail("google.rpc.ErrorInfo", "reason") == Some("API_KEY_INVALID")
        || body.message.contains("API key not valid");
    match status {
        401 => GeminiError::InvalidKey,
        400 if key_refused => GeminiError::InvalidKey,
        403 => GeminiError::PermissionDenied(body.message),
        404 => GeminiError::ModelNotFound(body.message),
        429 if has_zero_limit(&body.message) => GeminiError::QuotaUnavailable(body.message),
        429 => GeminiError::RateLimited { retry_after },
        408 | 500..=599 => GeminiError::Upstream { status, message: body.message, retry_after },
        _ => GeminiError::BadRequest(format!("{status} {}: {}", body.status, body.message)),
    }
}

/// `… limit: 0, model: …`: a quota of zero, which no wait will raise (but `limit: 0` of `limit: 05`
/// would be a real limit, so the digit run must end there).
fn has_zero_limit(message: &str) -> bool {
    message.match_indices("limit: 0").any(|(at, m)| !message[at + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

const SERVICE: &str = "image generation";

/// How much of the model's own words about an empty answer is passed on: enough for a sentence or
/// two of explanation, not a wall of text in a toast.
const MODEL_TEXT_CHARS: usize = 300;

/// The product decision. Refusals and empty drawings are the user's to fix (422, the prompt to
/// rephrase; never charged, as no image was made); waits and outages are ours to
/// report with a `Retry-After` (503) or as slow (504); a key, model or request Gemini refuses is an
/// operator's configuration fault (500, the cause logged). A route that used a user's own key
/// (BYOK) answers `InvalidKey` itself, before this mapping, as the user's mistake.
impl From<GeminiError> for ApiError {
    fn from(err: GeminiError) -> Self {
        let unavailable = |retry_after: Option<Duration>, default_secs: u64| ApiError::UpstreamUnavailable {
            service: SERVICE,
            retry_after_secs: Some(retry_after.map_or(default_secs, |d| d.as_secs_f64().ceil() as u64).max(1)),
        };
        match err {
            GeminiError::ContentRejected { reason } => ApiError::ContentRejected(rejection_message(&reason)),
            GeminiError::RateLimited { retry_after } => unavailable(retry_after, 30),
            GeminiError::Upstream { retry_after, .. } => unavailable(retry_after, 10),
            GeminiError::NoImage { finish_reason, text } => ApiError::GenerationEmpty {
                reason: finish_reason,
                model_text: text.map(|t| t.chars().take(MODEL_TEXT_CHARS).collect()),
            },
            GeminiError::Unreachable(_) => unavailable(None, 10),
            GeminiError::InvalidImage(_) | GeminiError::Decode(_) => unavailable(None, 10),
            GeminiError::QuotaUnavailable(_) => ApiError::UpstreamUnavailable {
                service: "image generation (the Gemini project has no image quota: billing must be enabled)",
                retry_after_secs: None,
            },
            GeminiError::Timeout => ApiError::UpstreamTimeout { service: SERVICE },
            other @ (GeminiError::InvalidKey
            | GeminiError::PermissionDenied(_)
            | GeminiError::ModelNotFound(_)
            | GeminiError::BadRequest(_)) => ApiError::internal(other),
        }
    }
}

/// What the user reads for a block: whether the prompt or the picture was refused, and the code.
fn rejection_message(reason: &str) -> String {
    let what = if reason.starts_with("IMAGE_") {
        "The generated image was withheld by the model's safety filter"
    } else if matches!(reason, "RECITATION" | "SPII") {
        "The result was withheld because it could reproduce protected or personal content"
    } else {
        "The request was refused by the model's content policy"
    };
    format!("{what} ({reason}). Try rephrasing the prompt.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn google(code: u16, status: &str, message: &str, details: serde_json::Value) -> String {
        json!({ "error": { "code": code, "message": message, "status": status, "details": details } }).to_string()
    }

    #[test]
    fn reads_each_status_into_its_error() {
        let key_info = json!([{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID" }]);
        let retry = json!([{ "@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "38s" }]);
        let zero = "Quota exceeded for metric: generate_content_free_tier_requests, limit: 0, model: x";
        let cases: Vec<(u16, String, &str)> = vec![
            (
                400,
                google(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", key_info),
                "InvalidKey",
            ),
            (400, google(400, "FAILED_PRECONDITION", "User location is not supported", json!([])), "BadRequest"),
            (
                403,
                google(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers", json!([])),
                "PermissionDenied",
            ),
            (404, google(404, "NOT_FOUND", "models/x is not found", json!([])), "ModelNotFound"),
            (429, google(429, "RESOURCE_EXHAUSTED", zero, retry.clone()), "QuotaUnavailable"),
            (429, google(429, "RESOURCE_EXHAUSTED", "limit: 05, retry later", retry.clone()), "RateLimited 38s"),
            (429, google(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted", json!([])), "RateLimited"),
            (
                503,
                google(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", json!([])),
                "Upstream 503",
            ),
            (502, "<html><body>Bad Gateway</body></html>".into(), "Upstream 502"),
        ];
        for (status, body, expected) in cases {
            let err = from_status(status, &body);
            let got = match &err {
                GeminiError::InvalidKey => "InvalidKey".to_owned(),
                GeminiError::BadRequest(m) if m.contains("FAILED_PRECONDITION") => "BadRequest".into(),
                GeminiError::PermissionDenied(_) => "PermissionDenied".into(),
                GeminiError::ModelNotFound(_) => "ModelNotFound".into(),
                GeminiError::QuotaUnavailable(_) => "QuotaUnavailable".into(),
                GeminiError::RateLimited { retry_after: Some(d) } => format!("RateLimited {}s", d.as_secs()),
                GeminiError::RateLimited { retry_after: None } => "RateLimited".into(),
                GeminiError::Upstream { status, .. } => format!("Upstream {status}"),
                other => format!("{other:?}"),
            };
            assert_eq!(got, expected, "{status} {body}");
        }
    }

    #[test]
    fn retries_only_transient_failures() {
        assert!(from_status(429, "{}").is_retryable());
        assert!(from_status(504, "{}").is_retryable());
        assert!(from_status(408, "").is_retryable());
        assert!(!from_status(501, "{}").is_retryable());
        assert!(!from_status(400, "{}").is_retryable());
        assert!(!GeminiError::ContentRejected { reason: "SAFETY".into() }.is_retryable());
    }

    #[test]
    fn maps_each_error_to_what_the_user_sees() {
        let cases = [
            (GeminiError::ContentRejected { reason: "IMAGE_SAFETY".into() }, 422, "CONTENT_REJECTED", None),
            (
                GeminiError::RateLimited { retry_after: Some(Duration::from_millis(38_200)) },
                503,
                "UPSTREAM_UNAVAILABLE",
                Some(39),
            ),
            (GeminiError::RateLimited { retry_after: None }, 503, "UPSTREAM_UNAVAILABLE", Some(30)),
            (GeminiError::QuotaUnavailable("limit: 0".into()), 503, "UPSTREAM_UNAVAILABLE", None),
            (
                GeminiError::Upstream { status: 503, message: "overloaded".into(), retry_after: None },
                503,
                "UPSTREAM_UNAVAILABLE",
                Some(10),
            ),
            (GeminiError::Timeout, 504, "UPSTREAM_TIMEOUT", None),
            (GeminiError::NoImage { finish_reason: "NO_IMAGE".into(), text: None }, 422, "GENERATION_EMPTY", None),
            (GeminiError::Decode("{}".into()), 503, "UPSTREAM_UNAVAILABLE", Some(10)),
            (GeminiError::InvalidKey, 500, "INTERNAL", None),
            (GeminiError::ModelNotFound("gone".into()), 500, "INTERNAL", None),
            (GeminiError::BadRequest("billing".into()), 500, "INTERNAL", None),
        ];
        for (err, status, code, retry_after) in cases {
            let case = err.to_string();
            let api = ApiError::from(err);
            assert_eq!(
                (api.status().as_u16(), api.code(), api.retry_after_secs()),
                (status, code, retry_after),
                "{case}"
            );
        }
    }

    #[test]
    fn rejections_name_the_reason_and_quota_outages_say_why() {
        let api = ApiError::from(GeminiError::ContentRejected { reason: "IMAGE_SAFETY".into() });
        assert!(api.to_string().contains("IMAGE_SAFETY") && api.to_string().contains("image"), "{api}");
        let long = "x".repeat(1000);
        let api = ApiError::from(GeminiError::NoImage { finish_reason: "IMAGE_OTHER".into(), text: Some(long) });
        assert!(api.to_string().contains("IMAGE_OTHER"), "{api}");
        assert_eq!(api.body()["details"]["reason"], "IMAGE_OTHER");
        assert_eq!(api.body()["details"]["model_text"].as_str().map(str::len), Some(MODEL_TEXT_CHARS));
        let api = ApiError::from(GeminiError::QuotaUnavailable("limit: 0".into()));
        assert!(api.to_string().contains("billing"), "{api}");
    }
}
