//! Supabase access: PostgREST through the `postgrest` crate, and the Storage client.

mod rest;
mod storage;

pub use rest::{Db, DbError, bytea, quote_filter_value};
pub use storage::{BUCKET_FILE_SIZE_LIMIT, Download, SignedUrl, Storage, StorageConfig, StorageError, StoredObject};
