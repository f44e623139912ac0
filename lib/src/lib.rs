//! AI Image Studio: the whole application behind the Vercel functions in `api/`.
//!
//! Layout:
//! - [`app`]: `App`, built once per process: configuration, the shared HTTP client, service clients.
//! - [`archive`]: ZIP archives written front to back for streaming (stored entries, data descriptors).
//! - [`auth`]: passwords (argon2id), access JWTs, opaque tokens and API keys, the secret box.
//! - [`config`]: `Config::from_env`, every variable named in its error; secrets never printed.
//! - [`cpu`]: CPU-bound work on the blocking pool, one job per CPU at a time (a burst queues).
//! - [`domain`]: validated values (e-mail, new password, slugs, references, search terms, share tokens,
//!   an image's aspect ratio, quality and seed): parse, don't validate.
//! - [`email`]: Resend client (`App::email`) and, beside it, the message templates.
//! - [`error`]: `ApiError`, the one mapping from a failure to a status, a code and the envelope.
//! - [`gemini`]: Gemini image generation (`generateContent`): retries, safety blocks, image checks.
//! - [`imaging`]: derivatives (PNG decoded once, Lanczos3, lossy WebP, sizes in parallel) and the
//!   PNG text metadata of the stored original. Benchmarked against sharp in `bench/thumbs`.
//! - [`http`]: request parsing (body limits, JSON), the response envelope and the router.
//! - [`kv`]: Upstash Redis over REST (`Kv`) and the rate limiter built on it (`Limit`).
//! - [`routes`]: one module per function in `api/`: parse, call services, respond (`cron`: the
//!   daily maintenance run and operator report; `auth::operator`: the operator's reports;
//!   `storage_limits`: the account's and the studio's storage, checked before anything is stored).
//! - [`supabase`]: PostgREST data access through the `postgrest` crate.
//!   Storage client (`supabase::Storage`): uploads, deletes, signed and public URLs, copies, lists.
//!
//! Every handler is generic over the request body type, so the same code runs under
//! `vercel_runtime`, under the local dev server and in tests.

pub mod app;
pub mod archive;
pub mod auth;
pub mod config;
pub mod cpu;
pub mod domain;
pub mod email;
pub mod error;
pub mod gemini;
pub mod http;
pub mod imaging;
pub mod kv;
pub mod routes;
pub mod supabase;

pub use app::App;
pub use error::ApiError;
pub use routes::{Function, handle, rewrite, serve};
