//! Objects on a directory: bytes at `objects/{bucket}/{key}`, a JSON sidecar with the metadata
//! Storage keeps in `storage.objects` at `metadata/{bucket}/{key}.json`. The sidecar is the record:
//! an object exists when its sidecar does. Writes are serialised so create-or-refuse is exact.
//! Each write and delete is mirrored into `storage.objects` (see `catalog`), as Storage keeps it.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use deadpool_postgres::Pool;
use serde_json::Value;
use tokio::sync::Mutex;

use super::catalog;
use super::error::StorageError;
use super::meta::etag;
pub use super::meta::{Content, Meta, now_millis, rfc3339};

pub struct Store {
    root: PathBuf,
    /// The database whose `storage.objects` mirrors the sidecars.
    pool: Pool,
    writes: Mutex<()>,
}

impl Store {
    pub fn new(root: PathBuf, pool: Pool) -> Self {
        Self { root, pool, writes: Mutex::new(()) }
    }

    /// Where the bytes of `bucket/key` live on disk (tests look there).
    pub fn object_file(root: &Path, bucket: &str, key: &str) -> PathBuf {
        root.join("objects").join(bucket).join(key)
    }

    fn meta_file(&self, bucket: &str, key: &str) -> PathBuf {
        Self::sidecar(&self.root, bucket, key)
    }

    fn sidecar(root: &Path, bucket: &str, key: &str) -> PathBuf {
        root.join("metadata").join(bucket).join(format!("{key}.json"))
    }

    /// Moves an object's creation and update times `by_millis` into the past (tests of grace periods).
    pub fn backdate(root: &Path, bucket: &str, key: &str, by_millis: i64) -> std::io::Result<()> {
        let sidecar = Self::sidecar(root, bucket, key);
        let mut meta: Meta = serde_json::from_slice(&std::fs::read(&sidecar)?)?;
        meta.created_at -= by_millis;
        meta.updated_at -= by_millis;
        std::fs::write(&sidecar, serde_json::to_vec(&meta)?)
    }

