//! A Supabase-Storage-compatible server for `/storage/v1`, objects on a directory, buckets in
//! PostgreSQL's `storage.buckets`, errors in Storage's legacy shape.
//!
//! Layout (one request flows top to bottom):
//! - [`auth`]: the caller's JWT (service key or user token) → role; signed-URL tokens.
//! - [`buckets`]: bucket rows, their size and MIME limits; `POST /bucket`, `GET /bucket[/{id}]`.
//! - [`objects`]: upload, delete (one and many), copy; [`list`]: `POST /object/list/{bucket}`.
//! - [`sign`]: single and batch signing, and serving a signed URL.
//! - [`serve`]: download responses: headers, `?download`, 304, ranges.
//! - [`store`]: the directory: bytes and a metadata sidecar per object; key validation.
//! - [`catalog`]: the `storage.objects` row of each object, mirrored from its sidecar.
//! - [`error`]: the one error type and its body.
//!
//! Knowingly left out (answered with a 400 InvalidRequest saying so): multipart and resumable
//! (TUS) uploads, signed upload URLs, `/object/info`, `/object/move`, bucket update/empty/delete,
//! S3 protocol. Image transformations answer the hosted Free plan's 403 FeatureNotEnabled.

mod auth;
mod buckets;
mod catalog;
mod error;
mod list;
mod objects;
mod serve;
mod sign;
mod store;

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
        .route("/object/public/{bucket}/{*path}", any(serve::public))
        .route("/object/authenticated/{bucket}/{*path}", any(serve::authenticated))
        .route("/object/list/{bucket}", any(list::list))
        .route("/object/copy", any(objects::copy))
        .route("/object/move", any(unimplemented))
        .route("/object/info/{*rest}", any(unimplemented))
        .route("/object/upload/sign/{*rest}", any(unimplemented))
        .route("/object/{bucket}", any(objects::delete_many))
        .route("/object/{bucket}/{*path}", any(objects::object))
        .route("/bucket", any(buckets::collection))
        .route("/bucket/{id}", any(buckets::one))
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
