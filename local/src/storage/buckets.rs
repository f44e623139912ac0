//! Buckets live where Supabase keeps them, in `storage.buckets` (the project's migrations insert
//! `images` and `public-images`), read per request: a bucket's row, its size and MIME limits,
//! and the parsing of those limits on create and update (routes in `bucket_routes`).

use serde::Deserialize;
use serde_json::Value;

use super::App;
use super::error::StorageError;

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

    /// `allowed_mime_types` entries match as `type/*` or exactly, case and parameters included:
    /// `text/plain;charset=UTF-8` is not `text/plain` (storage `uploader.ts validateMimeType`).
    pub fn check_mime(&self, mime: &str) -> Result<(), StorageError> {
        let Some(allowed) = self.allowed_mime_types.as_ref().filter(|list| !list.is_empty()) else { return Ok(()) };
        let mut requested = mime.split('/');
        let (Some(kind), Some(sub)) = (requested.next(), requested.next()) else {
            return Err(StorageError::invalid_mime(mime));
        };
        let matches = allowed.iter().any(|entry| {
            let mut parts = entry.split('/');
            parts.next() == Some(kind) && parts.next().is_some_and(|s| s == "*" || s == sub)
        });
        if matches { Ok(()) } else { Err(StorageError::invalid_mime(mime)) }
    }
}

/// The bucket `id`, or `NoSuchBucket`.
pub async fn find(app: &App, id: &str) -> Result<Bucket, StorageError> {
    let row = row(app, id).await?.ok_or_else(StorageError::no_such_bucket)?;
    serde_json::from_value(row).map_err(StorageError::internal)
}

/// Renders a `storage.buckets` row `b` as Storage's bucket routes do (the columns every Storage
/// schema version has; times in ISO 8601 UTC).
pub const BUCKET: &str = "jsonb_build_object(
    'id', b.id, 'name', b.name, 'owner', b.owner, 'public', b.public,
    'file_size_limit', b.file_size_limit, 'allowed_mime_types', b.allowed_mime_types,
    'created_at', to_char(b.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
    'updated_at', to_char(b.updated_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))";

/// The `storage.buckets` row `id` as Storage renders it.
pub async fn row(app: &App, id: &str) -> Result<Option<Value>, StorageError> {
    let client = app.pool.get().await.map_err(StorageError::internal)?;
    let sql = format!("select {BUCKET} from storage.buckets b where b.id = $1");
    let row = client.query_opt(&sql, &[&id]).await.map_err(StorageError::internal)?;
    Ok(row.map(|row| row.get(0)))
}

/// `file_size_limit`: bytes as a whole number, or a string like `5MB`
/// (`^[0-9]+(\.[0-9]+)?(GB|MB|KB|B)$`, case-insensitive, decimal units, rounded:
/// storage `parseFileSizeToBytes`); never above the project-wide limit (`parseMaxSizeLimit`).
pub fn size_limit(value: &Value) -> Result<Option<i64>, StorageError> {
    let invalid = StorageError::invalid_file_size_limit;
    let bytes = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_i64().filter(|n| *n >= 0).ok_or_else(invalid)?,
        Value::String(text) => {
            let text = text.to_ascii_uppercase();
            let split = text.find(|c: char| c.is_ascii_alphabetic()).ok_or_else(invalid)?;
            let (number, unit) = text.split_at(split);
            let factor = match unit {
                "GB" => 1e9,
                "MB" => 1e6,
                "KB" => 1e3,
                "B" => 1.0,
                _ => return Err(invalid()),
            };
            let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
            let well_formed = match number.split_once('.') {
                Some((whole, fraction)) => digits(whole) && digits(fraction),
                None => digits(number),
            };
            let number: f64 = number.parse().ok().filter(|_| well_formed).ok_or_else(invalid)?;
            (number * factor).round() as i64
        }
        _ => return Err(invalid()),
    };
    if u64::try_from(bytes).is_ok_and(|b| b > GLOBAL_FILE_SIZE_LIMIT) {
        return Err(StorageError::too_large());
    }
    Ok(Some(bytes))
}

/// `allowed_mime_types` entries (`Storage.validateMimeType`): `type/subtype` with an optional
/// charset, or anything ending in `*`; empty entries are dropped, as the routes do.
pub fn mime_types(value: &Value) -> Result<Option<Vec<String>>, StorageError> {
    let Some(list) = value.as_array() else {
        return match value {
            Value::Null => Ok(None),
            _ => Err(StorageError::invalid_request("body/allowed_mime_types must be array")),
        };
    };
    let mut types = Vec::new();
    for entry in list {
        let text =
            entry.as_str().ok_or_else(|| StorageError::invalid_request("body/allowed_mime_types must be strings"))?;
        if text.is_empty() {
            continue;
        }
        if text.len() > 1000 || !(text.ends_with('*') || valid_mime(text)) {
            return Err(StorageError::invalid_mime(text));
        }
        types.push(text.to_owned());
    }
    Ok(Some(types))
}

fn valid_mime(text: &str) -> bool {
    let token = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-+.".contains(c));
    let (essence, charset) = match text.split_once(';') {
        Some((essence, rest)) => (essence, Some(rest.trim_start())),
        None => (text, None),
    };
    let charset_ok = charset.is_none_or(|c| {
        c.strip_prefix("charset=")
            .is_some_and(|v| !v.is_empty() && v.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-'))
    });
    essence.split_once('/').is_some_and(|(kind, sub)| token(kind) && token(sub)) && charset_ok
}
