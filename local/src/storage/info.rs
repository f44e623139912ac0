//! `GET /object/info/{bucket}/{path}` (and its `/authenticated/` and `/public/` forms): an
//! object's record as JSON (storage `getObjectInfo.ts`, `renderer/info.ts`), which storage-js
//! `info()` and `exists()` read.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, header};

use super::error::StorageError;
use super::meta::Meta;
use super::{App, auth, buckets, store};

/// Who may ask: `/info/{bucket}` takes a JWT when it is valid and goes on without one when it is
/// not (`allowInvalidJwt`); `/info/authenticated` needs one; `/info/public` reads public buckets.
enum Route {
    Optional,
    Authenticated,
    Public,
}

pub async fn info(
    State(app): State<Arc<App>>,
    method: Method,
    Path((bucket, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    answer(&app, method, (&bucket, &key), &headers, Route::Optional).await
}

pub async fn authenticated(
    State(app): State<Arc<App>>,
    method: Method,
    Path((bucket, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    answer(&app, method, (&bucket, &key), &headers, Route::Authenticated).await
}

pub async fn public(
    State(app): State<Arc<App>>,
    method: Method,
    Path((bucket, key)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    answer(&app, method, (&bucket, &key), &headers, Route::Public).await
}

async fn answer(app: &App, method: Method, (bucket, key): (&str, &str), headers: &HeaderMap, route: Route) -> Response {
    let result = async {
        if method != Method::GET {
            return Err(StorageError::unimplemented(format!("{method} /object/info")));
        }
        let caller = match route {
            Route::Optional => auth::caller(headers, &app.jwt_secret).ok().flatten(),
            Route::Authenticated => Some(auth::require(headers, &app.jwt_secret)?),
            Route::Public => None,
        };
        if !store::valid_bucket_name(bucket) {
            return Err(StorageError::invalid_bucket_name());
        }
        let found = buckets::find(app, bucket).await?;
        // Without credentials only public buckets exist; private objects are read under RLS,
        // where only service_role sees any.
        if caller.is_none() && !found.is_public() {
            return Err(StorageError::no_such_bucket());
        }
        let visible = found.is_public() || caller.as_ref().is_some_and(auth::Caller::is_service);
        let meta = app.store.meta(bucket, key).await?.filter(|_| visible).ok_or_else(StorageError::no_such_key)?;
        Ok(render(&meta, bucket, key))
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

fn render(meta: &Meta, bucket: &str, key: &str) -> Response {
    let mut response = Json(meta.info(bucket, key)).into_response();
    let headers = response.headers_mut();
    let modified =
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(u64::try_from(meta.updated_at).unwrap_or(0));
    for (name, value) in [
        (header::ETAG, meta.etag.clone()),
        (header::LAST_MODIFIED, httpdate::fmt_http_date(modified)),
        (header::CACHE_CONTROL, meta.cache_control.clone()),
    ] {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(name, value);
        }
    }
    response
}
