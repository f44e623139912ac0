//! The bucket routes (storage `src/http/routes/bucket/*`, `storage.ts`): `GET`/`POST /bucket`,
//! `GET`/`PUT`/`DELETE /bucket/{id}`, `POST /bucket/{id}/empty`. There are no policies on
//! `storage.buckets`, so every role but `service_role` sees, creates, changes and deletes none.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method};
use serde_json::{Map, Value, json};
use tokio_postgres::types::ToSql;

use super::buckets::{self, BUCKET};
use super::catalog;
use super::error::StorageError;
use super::objects::parse;
use super::{App, auth, store};

/// `GET /bucket` lists, `POST /bucket` creates.
pub async fn collection(
    State(app): State<Arc<App>>,
    method: Method,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let caller = auth::require(&headers, &app.jwt_secret)?;
        match method {
            Method::GET => list(&app, &query, caller.is_service()).await,
            Method::POST => create(&app, &caller, &body).await,
            other => Err(StorageError::unimplemented(format!("{other} /bucket"))),
        }
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// `GET`, `PUT` (update) and `DELETE /bucket/{id}`.
pub async fn one(
    State(app): State<Arc<App>>,
    method: Method,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let caller = auth::require(&headers, &app.jwt_secret)?;
        match method {
            Method::GET if caller.is_service() => {
                Ok(Json(buckets::row(&app, &id).await?.ok_or_else(StorageError::no_such_bucket)?).into_response())
            }
            Method::GET => Err(StorageError::no_such_bucket()),
            Method::PUT => update(&app, &id, caller.is_service(), &body).await,
            Method::DELETE => delete(&app, &id, caller.is_service()).await,
            other => Err(StorageError::unimplemented(format!("{other} /bucket/{{id}}"))),
        }
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /bucket/{id}/empty`: `service_role` only (a real 403 otherwise). Storage queues the
/// deletion; here it is done before the answer, which says what Storage says.
pub async fn empty(
    State(app): State<Arc<App>>,
    method: Method,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        if method != Method::POST {
            return Err(StorageError::unimplemented(format!("{method} /bucket/{{id}}/empty")));
        }
        if !auth::require(&headers, &app.jwt_secret)?.is_service() {
            return Err(StorageError::invalid_role());
        }
        buckets::find(&app, &id).await?;
        for (name, _) in app.store.all(&id).await? {
            app.store.delete(&id, &name).await?;
        }
        let message = "Empty bucket has been queued. Completion may take up to an hour.";
        Ok(Json(json!({ "message": message })).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// `limit` ≥ 1, `offset` ≥ 0, `sortColumn` of id/name/created_at/updated_at, `sortOrder`,
/// `search` (case-insensitive substring of the name); each bucket with `type: "STANDARD"`.
async fn list(app: &App, query: &HashMap<String, String>, is_service: bool) -> Result<Response, StorageError> {
    let number = |name: &str, min: i64| -> Result<Option<i64>, StorageError> {
        let Some(text) = query.get(name) else { return Ok(None) };
        let value = text.parse::<i64>().ok().filter(|n| *n >= min);
        value
            .map(Some)
            .ok_or_else(|| StorageError::invalid_request(format!("querystring/{name} must be integer >= {min}")))
    };
    let (limit, offset) = (number("limit", 1)?, number("offset", 0)?);
    let column = match query.get("sortColumn").map(String::as_str) {
        None => "name",
        Some(column @ ("id" | "name" | "created_at" | "updated_at")) => column,
        Some(_) => {
            return Err(StorageError::invalid_request(
                "querystring/sortColumn must be equal to one of the allowed values",
            ));
        }
    };
    let order = match query.get("sortOrder").map(String::as_str) {
        None | Some("asc") => "asc",
        Some("desc") => "desc",
        Some(_) => {
            return Err(StorageError::invalid_request(
                "querystring/sortOrder must be equal to one of the allowed values",
            ));
        }
    };
    if !is_service {
        return Ok(Json(json!([])).into_response());
    }
    let search = query.get("search").filter(|s| !s.is_empty()).map(|s| format!("%{}%", escape_like(s)));
    let client = app.pool.get().await.map_err(StorageError::internal)?;
    let sql = format!(
        "select coalesce(jsonb_agg({BUCKET} || jsonb_build_object('type', 'STANDARD') order by b.{column} {order}), '[]')
           from (select * from storage.buckets b where $1::text is null or b.name ilike $1
                  order by b.{column} {order} limit $2::bigint offset coalesce($3::bigint, 0)) b"
    );
    let row = client.query_one(&sql, &[&search, &limit, &offset]).await.map_err(StorageError::internal)?;
    Ok(Json(row.get::<_, Value>(0)).into_response())
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

async fn create(app: &App, caller: &auth::Caller, body: &[u8]) -> Result<Response, StorageError> {
    let new: Map<String, Value> = parse(body)?;
    let name = new
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| StorageError::invalid_request("body must have required property 'name'"))?;
    let id = new.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()).unwrap_or(name);
    // Leading or trailing spaces, `/`, and the reserved analytics suffix are invalid names.
    let valid = |n: &str| n.trim() == n && store::valid_bucket_name(n) && !n.ends_with("--table-s3");
    if !valid(name) || !valid(id) {
        return Err(StorageError::invalid_bucket_name());
    }
    if new.get("type").is_some_and(|t| t != "STANDARD") {
        return Err(StorageError::unimplemented("analytics buckets"));
    }
    let public = new.get("public").map_or(Ok(false), |p| {
        p.as_bool().ok_or_else(|| StorageError::invalid_request("body/public must be boolean"))
    })?;
    let limit = new.get("file_size_limit").map_or(Ok(None), buckets::size_limit)?;
    let mimes = new.get("allowed_mime_types").map_or(Ok(None), buckets::mime_types)?;
    if !caller.is_service() {
        return Err(StorageError::rls_denied());
    }
    let owner = caller.owner();
    let owner_uuid = owner.clone().filter(|o| uuid::Uuid::parse_str(o).is_ok());
    let client = app.pool.get().await.map_err(StorageError::internal)?;
    let sql = "insert into storage.buckets (id, name, owner, owner_id, public, allowed_mime_types, file_size_limit)
               values ($1, $2, $3::text::uuid, $4, $5, $6, $7) on conflict do nothing returning id";
    let params: [&(dyn ToSql + Sync); 7] = [&id, &name, &owner_uuid, &owner, &public, &mimes, &limit];
    if client.query(sql, &params).await.map_err(StorageError::internal)?.is_empty() {
        return Err(StorageError::bucket_exists());
    }
    Ok(Json(json!({ "name": name })).into_response())
}

/// Sets only what the body names (`null` clears a limit); at least one of `public`,
/// `file_size_limit`, `allowed_mime_types`.
async fn update(app: &App, id: &str, is_service: bool, body: &[u8]) -> Result<Response, StorageError> {
    let changes: Map<String, Value> = parse(body)?;
    if !["public", "file_size_limit", "allowed_mime_types"].iter().any(|k| changes.contains_key(*k)) {
        return Err(StorageError::invalid_request("body must have one of public, file_size_limit, allowed_mime_types"));
    }
    if !store::valid_bucket_name(id) {
        return Err(StorageError::invalid_bucket_name());
    }
    let public = match changes.get("public") {
        None => None,
        Some(p) => Some(p.as_bool().ok_or_else(|| StorageError::invalid_request("body/public must be boolean"))?),
    };
    let limit = changes.get("file_size_limit").map(buckets::size_limit).transpose()?;
    let mimes = changes.get("allowed_mime_types").map(buckets::mime_types).transpose()?;
    if !is_service {
        return Err(StorageError::no_such_bucket());
    }
    let client = app.pool.get().await.map_err(StorageError::internal)?;
    let sql = "update storage.buckets
                  set public = case when $2 then $3 else public end,
                      file_size_limit = case when $4 then $5 else file_size_limit end,
                      allowed_mime_types = case when $6 then $7 else allowed_mime_types end
                where id = $1";
    let params: [&(dyn ToSql + Sync); 7] =
        [&id, &public.is_some(), &public, &limit.is_some(), &limit.flatten(), &mimes.is_some(), &mimes.flatten()];
    if client.execute(sql, &params).await.map_err(StorageError::internal)? == 0 {
        return Err(StorageError::no_such_bucket());
    }
    Ok(Json(json!({ "message": "Successfully updated" })).into_response())
}

/// Only an empty bucket is deleted (`ResourceNotEmpty` otherwise), counted as Storage counts it:
/// any row of `storage.objects` in the bucket.
async fn delete(app: &App, id: &str, is_service: bool) -> Result<Response, StorageError> {
    buckets::find(app, id).await?;
    let mut client = app.pool.get().await.map_err(StorageError::internal)?;
    let sql = "select exists (select 1 from storage.objects where bucket_id = $1)";
    if client.query_one(sql, &[&id]).await.map_err(StorageError::internal)?.get::<_, bool>(0) {
        return Err(StorageError::bucket_not_empty());
    }
    if !is_service {
        return Err(StorageError::no_such_bucket());
    }
    let tx = catalog::deleting(&mut client).await?;
    if tx.execute("delete from storage.buckets where id = $1", &[&id]).await.map_err(StorageError::internal)? == 0 {
        return Err(StorageError::no_such_bucket());
    }
    tx.commit().await.map_err(StorageError::internal)?;
    Ok(Json(json!({ "message": "Successfully deleted" })).into_response())
}
