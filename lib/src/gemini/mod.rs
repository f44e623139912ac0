//! Gemini image generation through `generateContent`: configuration, the client, its retries and
//! the mapping of every outcome (image, safety block, quota, outage) to a typed error.
//!
//! - `client`: [`Gemini`], one call per image over the shared HTTP client, inside one deadline.
//! - `models`: [`ModelFamily`], what each image model family takes (`imageSize` values).
//! - `request`: [`ImageRequest`] and the JSON body (negative prompt folding, fields per family).
//! - `response`: the answer read into an image or a typed refusal; the image checked before use.
//! - `retry`: which failures are retried, how long to wait (`RetryInfo` or backoff with jitter).
//! - `error`: [`GeminiError`], from HTTP status in one place, and its product mapping to `ApiError`.

mod client;
mod error;
mod models;
#[cfg(test)]
mod props;
mod request;
mod response;
mod retry;

use std::time::Duration;

use url::Url;

use crate::config::{ConfigError, Secret, Vars, invalid};

pub use client::{Gemini, GeneratedImage};
pub use error::GeminiError;
pub use models::ModelFamily;
pub use request::{ImageRequest, InputImage};

/// The production endpoint; tests and the local stack point `GEMINI_BASE_URL` at the stand-in.
pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

/// The newest generally available image model per the reference (services.md §4.1):
/// `gemini-2.5-flash-image` is being shut down and the `-preview` ids already are; 3.1 Flash Image
/// ("Nano Banana 2") is GA, takes `imageSize` and answers in ~10–30 s. Model ids change fast, so
/// the operator overrides this with `GEMINI_MODEL` after checking `GET /v1beta/models`.
pub const DEFAULT_MODEL: &str = "gemini-3.1-flash-image";

/// Settings of the Gemini client.
#[derive(Clone, Debug)]
pub struct GeminiConfig {
    /// `GEMINI_API_KEY`: the operator's key (a billing-enabled project: free keys get `limit: 0`).
    pub api_key: Secret,
    /// `GEMINI_BASE_URL`: scheme and host, without `/v1beta`.
    pub base_url: Url,
    /// `GEMINI_MODEL`: the model id called for every image.
    pub model: String,
    /// `GEMINI_TIMEOUT_MS`: one attempt; image models take 10–120 s (services.md §4.7).
    pub timeout: Duration,
    /// `GEMINI_DEADLINE_MS`: the whole call with its retries, inside Vercel's `maxDuration`.
    pub deadline: Duration,
}

impl GeminiConfig {
    pub(crate) fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let base_url = match vars.optional("GEMINI_BASE_URL") {
            Some(_) => vars.url("GEMINI_BASE_URL")?,
            None => Url::parse(DEFAULT_BASE_URL).map_err(|e| invalid("GEMINI_BASE_URL", e.to_string()))?,
        };
        let model = vars.optional("GEMINI_MODEL").unwrap_or_else(|| DEFAULT_MODEL.to_owned());
        if model.contains(['/', ':', '?', '#']) || model.contains(char::is_whitespace) {
            return Err(invalid("GEMINI_MODEL", "expected a bare model id such as gemini-3.1-flash-image".into()));
        }
        let timeout = vars.millis("GEMINI_TIMEOUT_MS", 120_000)?;
        let deadline = vars.millis("GEMINI_DEADLINE_MS", 240_000)?;
        if deadline < timeout {
            return Err(invalid("GEMINI_DEADLINE_MS", "must be at least GEMINI_TIMEOUT_MS".into()));
        }
        Ok(Self { api_key: vars.secret("GEMINI_API_KEY")?, base_url, model, timeout, deadline })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Through `Config::from_lookup`, as production reads it, with the database settings filled in.
    fn config(pairs: &[(&str, &str)]) -> Result<GeminiConfig, ConfigError> {
        let base: Vec<(&str, &str)> =
            crate::config::tests::complete().into_iter().filter(|(name, _)| !name.starts_with("GEMINI_")).collect();
        let lookup = |name: &str| pairs.iter().chain(&base).find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned());
        crate::config::Config::from_lookup(lookup).map(|config| config.gemini)
    }

    #[test]
    fn defaults_to_the_production_endpoint_and_a_ga_model() {
        let config = config(&[("GEMINI_API_KEY", "k")]).unwrap();
        assert_eq!(config.base_url.as_str(), "https://generativelanguage.googleapis.com/");
        assert_eq!(config.model, "gemini-3.1-flash-image");
        assert_eq!(config.timeout, Duration::from_secs(120));
        assert_eq!(config.deadline, Duration::from_secs(240));
        assert!(!format!("{config:?}").contains("\"k\""));
    }

    #[test]
    fn names_each_missing_or_malformed_variable() {
        let cases: [&[(&str, &str)]; 5] = [
            &[],
            &[("GEMINI_API_KEY", "k"), ("GEMINI_BASE_URL", "ftp://x")],
            &[("GEMINI_API_KEY", "k"), ("GEMINI_MODEL", "models/gemini-3.1-flash-image:generateContent")],
            &[("GEMINI_API_KEY", "k"), ("GEMINI_TIMEOUT_MS", "soon")],
            &[("GEMINI_API_KEY", "k"), ("GEMINI_TIMEOUT_MS", "5000"), ("GEMINI_DEADLINE_MS", "1000")],
        ];
        let expected = ["GEMINI_API_KEY", "GEMINI_BASE_URL", "GEMINI_MODEL", "GEMINI_TIMEOUT_MS", "GEMINI_DEADLINE_MS"];
        for (pairs, name) in cases.iter().zip(expected) {
            let err = config(pairs).unwrap_err();
            assert!(err.to_string().contains(name), "{pairs:?}: {err}");
        }
    }
}
