//! Retention of private images: each batch claims images past `RETENTION_IMAGE_DAYS`, deletes their
//! objects (published copies first, then the original and derivatives), and only then their rows.
//! A storage failure gives the claims back and leaves the rows for the next run: an object is never
//! left without a row pointing at it. Published images are kept however old.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::run::{Run, Tally};
use crate::app::App;
use crate::error::ApiError;

/// An image this run has claimed, with every object it owns.
#[derive(Deserialize)]
pub(super) struct Expired {
    id: Uuid,
    storage_path: String,
    derivative_paths: Map<String, Value>,
    public_paths: Option<Map<String, Value>>,
}

/// What retention did: rows deleted (the tally) and objects deleted with them.
pub(super) struct Expiry {
    pub images: Tally,
    pub objects: u64,
}

/// Deletes the images `claimed` by the run's opening pass, then claims and deletes more while
/// batches come back full.
pub(super) async fn expire(run: &Run<'_>, claimed: Option<Vec<Expired>>) -> Expiry {
    let (rows, objects) = (AtomicU64::new(0), AtomicU64::new(0));
    let mut first = claimed;
    let mut images = run.batches(None, || batch(run, first.take(), &rows, &objects)).await;
    images.count = rows.into_inner();
    Expiry { images, objects: objects.into_inner() }
}

/// One batch: the images already `claimed`, or as many as it can claim now; returns how many it
/// claimed (a short batch means none are left).
async fn batch(
    run: &Run<'_>,
    claimed: Option<Vec<Expired>>,
    rows: &AtomicU64,
    objects: &AtomicU64,
) -> Result<u64, ApiError> {
    let app = run.app;
    let claimed = match claimed {
        Some(claimed) => claimed,
        None => {
            let args =
                json!({ "p_now": run.p_now(), "p_keep_days": run.config.image_days, "p_limit": run.config.batch_size });
            app.db.fetch(app.db.rpc("maintenance_claim_expired_images", &args)).await?
        }
    };
    if claimed.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = claimed.iter().map(|image| image.id).collect();
    match delete_objects(app, &claimed).await {
        Ok(deleted) => objects.fetch_add(deleted, Ordering::Relaxed),
        Err(err) => {
            release(app, &ids).await;
            return Err(err);
        }
    };
    let deleted: i64 = app.db.fetch(app.db.rpc("maintenance_delete_images", &json!({ "p_ids": ids }))).await?;
    rows.fetch_add(u64::try_from(deleted).unwrap_or(0), Ordering::Relaxed);
    Ok(claimed.len() as u64)
}

/// Deletes the published copies, then the private objects; returns how many existed.
async fn delete_objects(app: &App, images: &[Expired]) -> Result<u64, ApiError> {
    let public: Vec<&str> = images.iter().flat_map(|image| image.public_paths.iter().flat_map(paths_in)).collect();
    let mut private: Vec<&str> = images
        .iter()
        .flat_map(|image| std::iter::once(image.storage_path.as_str()).chain(paths_in(&image.derivative_paths)))
        .collect();
    // An original standing in for a gallery size is listed twice.
    private.sort_unstable();
    private.dedup();
    let mut deleted = 0;
    if !public.is_empty() {
        deleted += app.storage.delete(app.storage.public_bucket(), &public).await?.len();
    }
    deleted += app.storage.delete(app.storage.private_bucket(), &private).await?.len();
    Ok(deleted as u64)
}

fn paths_in(paths: &Map<String, Value>) -> impl Iterator<Item = &str> {
    paths.values().filter_map(Value::as_str)
}

/// Gives the claims back so that the next run retries at once. Logged, not returned: the error
/// worth reporting is the storage failure that made the release necessary.
async fn release(app: &App, ids: &[Uuid]) {
    if let Err(err) = app.db.run(app.db.rpc("maintenance_release_images", &json!({ "p_ids": ids }))).await {
        let line = json!({ "level": "error", "event": "retention_release_failed", "images": ids.len(),
                           "error": err.to_string() });
        eprintln!("{line}");
    }
}
