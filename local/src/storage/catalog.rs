//! The `storage.objects` rows Supabase Storage keeps for every object, written as Storage's own
//! server writes them (`bucket_id, name, owner, owner_id, metadata, version, user_metadata`,
//! upsert on `(name, bucket_id)`) and read back through columns every Storage schema version has.
//! The sidecar stays the record of what is on disk; a row is written after it and removed after
//! the bytes are gone.

use deadpool_postgres::Pool;
use serde_json::Value;
use tokio_postgres::types::ToSql;

use super::error::StorageError;
use super::meta::Meta;

/// A row as Storage's `RETURNING *` renders it, limited to the columns of every schema version.
const ROW: &str = "jsonb_build_object(
    'id', o.id, 'bucket_id', o.bucket_id, 'name', o.name, 'owner', o.owner, 'owner_id', o.owner_id,
    'version', o.version, 'metadata', o.metadata, 'user_metadata', o.user_metadata,
    'created_at', to_char(o.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
    'updated_at', to_char(o.updated_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
    'last_accessed_at', to_char(o.last_accessed_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))";

/// Inserts or replaces the row of `bucket/name` (`upsertObject`); the row as stored.
pub(super) async fn record(pool: &Pool, bucket: &str, name: &str, meta: &Meta) -> Result<Value, StorageError> {
    let client = pool.get().await.map_err(StorageError::internal)?;
    // The id and times are the sidecar's, so the two records agree to the millisecond.
    let sql = format!(
        "insert into storage.objects as o
                (id, bucket_id, name, owner, owner_id, metadata, version, user_metadata,
                 created_at, updated_at, last_accessed_at)
         values ($1::text::uuid, $2, $3, $4::text::uuid, $5, $6, $7, $8,
                 to_timestamp($9::bigint / 1000.0), to_timestamp($10::bigint / 1000.0),
                 to_timestamp($10::bigint / 1000.0))
         on conflict (bucket_id, name) do update
            set owner = excluded.owner, owner_id = excluded.owner_id, metadata = excluded.metadata,
                version = excluded.version, user_metadata = excluded.user_metadata,
                updated_at = excluded.updated_at, last_accessed_at = excluded.last_accessed_at
         returning {ROW}"
    );
    let params: [&(dyn ToSql + Sync); 10] = [
        &meta.id,
        &bucket,
        &name,
        &meta.owner_uuid(),
        &meta.owner,
        &meta.json(),
        &meta.version,
        &meta.user_metadata,
        &meta.created_at,
        &meta.updated_at,
    ];
    let row = client.query_one(&sql, &params).await.map_err(StorageError::internal)?;
    Ok(row.get(0))
}

/// Deletes the row of `bucket/name`; the row as it was (`RETURNING *`), `None` when there was none.
pub(super) async fn forget(pool: &Pool, bucket: &str, name: &str) -> Result<Option<Value>, StorageError> {
    let mut client = pool.get().await.map_err(StorageError::internal)?;
    let tx = deleting(&mut client).await?;
    let sql = format!("delete from storage.objects o where o.bucket_id = $1 and o.name = $2 returning {ROW}");
    let row = tx.query_opt(&sql, &[&bucket, &name]).await.map_err(StorageError::internal)?;
    tx.commit().await.map_err(StorageError::internal)?;
    Ok(row.map(|row| row.get(0)))
}

/// A transaction that may delete rows of `storage.buckets` and `storage.objects`: Storage's trigger
/// refuses such deletes unless the transaction declares itself Storage's own, as Storage does
/// (`storage.allow_delete_query`).
pub(super) async fn deleting(
    client: &mut deadpool_postgres::Object,
) -> Result<deadpool_postgres::Transaction<'_>, StorageError> {
    let tx = client.transaction().await.map_err(StorageError::internal)?;
    tx.execute("select set_config('storage.allow_delete_query', 'true', true)", &[])
        .await
        .map_err(StorageError::internal)?;
    Ok(tx)
}

/// Moves the row of `from` to `to` keeping its id (`moveObject` updates the row in place).
pub(super) async fn rename(pool: &Pool, from: (&str, &str), to: (&str, &str), meta: &Meta) -> Result<(), StorageError> {
    let client = pool.get().await.map_err(StorageError::internal)?;
    let sql = "update storage.objects
                  set bucket_id = $3, name = $4, version = $5, owner = $6::text::uuid, owner_id = $7,
                      metadata = $8, updated_at = to_timestamp($9::bigint / 1000.0)
                where bucket_id = $1 and name = $2";
    let params: [&(dyn ToSql + Sync); 9] = [
        &from.0,
        &from.1,
        &to.0,
        &to.1,
        &meta.version,
        &meta.owner_uuid(),
        &meta.owner,
        &meta.json(),
        &meta.updated_at,
    ];
    match client.execute(sql, &params).await {
        Ok(1) => Ok(()),
        Ok(_) => Err(StorageError::internal(format!("{}/{} has no storage.objects row", from.0, from.1))),
        // The unique (bucket_id, name) index, as on Storage: ResourceAlreadyExists.
        Err(err) if err.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
            Err(StorageError::resource_exists())
        }
        Err(err) => Err(StorageError::internal(err)),
    }
}

/// Moves the row's creation and update times `by_millis` into the past, as `Store::backdate` does
/// the sidecar's. Needs a superuser pool: Storage's trigger would stamp `updated_at` with now(), so
/// triggers are held off for this transaction (`session_replication_role`).
pub(super) async fn backdate(pool: &Pool, bucket: &str, name: &str, by_millis: i64) -> Result<(), StorageError> {
    let mut client = pool.get().await.map_err(StorageError::internal)?;
    let client = client.transaction().await.map_err(StorageError::internal)?;
    client.batch_execute("set local session_replication_role = replica").await.map_err(StorageError::internal)?;
    let sql = "update storage.objects
                  set created_at = created_at - make_interval(secs => $3::bigint / 1000.0),
                      updated_at = updated_at - make_interval(secs => $3::bigint / 1000.0)
                where bucket_id = $1 and name = $2";
    match client.execute(sql, &[&bucket, &name, &by_millis]).await.map_err(StorageError::internal)? {
        1 => client.commit().await.map_err(StorageError::internal),
        _ => Err(StorageError::internal(format!("{bucket}/{name} has no storage.objects row"))),
    }
}
