//! Upstash Redis over its REST API (also sold as Vercel KV): the client, the rate limiter and the
//! backoff of repeated guesses.

mod backoff;
mod client;
mod limiter;

use std::time::Duration;

use url::Url;

use crate::config::{ConfigError, Secret, Vars};

pub use backoff::{Admission, Backoff};
pub use client::{Kv, KvError};
pub use limiter::{Algorithm, Decision, Limit, OnFailure, now_ms};

/// Where the database is and how long one call may take.
#[derive(Clone, Debug)]
pub struct UpstashConfig {
    /// REST URL, e.g. `https://<name>.upstash.io`; commands are POSTed to it.
    pub url: Url,
    /// Standard (read-write) REST token; the rate limiter writes.
    pub token: Secret,
    /// Budget for one REST call. Short: the limiter sits in front of every costly request.
    pub timeout: Duration,
}

/// Upstash's own names first, then the Vercel Marketplace integration's, as `Redis.fromEnv()` does.
const URL_VARS: [&str; 2] = ["UPSTASH_REDIS_REST_URL", "KV_REST_API_URL"];
const TOKEN_VARS: [&str; 2] = ["UPSTASH_REDIS_REST_TOKEN", "KV_REST_API_TOKEN"];

impl UpstashConfig {
    pub(crate) fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let (url_var, _) =
            vars.first_of(&URL_VARS).ok_or(ConfigError::Missing("UPSTASH_REDIS_REST_URL (or KV_REST_API_URL)"))?;
        let (token_var, _) = vars
            .first_of(&TOKEN_VARS)
            .ok_or(ConfigError::Missing("UPSTASH_REDIS_REST_TOKEN (or KV_REST_API_TOKEN)"))?;
        Ok(Self {
            url: vars.url(url_var)?,
            token: vars.secret(token_var)?,
            timeout: vars.millis("UPSTASH_TIMEOUT_MS", 2_000)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Reads the whole configuration (every other service's variables included), then the Upstash part.
    fn read(pairs: &[(&str, &str)]) -> Result<UpstashConfig, ConfigError> {
        let mut map: HashMap<&str, &str> =
            crate::config::tests::complete().into_iter().filter(|(name, _)| !name.starts_with("UPSTASH_")).collect();
        map.extend(pairs.iter().copied());
        crate::config::Config::from_lookup(|name| map.get(name).map(|v| v.to_string())).map(|c| c.upstash)
    }

    #[test]
    fn prefers_upstash_names_over_vercel_kv_names() {
        let config = read(&[
            ("UPSTASH_REDIS_REST_URL", "https://eu1.upstash.io"),
            ("KV_REST_API_URL", "https://kv.example"),
            ("UPSTASH_REDIS_REST_TOKEN", "upstash-token"),
            ("KV_REST_API_TOKEN", "kv-token"),
        ])
        .unwrap();
        assert_eq!(config.url.as_str(), "https://eu1.upstash.io/");
        assert_eq!(config.token.expose(), "upstash-token");
        assert_eq!(config.timeout, Duration::from_secs(2));
    }

    #[test]
    fn falls_back_to_vercel_kv_names() {
        let config = read(&[("KV_REST_API_URL", "https://kv.example"), ("KV_REST_API_TOKEN", "kv-token")]).unwrap();
        assert_eq!(config.url.as_str(), "https://kv.example/");
        assert_eq!(config.token.expose(), "kv-token");
    }

    #[test]
    fn missing_settings_name_both_variables() {
        let err = read(&[("KV_REST_API_TOKEN", "t")]).unwrap_err().to_string();
        assert!(err.contains("UPSTASH_REDIS_REST_URL") && err.contains("KV_REST_API_URL"), "{err}");
        let err = read(&[("KV_REST_API_URL", "https://kv.example")]).unwrap_err().to_string();
        assert!(err.contains("UPSTASH_REDIS_REST_TOKEN") && err.contains("KV_REST_API_TOKEN"), "{err}");
    }

    #[test]
    fn names_the_malformed_variable_that_was_used() {
        let cases = [
            (("KV_REST_API_URL", "redis://kv.example"), "KV_REST_API_URL"),
            (("UPSTASH_TIMEOUT_MS", "fast"), "UPSTASH_TIMEOUT_MS"),
        ];
        for ((name, value), expected) in cases {
            let mut pairs = vec![("UPSTASH_REDIS_REST_TOKEN", "t")];
            if name != "KV_REST_API_URL" {
                pairs.push(("UPSTASH_REDIS_REST_URL", "https://eu1.upstash.io"));
            }
            pairs.push((name, value));
            let err = read(&pairs).unwrap_err().to_string();
            assert!(err.contains(expected), "{name}={value}: {err}");
        }
    }
}
