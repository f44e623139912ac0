//! A Supabase-Storage-compatible server for `/storage/v1`, objects on a directory, buckets and
//! the object catalogue in PostgreSQL's `storage.buckets` / `storage.objects`, errors in
//! Storage's legacy shape.
//!
//! Layout (one request flows top to bottom):
//! - [`auth`]: the caller's JWT (service key or user token) → role and owner; signed-URL tokens.
//! - [`bucket_routes`]: `/bucket…` (list, get, create, update, empty, delete); [`buckets`]: a
//!   bucket's row, its size and MIME limits.
//! - [`upload`] (with [`multipart`]): uploads, plain and signed; [`objects`]: the object route,
//!   delete one and many; [`transfer`]: copy and move; [`list`]: `POST /object/list/{bucket}`;
//!   [`info`]: `GET /object/info/…`.
//! - [`sign`]: single and batch signing, and serving a signed URL.
//! - [`serve`]: download responses: headers, `?download`, 304, ranges.
//! - [`store`]: the directory: bytes and a metadata sidecar ([`meta`]) per object; key validation.
//! - [`catalog`]: the `storage.objects` row of each object, written as Storage writes it.
//! - [`error`]: the one error type and its body.
//!
//! Knowingly left out (answered with a 400 InvalidRequest saying so): resumable (TUS) uploads,
//! `list-v2`, object versions, analytics and vector buckets, S3 protocol, CDN purges. Image
//! transformations answer the hosted Free plan's 403 FeatureNotEnabled.

mod auth;
mod bucket_routes;
mod buckets;
mod catalog;
mod error;
mod info;
mod list;
mod meta;
mod multipart;
mod objects;
mod serve;
mod sign;
mod store;
mod transfer;
mod upload;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use error::StorageError;
use store::Store;

/// How the stand-in verifies callers and where it keeps objects.
pub struct Settings {
    /// The project JWT secret: verifies API keys and user tokens, signs URL tokens.
    pub jwt_secret: String,
    /// The directory of objects (created on first write).
    pub dir: PathBuf,
}

/// Shared state of every request.
pub(crate) struct App {
    pool: deadpool_postgres::Pool,
    jwt_secret: String,
    store: Store,
}

/// The Storage routes, relative to the mount point (`/storage/v1`).
pub fn router(pool: deadpool_postgres::Pool, settings: Settings) -> Router {
    let store = Store::new(settings.dir, pool.clone());
    let app = Arc::new(App { pool, jwt_secret: settings.jwt_secret, store });
    Router::new()
        .route("/object/sign/{bucket}", any(sign::batch))
        .route("/object/sign/{bucket}/{*path}", any(sign::object))
        .route("/object/upload/sign/{bucket}/{*path}", any(upload::signed))
        .route("/object/public/{bucket}/{*path}", any(serve::public))
        .route("/object/authenticated/{bucket}/{*path}", any(serve::authenticated))
        .route("/object/info/public/{bucket}/{*path}", any(info::public))
        .route("/object/info/authenticated/{bucket}/{*path}", any(info::authenticated))
        .route("/object/info/{bucket}/{*path}", any(info::info))
        .route("/object/list/{bucket}", any(list::list))
        // Without this route the bucket "list-v2" would be looked up.
        .route("/object/list-v2/{bucket}", any(unimplemented))
        .route("/object/copy", any(transfer::copy))
        .route("/object/move", any(transfer::r#move))
        .route("/object/{bucket}", any(objects::delete_many))
        .route("/object/{bucket}/{*path}", any(objects::object))
        .route("/bucket", any(bucket_routes::collection))
        .route("/bucket/{id}", any(bucket_routes::one))
        .route("/bucket/{id}/empty", any(bucket_routes::empty))
        .route("/render/image/{*rest}", any(render))
        .fallback(unimplemented)
        .with_state(app)
}

/// Where the bytes of `bucket/key` are kept under the stand-in's directory `dir`.
pub fn object_file(dir: &Path, bucket: &str, key: &str) -> PathBuf {
    Store::object_file(dir, bucket, key)
}

/// Makes the object `bucket/key` of the stand-in with directory `dir` and database `pool` look `age`
/// older, as if it had been stored that much earlier, in its sidecar and its `storage.objects` row
/// alike: grace periods are tested without waiting them out.
pub async fn backdate(
    dir: &Path,
    pool: &deadpool_postgres::Pool,
    bucket: &str,
    key: &str,
    age: std::time::Duration,
) -> Result<(), StorageError> {
    let by_millis = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
    Store::backdate(dir, bucket, key, by_millis)?;
    catalog::backdate(pool, bucket, key, by_millis).await
}

async fn render() -> Response {
    StorageError::feature_not_enabled().into_response()
}

async fn unimplemented(request: Request) -> Response {
    StorageError::unimplemented(format!("{} {}", request.method(), request.uri().path())).into_response()
}
