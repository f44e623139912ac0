//! The `storage.objects` rows Supabase Storage keeps for every object, mirrored from the sidecars:
//! what the database sees of the stored objects, e.g. the sizes a report sums against the plan.
//! The sidecar stays the record; a row is written after it and removed after the bytes are gone.

use deadpool_postgres::Pool;

use super::error::StorageError;
use super::store::Meta;

pub(super) async fn record(pool: &Pool, bucket: &str, name: &str, meta: &Meta) -> Result<(), StorageError> {
    let client = pool.get().await.map_err(StorageError::internal)?;
    let sql = "insert into storage.objects (id, bucket_id, name, metadata, created_at, updated_at, last_accessed_at)
               values ($1::text::uuid, $2, $3, $4, to_timestamp($5::bigint / 1000.0),
                       to_timestamp($6::bigint / 1000.0), to_timestamp($6::bigint / 1000.0))
               on conflict (bucket_id, name) do update
                  set id = excluded.id, metadata = excluded.metadata, updated_at = excluded.updated_at,
                      last_accessed_at = excluded.last_accessed_at";
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] =
        [&meta.id, &bucket, &name, &meta.json(), &meta.created_at, &meta.updated_at];
    client.execute(sql, &params).await.map_err(StorageError::internal)?;
    Ok(())
}

pub(super) async fn forget(pool: &Pool, bucket: &str, name: &str) -> Result<(), StorageError> {
    let mut client = pool.get().await.map_err(StorageError::internal)?;
    // Storage's trigger refuses deletes from storage.objects unless the transaction declares itself
    // Storage's own, as Storage does (`storage.allow_delete_query`).
    let tx = client.transaction().await.map_err(StorageError::internal)?;
    tx.execute("select set_config('storage.allow_delete_query', 'true', true)", &[])
        .await
        .map_err(StorageError::internal)?;
    let sql = "delete from storage.objects where bucket_id = $1 and name = $2";
    tx.execute(sql, &[&bucket, &name]).await.map_err(StorageError::internal)?;
    tx.commit().await.map_err(StorageError::internal)?;
    Ok(())
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
