//! The local stack on one HTTP server: the stand-ins under their production paths (`/rest/v1`),
//! the library's route handlers on `/api/*` exactly as Vercel mounts them (with vercel.json's
//! rewrite of the share page `/s/{token}`, and the client-address headers Vercel's proxy sets),
//! the API description and its reference page, and `public/`.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use deadpool_postgres::Pool;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;
use studio::{App, Function};
use tokio::net::TcpListener;
use tower_http::services::ServeDir;

use crate::faults::{Faults, Service};
use crate::gemini;
use crate::postgrest;
use crate::resend::{self, Outbox};
use crate::storage;

/// The JWT secret of the local stack. Not a secret: it signs tokens for a server on loopback.
pub const LOCAL_JWT_SECRET: &str = "studio-local-jwt-secret-for-loopback-use-only-0123456789";

/// Signs the studio's own access tokens on loopback (distinct from the database's JWT secret, as
/// in production).
pub const LOCAL_ACCESS_TOKEN_SECRET: &str = "studio-local-access-token-secret-for-loopback-only";

/// What the local cron is called with (`Authorization: Bearer …`), as Vercel Cron sends `CRON_SECRET`.
pub const LOCAL_CRON_SECRET: &str = "studio-local-cron-secret-for-loopback-only";

/// Seals users' own Gemini keys on loopback: base64 of 32 fixed bytes.
pub const LOCAL_ENCRYPTION_KEY: &str = "c3R1ZGlvLWxvY2FsLWVuY3J5cHRpb24ta2V5LTMyYnk=";

/// The project's API keys, minted like Supabase's legacy keys: HS256 JWTs with a `role` claim.
#[derive(Clone, Debug)]
pub struct Keys {
    pub jwt_secret: String,
    pub anon_key: String,
    pub service_key: String,
}

impl Keys {
    pub fn new(jwt_secret: &str) -> Self {
        let mint = |role: &str| {
            let claims =
                json!({ "iss": "supabase-local", "role": role, "iat": 1_700_000_000, "exp": 4_102_444_800_u64 });
            jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(jwt_secret.as_bytes()))
                .unwrap_or_default()
        };
        Self { jwt_secret: jwt_secret.to_owned(), anon_key: mint("anon"), service_key: mint("service_role") }
    }
}

/// Binds a loopback port (`0` for any free one) and returns the listener and its base URL.
pub async fn bind(port: u16) -> std::io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    Ok((listener, url))
}

/// The environment a deployed function would get, pointing at a stack served at `base_url`.
pub fn function_env(base_url: &str, keys: &Keys) -> Vec<(String, String)> {
    let vars = [
        ("SUPABASE_URL", base_url.to_owned()),
        ("SUPABASE_SERVICE_ROLE_KEY", keys.service_key.clone()),
        ("JWT_SECRET", LOCAL_ACCESS_TOKEN_SECRET.to_owned()),
        ("ENCRYPTION_KEY", LOCAL_ENCRYPTION_KEY.to_owned()),
        ("APP_URL", base_url.to_owned()),
        // The buckets of migration 20261126000700, which the Storage stand-in reads.
        ("STORAGE_BUCKET", "images".to_owned()),
        ("STORAGE_PUBLIC_BUCKET", "public-images".to_owned()),
        ("RESEND_API_KEY", resend::LOCAL_API_KEY.to_owned()),
        ("RESEND_BASE_URL", format!("{base_url}/resend")),
        ("EMAIL_FROM", "AI Image Studio <studio@localhost.test>".to_owned()),
        ("UPSTASH_REDIS_REST_URL", format!("{base_url}/upstash")),
        ("UPSTASH_REDIS_REST_TOKEN", crate::upstash::LOCAL_UPSTASH_TOKEN.to_owned()),
        ("GEMINI_API_KEY", gemini::LOCAL_GEMINI_KEY.to_owned()),
        ("GEMINI_BASE_URL", format!("{base_url}/gemini")),
        ("CRON_SECRET", LOCAL_CRON_SECRET.to_owned()),
    ];
    vars.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}

