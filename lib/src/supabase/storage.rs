//! `Storage`: Supabase Storage (`{SUPABASE_URL}/storage/v1`) with the service-role key, a deadline
//! on every call, and the server's error body turned into a typed [`StorageError`].
//!
//! Object paths are percent-encoded segment by segment, so a key's own characters (`?`, `#`, space)
//! never change the URL's meaning while its `/` still separate folders.

mod config;
mod error;

use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::config::{Config, Secret};

pub use config::StorageConfig;
pub use error::{BUCKET_FILE_SIZE_LIMIT, StorageError};

/// The server accepts at most this many names in one delete or one batch signing.
const BATCH_LIMIT: usize = 1000;

/// Everything but RFC 3986 unreserved characters is escaped inside a segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// An object as Storage names it after an upload or a copy.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct StoredObject {
    #[serde(rename = "Id")]
    pub id: String,
    /// `{bucket}/{path}`.
    #[serde(rename = "Key")]
    pub key: String,
}

/// One path of a batch signing: its absolute URL, or why Storage would not sign it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedUrl {
    pub path: String,
    pub url: Result<String, String>,
}

/// A downloaded object.
#[derive(Clone, Debug)]
pub struct Download {
    pub bytes: Bytes,
    pub content_type: String,
}

/// Cheap to clone (the HTTP client is shared): a streamed export keeps its own copy while it runs.
#[derive(Clone)]
pub struct Storage {
    http: reqwest::Client,
    /// `{SUPABASE_URL}/storage/v1`, no trailing slash.
    base: String,
    key: Secret,
    timeout: Duration,
    bucket: String,
    public_bucket: String,
}

impl Storage {
    pub fn new(config: &Config, http: reqwest::Client) -> Self {
        let base = format!("{}/storage/v1", config.supabase_url.as_str().trim_end_matches('/'));
        Self {
            http,
            base,
            key: config.supabase_service_key.clone(),
            timeout: config.storage.timeout,
            bucket: config.storage.bucket.clone(),
            public_bucket: config.storage.public_bucket.clone(),
        }
    }

    /// The private bucket of originals and derivatives.
    pub fn private_bucket(&self) -> &str {
        &self.bucket
    }

    /// The public bucket of published copies.
    pub fn public_bucket(&self) -> &str {
        &self.public_bucket
    }

    /// Stores `bytes` at `path`; without `upsert` an existing object is [`StorageError::AlreadyExists`].
    pub async fn upload(
        &self,
        bucket: &str,
        path: &str,
        bytes: impl Into<Bytes>,
        content_type: &str,
        cache_control: &str,
        upsert: bool,
    ) -> Result<StoredObject, StorageError> {
        let request = self
            .request(reqwest::Method::POST, &format!("/object/{}", object_path(bucket, path)?))
            .header("content-type", content_type)
            .header("cache-control", cache_control)
            .header("x-upsert", if upsert { "true" } else { "false" })
            .body(bytes.into());
        self.json(request).await
    }

    /// Deletes the objects named in `paths` (exact names), in batches of the server's limit; returns
    /// the names that existed and are now gone.
    pub async fn delete(&self, bucket: &str, paths: &[impl AsRef<str>]) -> Result<Vec<String>, StorageError> {
        #[derive(Deserialize)]
        struct Deleted {
            name: String,
        }
        let mut deleted = Vec::new();
        for chunk in paths.chunks(BATCH_LIMIT) {
            let prefixes: Vec<&str> = chunk.iter().map(AsRef::as_ref).collect();
            let request = self
                .request(reqwest::Method::DELETE, &format!("/object/{}", segment(bucket)))
                .json(&json!({ "prefixes": prefixes }));
            let rows: Vec<Deleted> = self.json(request).await?;
            deleted.extend(rows.into_iter().map(|row| row.name));
        }
        Ok(deleted)
    }

