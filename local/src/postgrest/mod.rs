//! A PostgREST v13/v14-compatible server over PostgreSQL, with Supabase's API-key gateway in front.
//!
//! Layout (one request flows top to bottom):
//! - [`handler`]: the axum entry point: a request becomes a [`handler::Request`] and is dispatched.
//! - [`auth`] and [`jwt`]: the gateway's `apikey` check and the bearer JWT → role and claims.
//! - [`headers`]: `Accept`, `Range` and the `Accept-Profile`/`Content-Profile` check.
//! - [`prefer`]: the `Prefer` header and the `Preference-Applied` echo.
//! - [`query`], [`filter`], [`select`]: the query string → parsed select list, filters and order;
//!   [`embed`] answers what embedding would need (not served) with PostgREST's own errors.
//! - [`schema`]: catalog lookups (tables, primary keys, functions), cached per server; [`fuzzy`]
//!   picks the closest name for the "Perhaps you meant …" hints.
//! - [`sql`]: rendering parsed pieces as SQL text: quoted identifiers, literals, conditions.
//! - [`tx`]: one transaction per request with PostgREST's `set_config` prelude; [`exec`] runs a
//!   planned statement in it (time zone, strict preferences, planned counts, max-affected).
//! - [`read`], [`write`] (with [`payload`]), [`rpc`]: the statements for GET/HEAD, POST/PATCH/DELETE
//!   and `/rpc/{fn}`.
//! - [`response`]: Content-Range, status and headers of a successful answer.
//! - [`error`]: the one error type, its SQLSTATE → HTTP mapping and the error body.

mod auth;
mod embed;
mod error;
mod exec;
mod filter;
mod fuzzy;
mod handler;
mod headers;
mod jwt;
mod payload;
mod prefer;
mod query;
mod read;
mod response;
mod rpc;
mod schema;
mod select;
mod sql;
mod tx;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::routing::any;

/// How the server behaves: which schema it exposes, which roles it switches to, how it verifies
/// tokens and whether the Supabase gateway's API-key check sits in front.
pub struct Settings {
    /// The exposed schema (`public` on Supabase).
    pub schema: String,
    /// The role of requests without a JWT (`anon` on Supabase).
    pub anon_role: String,
    /// HS256 secret of user JWTs and of legacy JWT-form API keys.
    pub jwt_secret: String,
    /// Cap on rows a read returns (Supabase: 1000).
    pub max_rows: Option<u64>,
    /// The Supabase API gateway; `None` serves bare PostgREST.
    pub gateway: Option<Gateway>,
}

/// The two API keys the gateway accepts: legacy JWT-form keys or `sb_publishable_`/`sb_secret_`.
pub struct Gateway {
    pub anon_key: String,
    pub service_key: String,
}

/// Shared state of every request: the pool, the settings and the schema cache.
pub(crate) struct App {
    pool: deadpool_postgres::Pool,
    settings: Settings,
    schema: schema::Cache,
}

/// The PostgREST routes, relative to the mount point (`/rest/v1` on the Supabase-like stack).
pub fn router(pool: deadpool_postgres::Pool, settings: Settings) -> Router {
    let app = Arc::new(App { pool, settings, schema: schema::Cache::default() });
    Router::new().route("/rpc/{function}", any(handler::rpc)).route("/{table}", any(handler::table)).with_state(app)
}

/// `studio-local postgrest …`: bare PostgREST (no gateway) on `127.0.0.1:port` until Ctrl-C.
pub async fn serve_standalone(database_url: &str, settings: Settings, port: u16) -> std::io::Result<()> {
    let pool = pool_for(database_url)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("postgrest: serving schema {} on http://127.0.0.1:{port}", settings.schema);
    axum::serve(listener, router(pool, Settings { gateway: None, ..settings }))
        .with_graceful_shutdown(async {
            // Without a signal handler the server simply runs until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
}

fn pool_for(database_url: &str) -> std::io::Result<deadpool_postgres::Pool> {
    let config: tokio_postgres::Config =
        database_url.parse().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    deadpool_postgres::Pool::builder(manager).max_size(16).build().map_err(std::io::Error::other)
}
