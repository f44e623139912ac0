//! `Config::from_env`: every setting the application reads, validated once per process.

use std::fmt;
use std::time::Duration;

use url::Url;

/// A secret value: usable through [`Secret::expose`], never printed by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A missing or malformed setting, named so the operator knows what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Project URL, e.g. `https://<ref>.supabase.co`; PostgREST lives under `/rest/v1`.
    pub supabase_url: Url,
    /// Service-role (or `sb_secret_…`) key: every database call is made with it, scoped by the code.
    pub supabase_service_key: Secret,
    /// Budget for one PostgREST call; a Hobby function has seconds, not minutes, to answer.
    pub database_timeout: Duration,
    pub auth: crate::auth::settings::AuthConfig,
    pub resend: crate::email::ResendConfig,
    /// Supabase Storage: bucket names and the per-call deadline.
    pub storage: crate::supabase::StorageConfig,
    pub upstash: crate::kv::UpstashConfig,
    /// Gemini image generation: key, endpoint, model, timeouts.
    pub gemini: crate::gemini::GeminiConfig,
    /// Generation limits and the moderation word list.
    pub generation: crate::domain::generation::GenerationConfig,
    /// The daily cron: its secret, budget, retention windows and operator alerts.
    pub cron: crate::routes::CronConfig,
    /// Per-user limits on version uploads, downloads and exports.
    pub volume: crate::routes::VolumeConfig,
    /// The account's and the studio's storage limits, checked before anything is stored.
    pub storage_limits: crate::routes::StorageLimits,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any variable source (the environment, or a test's map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(&lookup);
        Ok(Self {
            supabase_url: vars.url("SUPABASE_URL")?,
            supabase_service_key: vars.secret("SUPABASE_SERVICE_ROLE_KEY")?,
            database_timeout: vars.millis("DATABASE_TIMEOUT_MS", 8_000)?,
            auth: crate::auth::settings::AuthConfig::from_vars(&vars)?,
            resend: crate::email::ResendConfig::from_vars(&vars)?,
            storage: crate::supabase::StorageConfig::from_vars(&vars)?,
            upstash: crate::kv::UpstashConfig::from_vars(&vars)?,
            gemini: crate::gemini::GeminiConfig::from_vars(&vars)?,
            generation: crate::domain::generation::GenerationConfig::from_vars(&vars)?,
            cron: crate::routes::CronConfig::from_vars(&vars)?,
            volume: crate::routes::VolumeConfig::from_vars(&vars)?,
            storage_limits: crate::routes::StorageLimits::from_vars(&vars)?,
        })
    }
}

/// Typed access to variables; each error names the variable it is about. Each service's settings
/// are read from it by that service's own `from_vars`.
pub(crate) struct Vars<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Vars<'_> {
    /// The first of `names` that is set (e.g. Upstash's own name, then Vercel's).
    pub(crate) fn first_of(&self, names: &[&'static str]) -> Option<(&'static str, String)> {
        names.iter().find_map(|name| self.optional(name).map(|value| (*name, value)))
    }

    pub(crate) fn optional(&self, name: &'static str) -> Option<String> {
        (self.0)(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    pub(crate) fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    pub(crate) fn secret(&self, name: &'static str) -> Result<Secret, ConfigError> {
        self.required(name).map(Secret)
    }

    pub(crate) fn url(&self, name: &'static str) -> Result<Url, ConfigError> {
        let raw = self.required(name)?;
        let url = Url::parse(&raw).map_err(|e| invalid(name, e.to_string()))?;
        match url.scheme() {
            "http" | "https" => Ok(url),
            other => Err(invalid(name, format!("scheme {other} is not http or https"))),
        }
    }

    pub(crate) fn millis(&self, name: &'static str, default: u64) -> Result<Duration, ConfigError> {
        self.positive(name, default).map(Duration::from_millis)
    }

    /// A positive whole number (a count, or a duration in the unit the variable's name says).
    pub(crate) fn positive(&self, name: &'static str, default: u64) -> Result<u64, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(invalid(name, "expected a positive whole number".into())),
            },
        }
    }
}

pub(crate) fn invalid(name: &'static str, reason: String) -> ConfigError {
    ConfigError::Invalid { name, reason }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    /// Every required variable, valid (also the base of other modules' configuration tests).
    pub(crate) fn complete() -> Vec<(&'static str, &'static str)> {
        vec![
            ("SUPABASE_URL", "https://abc.supabase.co"),
            ("SUPABASE_SERVICE_ROLE_KEY", "service-key"),
            ("JWT_SECRET", "a-jwt-secret-of-at-least-thirty-two-bytes"),
            ("ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="),
            ("APP_URL", "https://studio.example.com"),
            ("RESEND_API_KEY", "re_key"),
            ("EMAIL_FROM", "AI Image Studio <noreply@studio.example>"),
            ("UPSTASH_REDIS_REST_URL", "https://eu1.upstash.io"),
            ("UPSTASH_REDIS_REST_TOKEN", "upstash-token"),
            ("GEMINI_API_KEY", "gemini-key"),
        ]
    }

    #[test]
    fn reads_a_complete_configuration() {
        let config = Config::from_lookup(lookup(&complete())).unwrap();
        assert_eq!(config.supabase_url.as_str(), "https://abc.supabase.co/");
        assert_eq!(config.supabase_service_key.expose(), "service-key");
        assert_eq!(config.database_timeout, Duration::from_secs(8));
        assert_eq!(config.auth.access_ttl_secs, 900);
        assert_eq!(config.resend.base_url.as_str(), "https://api.resend.com/");
        assert_eq!(config.resend.timeout, Duration::from_secs(10));
        assert_eq!(config.auth.mail_answer_floor, Duration::from_millis(1500));
        assert!(config.auth.mail_send_timeout < config.auth.mail_answer_floor, "a send must end before the answer");
    }

    #[test]
    fn names_the_missing_variable() {
        for missing in complete().iter().map(|(name, _)| *name) {
            let mut vars = complete();
            vars.retain(|(name, _)| *name != missing);
            let err = Config::from_lookup(lookup(&vars)).unwrap_err();
            assert!(err.to_string().contains(missing), "{missing}: {err}");
        }
    }

    #[test]
    fn names_the_malformed_variable() {
        let cases = [
            ("SUPABASE_URL", "not a url"),
            ("SUPABASE_URL", "ftp://abc.supabase.co"),
            ("DATABASE_TIMEOUT_MS", "soon"),
            ("DATABASE_TIMEOUT_MS", "0"),
            ("JWT_SECRET", "too-short"),
            ("ENCRYPTION_KEY", "c2hvcnQ="),
            ("APP_URL", "studio.example.com"),
            ("ACCESS_TOKEN_TTL_SECS", "-5"),
            ("VERSION_UPLOAD_MB_PER_DAY", "lots"),
            ("EXPORTS_PER_HOUR", "0"),
            ("RESEND_BASE_URL", "api.resend.com"),
            ("RESEND_TIMEOUT_MS", "-1"),
            ("AUTH_MAIL_ANSWER_MS", "1.5s"),
            ("AUTH_MAIL_SEND_TIMEOUT_MS", "0"),
            ("EMAIL_FROM", "AI Image Studio"),
            ("EMAIL_FROM", "AI Image Studio <noreply>"),
        ];
        for (name, value) in cases {
            let mut pairs = complete();
            pairs.retain(|(k, _)| *k != name);
            pairs.push((name, value));
            let err = Config::from_lookup(lookup(&pairs)).unwrap_err();
            assert!(err.to_string().contains(name), "{name}={value}: {err}");
        }
    }

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
    }
}
