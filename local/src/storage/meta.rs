//! What Storage records about one object: the `storage.objects` row's identity, owner, version,
//! times, its `metadata` (eTag, size, mimetype, …) and the caller's own `user_metadata`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One object's record (kept in its sidecar, mirrored into `storage.objects`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Meta {
    pub id: String,
    pub content_type: String,
    pub cache_control: String,
    /// Quoted, like S3's: the MD5 of the bytes.
    pub etag: String,
    pub size: u64,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// A new uuid on every write, as Storage versions each upload (absent in older sidecars).
    #[serde(default)]
    pub version: Option<String>,
    /// The writer's JWT `sub` (`owner_id`; also `owner` when it is a uuid).
    #[serde(default)]
    pub owner: Option<String>,
    /// The JSON the uploader sent in `x-metadata` (or the form's `metadata` field).
    #[serde(default)]
    pub user_metadata: Option<Value>,
}

impl Meta {
    /// The `metadata` object Storage returns in lists and deletes.
    pub fn json(&self) -> Value {
        json!({
            "eTag": self.etag, "size": self.size, "mimetype": self.content_type,
            "cacheControl": self.cache_control, "lastModified": rfc3339(self.updated_at),
            "contentLength": self.size, "httpStatusCode": 200,
        })
    }

    /// `owner` is a uuid column: Storage stores a non-uuid `sub` in `owner_id` only.
    pub fn owner_uuid(&self) -> Option<String> {
        self.owner.clone().filter(|o| uuid::Uuid::parse_str(o).is_ok())
    }

    /// A `storage.objects` row as Storage renders it (`RETURNING *`), for when the row is gone.
    pub fn row(&self, bucket: &str, name: &str) -> Value {
        json!({
            "name": name, "bucket_id": bucket, "id": self.id, "owner": self.owner_uuid(),
            "owner_id": self.owner, "version": self.version, "metadata": self.json(),
            "user_metadata": self.user_metadata, "created_at": rfc3339(self.created_at),
            "updated_at": rfc3339(self.updated_at), "last_accessed_at": rfc3339(self.updated_at),
        })
    }

    /// `GET /object/info/…` (storage `renderer/info.ts`): the record, with `metadata` being the
    /// user's own.
    pub fn info(&self, bucket: &str, name: &str) -> Value {
        json!({
            "id": self.id, "name": name, "version": self.version, "bucket_id": bucket,
            "size": self.size, "content_type": self.content_type, "cache_control": self.cache_control,
            "etag": self.etag, "metadata": self.user_metadata, "last_modified": rfc3339(self.updated_at),
            "created_at": rfc3339(self.created_at),
        })
    }
}

/// How a new object's content is described on upload.
pub struct Content {
    pub bytes: bytes::Bytes,
    pub content_type: String,
    pub cache_control: String,
    pub owner: Option<String>,
    pub user_metadata: Option<Value>,
}

pub fn etag(bytes: &[u8]) -> String {
    use md5::Digest;
    let digest = md5::Md5::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

pub fn now_millis() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// ISO 8601 in UTC with milliseconds, as Storage's JSON renders timestamps.
pub fn rfc3339(millis: i64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000) else {
        return String::new();
    };
    let (date, clock) = (at.date(), at.time());
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        date.year(),
        u8::from(date.month()),
        date.day(),
        clock.hour(),
        clock.minute(),
        clock.second(),
        clock.millisecond()
    )
}