/// The library's configuration from `vars`: the same parsing production runs on its environment.
pub fn app_config(vars: &[(String, String)]) -> Result<studio::config::Config, studio::config::ConfigError> {
    studio::config::Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

/// What a stack is made of: the database, the keys, the library, and the state its stand-ins share
/// with the tests (queued faults, sent mail, model requests, stored objects).
pub struct Parts<'a> {
    /// PostgREST's connections: as `authenticator`, which may only switch to the API roles.
    pub pool: Pool,
    /// Storage's connections: as `supabase_storage_admin`, the owner of schema storage's tables.
    pub storage_pool: Pool,
    pub keys: &'a Keys,
    pub app: Arc<App>,
    pub faults: &'a Faults,
    pub outbox: &'a Outbox,
    /// What the Gemini stand-in received.
    pub gemini: &'a gemini::Requests,
    /// The Upstash stand-in; one with its own `redis-server` lets outages kill and restart it.
    pub upstash: crate::upstash::Upstash,
    pub storage_dir: &'a Path,
    pub public_dir: &'a Path,
}

/// Every route of the stack. Each stand-in answers queued faults before serving.
pub fn router(parts: Parts<'_>) -> Router {
    let Parts { pool, storage_pool, keys, app, faults, outbox, gemini: received, upstash, storage_dir, public_dir } =
        parts;
    if let Some(redis) = upstash.killable() {
        faults.outages.attach(Service::Redis, redis);
    }
    let settings = postgrest::Settings {
        schema: "public".into(),
        anon_role: "anon".into(),
        jwt_secret: keys.jwt_secret.clone(),
        max_rows: Some(1000),
        gateway: Some(postgrest::Gateway { anon_key: keys.anon_key.clone(), service_key: keys.service_key.clone() }),
    };
    let storage = storage::router(
        storage_pool,
        storage::Settings { jwt_secret: keys.jwt_secret.clone(), dir: storage_dir.to_path_buf() },
    );
    let functions = Router::new()
        .route("/api", any(api))
        .route("/api/{*rest}", any(api))
        .route("/s/{token}", any(rewritten))
        .with_state(app);
    Router::new()
        .nest("/rest/v1", faults.layer(Service::Postgrest, postgrest::router(pool, settings)))
        .nest("/resend", outbox.record(faults.layer(Service::Resend, resend::router(outbox.clone()))))
        .merge(resend::outbox_router(outbox.clone()))
        .nest("/storage/v1", faults.layer(Service::Storage, storage))
        .nest("/upstash", faults.layer(Service::Upstash, upstash.router()))
        .nest("/gemini", received.record(faults.layer(Service::Gemini, gemini::router())))
        .nest("/__control", faults.control_router())
        .merge(functions)
        .merge(crate::apidocs::router())
        .fallback_service(ServeDir::new(public_dir))
}

/// `/api/*`: the function that owns the path answers, as on Vercel; other paths are a 404 envelope.
async fn api(State(app): State<Arc<App>>, mut req: Request) -> Response {
    crate::edge::stamp(&mut req);
    let response = match Function::for_path(req.uri().path()) {
        Some(function) => studio::handle(function, &app, req).await,
        None => {
            let err = studio::ApiError::NotFound(format!("no function serves {}", req.uri().path()));
            studio::http::error_response(&err, &studio::http::Request::new(req, "").request_id)
        }
    };
    response.map(Body::new).into_response()
}

/// A page vercel.json rewrites to a function (`/s/{token}`): handed over under the rewritten URI,
/// so the handler sees what it sees on Vercel.
async fn rewritten(State(app): State<Arc<App>>, mut req: Request) -> Response {
    crate::edge::stamp(&mut req);
    let response = match studio::rewrite(req.uri()) {
        Some((function, uri)) => {
            *req.uri_mut() = uri;
            studio::handle(function, &app, req).await
        }
        None => {
            let err = studio::ApiError::NotFound(format!("nothing is served at {}", req.uri().path()));
            studio::http::error_response(&err, &studio::http::Request::new(req, "").request_id)
        }
    };
    response.map(Body::new).into_response()
}
