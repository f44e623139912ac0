//! `AuthConfig`: the secrets and lifetimes accounts run on.

use std::sync::Arc;

use crate::auth::secretbox::SecretBox;
use crate::config::{ConfigError, Secret, Vars, invalid};

#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// HS256 secret for access tokens; at least 32 bytes (`openssl rand -base64 48`).
    pub jwt_secret: Secret,
    /// Sealed with the key in `ENCRYPTION_KEY`: base64 of 32 random bytes (`openssl rand -base64 32`).
    pub secretbox: Arc<SecretBox>,
    /// Where people open the app: links in e-mails point here.
    pub app_url: url::Url,
    /// Access tokens live minutes: a stolen one is useful only briefly.
    pub access_ttl_secs: i64,
    /// A login lasts this long without use before its refresh token expires.
    pub refresh_ttl_days: i64,
    /// Requests one API key may make per minute, whatever it calls.
    pub api_key_rate_per_minute: u64,
    /// The first wait after five password attempts on one account from one network; it doubles
    /// with each further attempt (`routes::auth::guesses`).
    pub login_backoff: std::time::Duration,
}

impl AuthConfig {
    pub(crate) fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let jwt_secret = vars.secret("JWT_SECRET")?;
        if jwt_secret.expose().len() < 32 {
            return Err(invalid("JWT_SECRET", "must be at least 32 characters".into()));
        }
        let secretbox = SecretBox::from_base64(vars.secret("ENCRYPTION_KEY")?.expose())
            .map_err(|_| invalid("ENCRYPTION_KEY", "must be 32 bytes, base64-encoded".into()))?;
        Ok(Self {
            jwt_secret,
            secretbox: Arc::new(secretbox),
            app_url: vars.url("APP_URL")?,
            access_ttl_secs: vars.positive("ACCESS_TOKEN_TTL_SECS", 900)? as i64,
            refresh_ttl_days: vars.positive("REFRESH_TOKEN_TTL_DAYS", 30)? as i64,
            api_key_rate_per_minute: vars.positive("API_KEY_RATE_PER_MINUTE", 120)?,
            login_backoff: std::time::Duration::from_secs(vars.positive("LOGIN_BACKOFF_SECS", 30)?),
        })
    }
}
