//! The orphan sweep: objects in the private bucket that no image row points at and that are older
//! than `ORPHAN_GRACE_SECS`, e.g. an upload that landed after its failed request had cleaned up.
//!
//! Only the generator's layout is swept, `{user id}/{image id}/{file}`, and only image folders that
//! no row references (a recorded image references every object it stored). The database answers
//! which objects those are from Storage's catalogue (`maintenance_orphans`), a batch at a time in
//! name order, so a run costs one query per batch however many users there are, instead of a
//! listing of every user folder. Anything else in the bucket (other names, other depths) is left
//! alone: it is not ours to judge. The grace period spares uploads whose request is still running
//! (at most the generate function's 300 s).
//!
//! The public bucket is swept the same way (`maintenance_public_orphans`): a publication's copies
//! live in a folder of their own, `{publication key}/{file}`, and a folder that no published row's
//! `public_paths` points into is left over from a publish whose cleanup failed. A live copy is
//! never taken: its folder is referenced, and a publish under way is younger than the grace period.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use serde_json::json;

use super::run::{Run, Tally};
use crate::error::ApiError;
use crate::routes::auth_common::timestamp;

/// Objects created before this are past the grace period.
pub(super) fn cutoff(run: &Run<'_>) -> String {
    timestamp(run.now - run.config.orphan_grace)
}

/// Deletes the orphans `found` by the run's opening pass (private, public), then finds and deletes
/// more while batches come back full; the private bucket first. The tally counts the objects
/// deleted in both.
pub(super) async fn sweep(run: &Run<'_>, found: (Option<Vec<String>>, Option<Vec<String>>)) -> Tally {
    let private = sweep_bucket(run, Bucket::Private, found.0).await;
    if private.error.is_some() || !private.done {
        return private;
    }
    let public = sweep_bucket(run, Bucket::Public, found.1).await;
    Tally { count: private.count + public.count, ..public }
}

/// A bucket and the function that finds its orphans.
#[derive(Clone, Copy)]
enum Bucket {
    Private,
    Public,
}

async fn sweep_bucket(run: &Run<'_>, bucket: Bucket, found: Option<Vec<String>>) -> Tally {
    let (after, deleted) = (Mutex::new(String::new()), AtomicU64::new(0));
    let mut first = found;
    let mut tally = run.batches(None, || batch(run, bucket, first.take(), &after, &deleted)).await;
    tally.count = deleted.into_inner();
    tally
}

/// One batch: the orphans already `found`, or the next ones after the last name seen; returns how
/// many it found. Going on from the last name, never from the start, keeps an object that Storage
/// refuses to delete from being found again and again within one run.
async fn batch(
    run: &Run<'_>,
    bucket: Bucket,
    found: Option<Vec<String>>,
    after: &Mutex<String>,
    deleted: &AtomicU64,
) -> Result<u64, ApiError> {
    let (db, storage) = (&run.app.db, &run.app.storage);
    let (name, function) = match bucket {
        Bucket::Private => (storage.private_bucket(), "maintenance_orphans"),
        Bucket::Public => (storage.public_bucket(), "maintenance_public_orphans"),
    };
    let names: Vec<String> = match found {
        Some(names) => names,
        None => {
            let after = after.lock().unwrap_or_else(PoisonError::into_inner).clone();
            let args = json!({ "p_bucket": name, "p_before": cutoff(run), "p_after": after,
                               "p_limit": run.config.batch_size });
            db.fetch(db.rpc(function, &args)).await?
        }
    };
    let Some(last) = names.last() else { return Ok(0) };
    last.clone_into(&mut after.lock().unwrap_or_else(PoisonError::into_inner));
    let removed = storage.delete(name, &names).await?.len();
    deleted.fetch_add(removed as u64, Ordering::Relaxed);
    Ok(names.len() as u64)
}