    /// Signed download URLs for `paths`, valid for `expires_in`, in the order given. A path Storage
    /// would not sign (missing object) keeps its reason, so one bad path does not fail a gallery page.
    pub async fn sign(
        &self,
        bucket: &str,
        paths: &[impl AsRef<str>],
        expires_in: Duration,
    ) -> Result<Vec<SignedUrl>, StorageError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Signed {
            path: String,
            #[serde(rename = "signedURL")]
            signed_url: Option<String>,
            error: Option<String>,
        }
        // Storage refuses 0: a URL that is already expired is never what a caller means.
        let expires_in = expires_in.as_secs().max(1);
        let mut signed = Vec::with_capacity(paths.len());
        for chunk in paths.chunks(BATCH_LIMIT) {
            let chunk: Vec<&str> = chunk.iter().map(AsRef::as_ref).collect();
            let request = self
                .request(reqwest::Method::POST, &format!("/object/sign/{}", segment(bucket)))
                .json(&json!({ "expiresIn": expires_in, "paths": chunk }));
            let rows: Vec<Signed> = self.json(request).await?;
            signed.extend(rows.into_iter().map(|row| {
                let url = match (row.signed_url, row.error) {
                    (Some(relative), _) => Ok(self.absolute_signed_url(&relative)),
                    (None, error) => Err(error.unwrap_or_else(|| "not signed".to_owned())),
                };
                SignedUrl { path: row.path, url }
            }));
        }
        Ok(signed)
    }

    /// Copies an object, possibly into another bucket (publishing copies into the public bucket).
    /// With `cache_control` the copy is served with that `Cache-Control` instead of the source's
    /// (storage-js `copy` with `copyMetadata: false` and `metadata.cacheControl`, the full header).
    pub async fn copy(
        &self,
        from_bucket: &str,
        from_path: &str,
        to_bucket: &str,
        to_path: &str,
        upsert: bool,
        cache_control: Option<&str>,
    ) -> Result<StoredObject, StorageError> {
        let mut body = json!({
            "bucketId": from_bucket,
            "sourceKey": from_path,
            "destinationBucket": to_bucket,
            "destinationKey": to_path,
        });
        if let Some(cache_control) = cache_control {
            body["copyMetadata"] = json!(false);
            body["metadata"] = json!({ "cacheControl": cache_control });
        }
        let request = self
            .request(reqwest::Method::POST, "/object/copy")
            .header("x-upsert", if upsert { "true" } else { "false" })
            .json(&body);
        self.json(request).await
    }

    /// The stable URL of an object in a public bucket (no request made; the object may not exist).
    pub fn public_url(&self, bucket: &str, path: &str) -> String {
        let segments: Vec<String> = path.trim_matches('/').split('/').map(segment).collect();
        format!("{}/object/public/{}/{}", self.base, segment(bucket), segments.join("/"))
    }

    /// The object's bytes and stored content type.
    pub async fn download(&self, bucket: &str, path: &str) -> Result<Download, StorageError> {
        let request = self.request(reqwest::Method::GET, &format!("/object/{}", object_path(bucket, path)?));
        let response = self.send(request).await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = response.bytes().await.map_err(StorageError::transport)?;
        Ok(Download { bytes, content_type })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let key = self.key.expose();
        // Same credentials as PostgREST (`rest.rs`): the gateway reads `apikey`, Storage the bearer.
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("apikey", key)
            .header("authorization", format!("Bearer {key}"))
            .timeout(self.timeout)
    }

    /// Sends `request`; a non-2xx answer becomes the typed error its body describes.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, StorageError> {
        let response = request.send().await.map_err(StorageError::transport)?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let text = response.text().await.map_err(StorageError::transport)?;
        Err(StorageError::from_response(status, &text))
    }

    async fn json<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, StorageError> {
        let text = self.send(request).await?.text().await.map_err(StorageError::transport)?;
        serde_json::from_str(&text).map_err(|e| StorageError::Decode(e.to_string()))
    }

    /// storage-js style: the server's `/object/sign/{bucket}/{path}?token=…` made absolute, with
    /// the raw path it returns encoded like every other path this client sends.
    fn absolute_signed_url(&self, relative: &str) -> String {
        // The last `?`: the raw path may hold one, the JWT never does.
        let (path, query) = relative.rsplit_once('?').map_or((relative, None), |(p, q)| (p, Some(q)));
        let encoded: Vec<String> = path.split('/').map(segment).collect();
        match query {
            Some(query) => format!("{}{}?{query}", self.base, encoded.join("/")),
            None => format!("{}{}", self.base, encoded.join("/")),
        }
    }
}

fn segment(raw: &str) -> String {
    utf8_percent_encode(raw, SEGMENT).to_string()
}

/// `{bucket}/{path}` with every segment encoded; storage-js's leading/trailing `/` cleanup applies.
/// A `.` or `..` segment is refused here: URL parsing would resolve it (even percent-encoded) and
/// send the request for another object.
fn object_path(bucket: &str, path: &str) -> Result<String, StorageError> {
    let path = path.trim_matches('/');
    if path.split('/').any(|s| matches!(s, "" | "." | "..")) {
        let message = format!("Invalid key: {path}");
        return Err(StorageError::InvalidRequest { code: "InvalidKey".into(), message });
    }
    let segments: Vec<String> = path.split('/').map(segment).collect();
    Ok(format!("{}/{}", segment(bucket), segments.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_each_path_segment_and_keeps_slashes() {
        assert_eq!(object_path("images", "/u 1/a?b#c.png").unwrap(), "images/u%201/a%3Fb%23c.png");
        assert_eq!(object_path("public-images", "x/w300.webp").unwrap(), "public-images/x/w300.webp");
    }

    #[test]
    fn refuses_paths_that_url_parsing_would_resolve_elsewhere() {
        for path in ["a/../b", "./a", "a//b", ""] {
            assert!(matches!(object_path("images", path), Err(StorageError::InvalidRequest { .. })), "{path:?}");
        }
    }
}
