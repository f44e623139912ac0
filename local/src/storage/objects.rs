//! Objects by name: `/object/{bucket}/{path}` (POST creates, PUT replaces, GET/HEAD download,
//! DELETE removes) and batch delete (`DELETE /object/{bucket}`); the JSON routes' common start.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::StorageError;
use super::{App, auth, serve, store, upload};

/// `/object/{bucket}/{path}`: POST creates, PUT replaces, GET/HEAD download, DELETE removes.
pub async fn object(
    State(app): State<Arc<App>>,
    Path((bucket, key)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let result = match parts.method {
        Method::POST => {
            let upsert = headers.get("x-upsert").is_some_and(|v| v == "true");
            upload::upload(&app, (&bucket, &key), headers, body, upsert).await
        }
        // The update route always upserts (`updateObject.ts` passes `isUpsert: true`).
        Method::PUT => upload::upload(&app, (&bucket, &key), headers, body, true).await,
        // This route reads an invalid JWT as none (`allowInvalidJwt` in `getObject.ts`).
        Method::GET | Method::HEAD => {
            let caller = auth::caller(headers, &app.jwt_secret).ok().flatten();
            serve::read(&app, caller, &bucket, &key, &query, headers).await
        }
        Method::DELETE => delete_one(&app, &bucket, &key, headers).await,
        other => Err(StorageError::unimplemented(format!("{other} /object/{{bucket}}/{{path}}"))),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `deleteObject`: the object is looked up as superuser (NoSuchKey), then deleted under RLS,
/// where a role without policies deletes nothing (AccessDenied).
async fn delete_one(app: &App, bucket: &str, key: &str, headers: &HeaderMap) -> Result<Response, StorageError> {
    let caller = auth::require(headers, &app.jwt_secret)?;
    if app.store.meta(bucket, key).await?.is_none() {
        return Err(StorageError::no_such_key());
    }
    if !caller.is_service() {
        return Err(StorageError::access_denied("Access denied"));
    }
    app.store.delete(bucket, key).await?.ok_or_else(StorageError::no_such_key)?;
    Ok(Json(json!({ "message": "Successfully deleted" })).into_response())
}

#[derive(Deserialize)]
struct Prefixes {
    prefixes: Vec<String>,
}

/// `DELETE /object/{bucket}` `{"prefixes": [exact names]}`: the deleted rows, `[]` when none.
pub async fn delete_many(
    State(app): State<Arc<App>>,
    method: Method,
    Path(bucket): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let (caller, request): (_, Prefixes) =
            json_call(&app, &method, (Method::DELETE, "/object/{bucket}"), &headers, &body)?;
        if request.prefixes.is_empty() || request.prefixes.len() > 1000 {
            return Err(StorageError::invalid_request("body/prefixes must have between 1 and 1000 items"));
        }
        let mut deleted = Vec::new();
        // Rows invisible under RLS are not deleted: only service_role sees any.
        // A name no key could have matches no row.
        let names = request.prefixes.iter().filter(|name| caller.is_service() && store::valid_key(name));
        if !store::valid_bucket_name(&bucket) {
            return Err(StorageError::invalid_bucket_name());
        }
        for name in names {
            if let Some(row) = app.store.delete(&bucket, name).await? {
                deleted.push(row);
            }
        }
        Ok(Json(Value::Array(deleted)).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// How every JSON route starts: the one method it serves, an authenticated caller, the body.
pub(super) fn json_call<T: for<'de> Deserialize<'de>>(
    app: &App,
    method: &Method,
    (expected, route): (Method, &str),
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(auth::Caller, T), StorageError> {
    if *method != expected {
        return Err(StorageError::unimplemented(format!("{method} {route}")));
    }
    Ok((auth::require(headers, &app.jwt_secret)?, parse(body)?))
}

pub(super) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(body).map_err(|e| StorageError::invalid_request(format!("body is not valid: {e}")))
}
