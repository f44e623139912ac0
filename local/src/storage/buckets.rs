//! Buckets live where Supabase keeps them, in `storage.buckets` (the project's migrations insert
//! `images` and `public-images`), read per request; `POST /bucket`, `GET /bucket[/{id}]`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method};
use serde::Deserialize;
use serde_json::Value;

use super::error::StorageError;
use super::{App, auth, store};

/// The project-wide upload limit (Free plan: 50 MB); a bucket's own limit can only lower it.
pub const GLOBAL_FILE_SIZE_LIMIT: u64 = 50 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct Bucket {
    pub public: Option<bool>,
    pub file_size_limit: Option<i64>,
    pub allowed_mime_types: Option<Vec<String>>,
}

impl Bucket {
    pub fn is_public(&self) -> bool {
        self.public == Some(true)
    }

    /// The largest object this bucket accepts.
    pub fn size_limit(&self) -> u64 {
        let own = self.file_size_limit.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0);
        own.map_or(GLOBAL_FILE_SIZE_LIMIT, |n| n.min(GLOBAL_FILE_SIZE_LIMIT))
    }

    /// `allowed_mime_types` entries match exactly or as `type/*` (`storage/uploader.ts`).
    pub fn check_mime(&self, mime: &str) -> Result<(), StorageError> {
        let Some(allowed) = self.allowed_mime_types.as_ref().filter(|list| !list.is_empty()) else { return Ok(()) };
        let essence = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let wildcard = format!("{}/*", essence.split('/').next().unwrap_or_default());
        if allowed.iter().any(|a| a.eq_ignore_ascii_case(&essence) || a.eq_ignore_ascii_case(&wildcard)) {
            Ok(())
        } else {
            Err(StorageError::invalid_mime(&essence))
        }
    }
}

/// The bucket `id`, or `NoSuchBucket`.
pub async fn find(app: &App, id: &str) -> Result<Bucket, StorageError> {
    let row = row(app, id).await?.ok_or_else(StorageError::no_such_bucket)?;
    serde_json::from_value(row).map_err(StorageError::internal)
}

/// The `storage.buckets` row `id` as Storage renders it.
async fn row(app: &App, id: &str) -> Result<Option<Value>, StorageError> {
    let client = app.pool.get().await.map_err(StorageError::internal)?;
    let sql = "select to_jsonb(b) from storage.buckets b where b.id = $1";
    let row = client.query_opt(sql, &[&id]).await.map_err(StorageError::internal)?;
    Ok(row.map(|row| row.get(0)))
}

async fn list(app: &App) -> Result<Response, StorageError> {
    let client = app.pool.get().await.map_err(StorageError::internal)?;
    let sql = "select coalesce(jsonb_agg(to_jsonb(b) order by b.name), '[]') from storage.buckets b";
    let row = client.query_one(sql, &[]).await.map_err(StorageError::internal)?;
    Ok(Json(row.get::<_, Value>(0)).into_response())
}

/// `GET /bucket` lists, `POST /bucket` creates.
pub async fn collection(State(app): State<Arc<App>>, method: Method, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let caller = auth::require(&headers, &app.jwt_secret)?;
        // No policies on storage.buckets: other roles see none and create none.
        match method {
            Method::GET if caller.is_service() => list(&app).await,
            Method::GET => Ok(Json(Value::Array(Vec::new())).into_response()),
            Method::POST if caller.is_service() => create(&app, &body).await,
            Method::POST => Err(StorageError::rls_denied()),
            other => Err(StorageError::unimplemented(format!("{other} /bucket"))),
        }
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /bucket/{id}`.
pub async fn one(State(app): State<Arc<App>>, method: Method, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let result = async {
        let caller = auth::require(&headers, &app.jwt_secret)?;
        if method != Method::GET {
            return Err(StorageError::unimplemented(format!("{method} /bucket/{{id}}")));
        }
        if !caller.is_service() {
            return Err(StorageError::no_such_bucket());
        }
        let bucket = row(&app, &id).await?.ok_or_else(StorageError::no_such_bucket)?;
        Ok(Json(bucket).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
struct NewBucket {
    name: String,
    id: Option<String>,
    #[serde(default)]
    public: bool,
    file_size_limit: Option<Value>,
    allowed_mime_types: Option<Vec<String>>,
}

async fn create(app: &App, body: &[u8]) -> Result<Response, StorageError> {
    let new: NewBucket = serde_json::from_slice(body)
        .map_err(|e| StorageError::invalid_request(format!("body must be a bucket: {e}")))?;
    let id = new.id.clone().unwrap_or_else(|| new.name.clone());
    if !store::valid_bucket_name(&new.name) || !store::valid_bucket_name(&id) {
        return Err(StorageError::invalid_bucket_name());
    }
    let limit = new.file_size_limit.as_ref().map(size_limit).transpose()?;
    let client = app.pool.get().await.map_err(StorageError::internal)?;
    let inserted = client
        .query(
            "insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
             values ($1, $2, $3, $4, $5) on conflict do nothing returning id",
            &[&id, &new.name, &new.public, &limit, &new.allowed_mime_types],
        )
        .await
        .map_err(StorageError::internal)?;
    if inserted.is_empty() {
        return Err(StorageError::bucket_exists());
    }
    Ok(Json(serde_json::json!({ "name": new.name })).into_response())
}

/// `file_size_limit`: bytes as a number, or a string like `5MB` (`^\d+(\.\d+)?(GB|MB|KB|B)$`,
/// decimal units, rounded: storage `parseFileSizeToBytes`).
fn size_limit(value: &Value) -> Result<i64, StorageError> {
    let invalid = || StorageError::invalid_request("file_size_limit must be a number of bytes or like \"5MB\"");
    if let Some(n) = value.as_i64() {
        return Ok(n);
    }
    let text = value.as_str().ok_or_else(invalid)?.to_ascii_uppercase();
    let split = text.find(|c: char| c.is_ascii_alphabetic()).ok_or_else(invalid)?;
    let (number, unit) = text.split_at(split);
    let factor = match unit {
        "GB" => 1e9,
        "MB" => 1e6,
        "KB" => 1e3,
        "B" => 1.0,
        _ => return Err(invalid()),
    };
    if !number.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(invalid());
    }
    let number: f64 = number.parse().map_err(|_| invalid())?;
    Ok((number * factor).round() as i64)
}