    /// Every other method reaches the disk through this one, so no name can escape `root`.
    pub async fn meta(&self, bucket: &str, key: &str) -> Result<Option<Meta>, StorageError> {
        if !valid_bucket_name(bucket) {
            return Err(StorageError::invalid_bucket_name());
        }
        if !valid_key(key) {
            return Err(StorageError::invalid_key(key));
        }
        match tokio::fs::read(self.meta_file(bucket, key)).await {
            Ok(raw) => serde_json::from_slice(&raw).map(Some).map_err(StorageError::internal),
            Err(err) if is_missing(&err) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    pub async fn read(&self, bucket: &str, key: &str) -> Result<Option<(Meta, Bytes)>, StorageError> {
        let Some(meta) = self.meta(bucket, key).await? else { return Ok(None) };
        let bytes = tokio::fs::read(Self::object_file(&self.root, bucket, key)).await?;
        Ok(Some((meta, Bytes::from(bytes))))
    }

    /// Creates (or, with `upsert`, replaces) an object; an overwrite keeps the object's id.
    pub async fn write(&self, bucket: &str, key: &str, content: Content, upsert: bool) -> Result<Meta, StorageError> {
        let _serial = self.writes.lock().await;
        let existing = self.meta(bucket, key).await?;
        if existing.is_some() && !upsert {
            return Err(StorageError::key_exists());
        }
        let now = now_millis();
        let meta = Meta {
            id: existing.as_ref().map_or_else(|| uuid::Uuid::new_v4().to_string(), |m| m.id.clone()),
            etag: etag(&content.bytes),
            size: content.bytes.len() as u64,
            content_type: content.content_type,
            cache_control: content.cache_control,
            created_at: existing.as_ref().map_or(now, |m| m.created_at),
            updated_at: now,
            version: Some(uuid::Uuid::new_v4().to_string()),
            owner: content.owner,
            user_metadata: content.user_metadata,
        };
        self.put(bucket, key, &content.bytes, &meta).await?;
        catalog::record(&self.pool, bucket, key, &meta).await?;
        Ok(meta)
    }

    /// Copies an object's bytes and record (`copyObject` with `copyMetadata`); an overwritten
    /// destination keeps its id, as the upsert of its row does. The row as stored; `None` when
    /// the source is missing.
    /// `shape` sets what the copy does not take from the source (owner, edited metadata).
    pub async fn copy(
        &self,
        from: (&str, &str),
        to: (&str, &str),
        upsert: bool,
        shape: impl FnOnce(Meta) -> Meta,
    ) -> Result<Option<Value>, StorageError> {
        let Some((source, bytes)) = self.read(from.0, from.1).await? else { return Ok(None) };
        let _serial = self.writes.lock().await;
        let existing = self.meta(to.0, to.1).await?;
        if existing.is_some() && !upsert {
            return Err(StorageError::key_exists());
        }
        let now = now_millis();
        let meta = shape(Meta {
            id: existing.as_ref().map_or_else(|| uuid::Uuid::new_v4().to_string(), |m| m.id.clone()),
            created_at: existing.as_ref().map_or(now, |m| m.created_at),
            updated_at: now,
            version: Some(uuid::Uuid::new_v4().to_string()),
            ..source
        });
        self.put(to.0, to.1, &bytes, &meta).await?;
        catalog::record(&self.pool, to.0, to.1, &meta).await.map(Some)
    }

    /// Moves an object, keeping its id and giving it a new version (`moveObject`); refuses an
    /// existing destination. The moved record; `None` when the source is missing.
    pub async fn rename(
        &self,
        from: (&str, &str),
        to: (&str, &str),
        owner: Option<String>,
    ) -> Result<Option<Meta>, StorageError> {
        let _serial = self.writes.lock().await;
        let Some(source) = self.meta(from.0, from.1).await? else { return Ok(None) };
        if from == to {
            return Ok(Some(source));
        }
        if self.meta(to.0, to.1).await?.is_some() {
            return Err(StorageError::resource_exists());
        }
        let bytes = tokio::fs::read(Self::object_file(&self.root, from.0, from.1)).await?;
        let meta = Meta { version: Some(uuid::Uuid::new_v4().to_string()), owner, updated_at: now_millis(), ..source };
        self.put(to.0, to.1, &bytes, &meta).await?;
        catalog::rename(&self.pool, from, to, &meta).await?;
        self.remove_files(from.0, from.1).await?;
        Ok(Some(meta))
    }

    /// Removes an object; returns its row as it was (`RETURNING *`), `None` when there was none.
    pub async fn delete(&self, bucket: &str, key: &str) -> Result<Option<Value>, StorageError> {
        let _serial = self.writes.lock().await;
        let Some(meta) = self.meta(bucket, key).await? else { return Ok(None) };
        self.remove_files(bucket, key).await?;
        let row = catalog::forget(&self.pool, bucket, key).await?;
        Ok(Some(row.unwrap_or_else(|| meta.row(bucket, key))))
    }

    async fn remove_files(&self, bucket: &str, key: &str) -> Result<(), StorageError> {
        let meta_file = self.meta_file(bucket, key);
        tokio::fs::remove_file(&meta_file).await?;
        let object_file = Self::object_file(&self.root, bucket, key);
        tokio::fs::remove_file(&object_file).await?;
        prune(&meta_file, &self.root.join("metadata").join(bucket)).await;
        prune(&object_file, &self.root.join("objects").join(bucket)).await;
        Ok(())
    }

    /// Every object of `bucket` as `(name, meta)`, in name order.
    pub async fn all(&self, bucket: &str) -> Result<Vec<(String, Meta)>, StorageError> {
        if !valid_bucket_name(bucket) {
            return Err(StorageError::invalid_bucket_name());
        }
        let base = self.root.join("metadata").join(bucket);
        let mut found = Vec::new();
        let mut pending = vec![base.clone()];
        while let Some(dir) = pending.pop() {
            let mut entries = match tokio::fs::read_dir(&dir).await {
                Ok(entries) => entries,
                Err(err) if is_missing(&err) => continue,
                Err(err) => return Err(err.into()),
            };
            while let Some(entry) = entries.next_entry().await? {
                let path = entry.path();
                if entry.file_type().await?.is_dir() {
                    pending.push(path);
                } else if let Some(name) = object_name(&base, &path) {
                    let raw = tokio::fs::read(&path).await?;
                    found.push((name, serde_json::from_slice(&raw).map_err(StorageError::internal)?));
                }
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    /// Bytes first, then the sidecar, each through a temporary file and a rename: a crash leaves
    /// at worst orphan bytes, never a record without its bytes. The caller writes the row next.
    async fn put(&self, bucket: &str, key: &str, bytes: &[u8], meta: &Meta) -> Result<(), StorageError> {
        let sidecar = serde_json::to_vec(meta).map_err(StorageError::internal)?;
        replace(&Self::object_file(&self.root, bucket, key), bytes).await?;
        replace(&self.meta_file(bucket, key), &sidecar).await
    }
}

async fn replace(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let parent = path.parent().ok_or_else(|| StorageError::internal("an object path without a parent"))?;
    let written = async {
        tokio::fs::create_dir_all(parent).await?;
        let temporary = parent.join(format!(".upload-{}", uuid::Uuid::new_v4()));
        tokio::fs::write(&temporary, bytes).await?;
        tokio::fs::rename(&temporary, path).await
    };
    written.await.map_err(|err| match err.kind() {
        // Real Storage keys are flat strings; on a directory `a` and `a/b` cannot both be.
        std::io::ErrorKind::NotADirectory | std::io::ErrorKind::IsADirectory | std::io::ErrorKind::AlreadyExists => {
            StorageError::unimplemented("storing both an object and a folder of the same name")
        }
        _ => err.into(),
    })
}

/// Removes the now-empty folders between `file` and `stop`, as a folder in Storage exists only
/// through its objects.
async fn prune(file: &Path, stop: &Path) {
    let mut dir = file.parent();
    while let Some(current) = dir.filter(|d| d.starts_with(stop) && *d != stop) {
        if tokio::fs::remove_dir(current).await.is_err() {
            break;
        }
        dir = current.parent();
    }
}

fn object_name(base: &Path, sidecar: &Path) -> Option<String> {
    let relative = sidecar.strip_prefix(base).ok()?.to_str()?;
    relative.strip_suffix(".json").map(str::to_owned)
}

fn is_missing(err: &std::io::Error) -> bool {
    matches!(err.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory)
}

/// Storage's key rule (`storage/limits.ts`), plus what a directory needs: no empty, `.` or `..`
/// segment and no leading `/`, so no key can reach outside its bucket's folder.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || "_/!.*'() &$=@;:+,?-".contains(c))
        && key.split('/').all(|segment| !matches!(segment, "" | "." | ".."))
}

/// Storage's bucket-name rule: the key characters without `/`, shorter than 101, never `.`/`..`.
pub fn valid_bucket_name(name: &str) -> bool {
    name.len() < 101 && valid_key(name) && !name.contains('/')
}
