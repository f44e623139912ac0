//! `App`: everything a request needs, built once per process and shared by concurrent requests.

use std::sync::OnceLock;

use crate::auth::jwt::AccessTokens;
use crate::config::{Config, ConfigError};
use crate::email::Resend;
use crate::gemini::Gemini;
use crate::kv::Kv;
use crate::supabase::{Db, Storage};

/// Who issues access tokens, and for whom: checked on every token.
const ISSUER: &str = "ai-image-studio";
const AUDIENCE: &str = "ai-image-studio-api";

pub struct App {
    pub config: Config,
    /// One connection pool and TLS set-up for every service client; each call sets its own deadline.
    pub http: reqwest::Client,
    pub db: Db,
    /// Issues and checks access tokens.
    pub tokens: AccessTokens,
    pub email: Resend,
    pub storage: Storage,
    /// Upstash Redis: rate limits.
    pub kv: Kv,
    pub gemini: Gemini,
}

impl App {
    pub fn new(config: Config) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .pool_idle_timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        let db = Db::new(&config);
        let auth = &config.auth;
        let tokens = AccessTokens::new(&auth.jwt_secret, ISSUER, AUDIENCE, auth.access_ttl_secs);
        let email = Resend::new(&config.resend, http.clone());
        let storage = Storage::new(&config, http.clone());
        let kv = Kv::new(&config.upstash, http.clone());
        let gemini = Gemini::new(&config.gemini, http.clone());
        Self { config, http, db, tokens, email, storage, kv, gemini }
    }

    /// The process-wide `App` from the environment. A configuration error is kept (not retried):
    /// the environment of a running function does not change.
    pub fn shared() -> Result<&'static App, &'static ConfigError> {
        static SHARED: OnceLock<Result<App, ConfigError>> = OnceLock::new();
        SHARED.get_or_init(|| Config::from_env().map(App::new)).as_ref()
    }
}
