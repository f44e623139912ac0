//! `POST /object/copy` and `POST /object/move` (storage `copyObject.ts`, `moveObject.ts`,
//! `ObjectStorage.copyObject` / `moveObject`): the source must be visible to the caller, the
//! destination key valid and its bucket existing.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http::{HeaderMap, Method};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::StorageError;
use super::objects::json_call;
use super::{App, auth, buckets, store};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Transfer {
    bucket_id: String,
    source_key: String,
    destination_bucket: Option<String>,
    destination_key: String,
    /// Copy only: `false` takes `metadata` (`cacheControl`, `mimetype`) and `x-metadata` instead
    /// of the source's.
    copy_metadata: Option<bool>,
    metadata: Option<FileMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileMetadata {
    cache_control: Option<String>,
    mimetype: Option<String>,
}

impl Transfer {
    fn destination_bucket(&self) -> &str {
        self.destination_bucket.as_deref().unwrap_or(&self.bucket_id)
    }

    /// The checks both routes make before touching anything.
    async fn check(&self, app: &App, caller: &auth::Caller) -> Result<(), StorageError> {
        if !store::valid_bucket_name(&self.bucket_id) {
            return Err(StorageError::invalid_bucket_name());
        }
        if !store::valid_key(&self.destination_key) {
            return Err(StorageError::invalid_key(&self.destination_key));
        }
        // Without policies on storage.objects only service_role finds the source.
        if !caller.is_service() || app.store.meta(&self.bucket_id, &self.source_key).await?.is_none() {
            return Err(StorageError::no_such_key());
        }
        Ok(())
    }
}

/// Answers `{Id, Key: "{bucket}/{key}", …the new row}`; an existing destination needs `x-upsert`.
pub async fn copy(State(app): State<Arc<App>>, method: Method, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let (caller, request): (_, Transfer) =
            json_call(&app, &method, (Method::POST, "/object/copy"), &headers, &body)?;
        request.check(&app, &caller).await?;
        let to_bucket = request.destination_bucket();
        buckets::find(&app, to_bucket).await?;
        let upsert = headers.get("x-upsert").is_some_and(|v| v == "true");
        let user_metadata = headers
            .get("x-metadata")
            .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v.as_bytes()).ok())
            .and_then(|raw| serde_json::from_slice::<Value>(&raw).ok());
        let keep = request.copy_metadata.unwrap_or(true);
        let owner = caller.owner();
        let from = (request.bucket_id.as_str(), request.source_key.as_str());
        let to = (to_bucket, request.destination_key.as_str());
        let row = app.store.copy(from, to, upsert, |mut meta| {
            meta.owner = owner;
            if !keep {
                meta.user_metadata = user_metadata;
                if let Some(given) = &request.metadata {
                    meta.cache_control = given.cache_control.clone().unwrap_or(meta.cache_control);
                    meta.content_type = given.mimetype.clone().unwrap_or(meta.content_type);
                }
            }
            meta
        });
        let mut answer = row.await?.ok_or_else(StorageError::no_such_key)?;
        answer["Id"] = answer["id"].clone();
        answer["Key"] = json!(format!("{to_bucket}/{}", request.destination_key));
        Ok::<_, StorageError>(Json(answer).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// Renames the object, keeping its id; an existing destination is a `ResourceAlreadyExists`
/// (the unique index on `(bucket_id, name)`). Answers `{message, Id, Key: "{key}"}`.
pub async fn r#move(State(app): State<Arc<App>>, method: Method, headers: HeaderMap, body: Bytes) -> Response {
    let result = async {
        let (caller, request): (_, Transfer) =
            json_call(&app, &method, (Method::POST, "/object/move"), &headers, &body)?;
        request.check(&app, &caller).await?;
        let to_bucket = request.destination_bucket();
        if to_bucket != request.bucket_id && buckets::find(&app, to_bucket).await.is_err() {
            return Err(StorageError::related_not_found());
        }
        let from = (request.bucket_id.as_str(), request.source_key.as_str());
        let to = (to_bucket, request.destination_key.as_str());
        let moved = app.store.rename(from, to, caller.owner()).await?.ok_or_else(StorageError::no_such_key)?;
        let answer = json!({ "message": "Successfully moved", "Id": moved.id, "Key": request.destination_key });
        Ok(Json(answer).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}
