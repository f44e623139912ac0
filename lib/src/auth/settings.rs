//! `AuthConfig`: the secrets and lifetimes accounts run on.

use std::sync::Arc;
use std::time::Duration;

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
    pub login_backoff: Duration,
    /// Register, password/forgot and resend-verification answer no earlier than this after they
    /// start, whether or not the address has an account (`AUTH_MAIL_ANSWER_MS`).
    pub mail_answer_floor: Duration,
    /// The budget of the e-mail those routes send (`AUTH_MAIL_SEND_TIMEOUT_MS`); kept below the
    /// floor, a slow Resend does not make the answer later than an unknown address's.
    pub mail_send_timeout: Duration,
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
            login_backoff: Duration::from_secs(vars.positive("LOGIN_BACKOFF_SECS", 30)?),
            mail_answer_floor: vars.millis("AUTH_MAIL_ANSWER_MS", 1_500)?,
            mail_send_timeout: vars.millis("AUTH_MAIL_SEND_TIMEOUT_MS", 1_000)?,
        })
    }
}
