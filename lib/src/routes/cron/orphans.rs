//! The orphan sweep: objects in the private bucket that no image row points at and that are older
//! than `ORPHAN_GRACE_SECS`, e.g. an upload that landed after its failed request had cleaned up.
//!
//! Only the generator's layout is swept, `{user id}/{image id}/{file}`: every user folder is listed,
//! and below it only the image folders that no row references (a recorded image references every
//! object it stored), so a run lists one folder per user plus one per orphan folder. Anything else
//! in the bucket (other names, other depths) is left alone: it is not ours to judge. The grace
//! period spares uploads whose request is still running (at most the generate function's 300 s).
//! Users are visited in a random order, so a run that the budget cuts short does not always leave
//! out the same ones.

use std::collections::HashSet;

use serde_json::json;
use time::OffsetDateTime;

use super::run::{Run, Tally};
use crate::error::ApiError;
use crate::supabase::{LIST_LIMIT, Listed};

/// Depth of the folders in the layout: the bucket's root, a user's folder, an image's folder.
const ROOT: usize = 0;
const USER: usize = 1;
const IMAGE: usize = 2;

pub(super) async fn sweep(run: &Run<'_>) -> Tally {
    let cutoff = run.now - run.config.orphan_grace;
    let mut deleted = 0;
    let mut pending = vec![(String::new(), ROOT)];
    let mut visited = 0;
    while let Some((folder, depth)) = pending.pop() {
        // The first batch of folders is always visited, as every step's first batch runs.
        if visited >= run.config.batch_size && !run.has_time() {
            return Tally { count: deleted, done: false, error: None };
        }
        visited += 1;
        match visit(run, &folder, depth, cutoff).await {
            Ok((removed, mut below)) => {
                deleted += removed;
                if depth == ROOT {
                    fastrand::shuffle(&mut below);
                }
                pending.extend(below.into_iter().map(|sub| (sub, depth + 1)));
            }
            Err(error) => return Tally { count: deleted, done: false, error: Some(error) },
        }
    }
    Tally::finished(deleted)
}

/// Lists `folder`; in an image folder, deletes the old unreferenced files. Returns how many it
/// deleted and the sub-folders to visit next: every user folder, and image folders no row names.
async fn visit(
    run: &Run<'_>,
    folder: &str,
    depth: usize,
    cutoff: OffsetDateTime,
) -> Result<(u64, Vec<String>), ApiError> {
    let storage = &run.app.storage;
    let bucket = storage.private_bucket();
    let prefix = if folder.is_empty() { String::new() } else { format!("{folder}/") };
    let entries = list_all(run, folder).await?;
    let mut doomed = Vec::new();
    let mut below = Vec::new();
    for page in entries.chunks(LIST_LIMIT) {
        let names: Vec<&str> = page.iter().map(Listed::name).collect();
        let args = json!({ "p_prefix": prefix, "p_names": names });
        let unreferenced: HashSet<String> = run.app.db.fetch(run.app.db.rpc("maintenance_unreferenced", &args)).await?;
        for entry in page {
            let orphan = unreferenced.contains(entry.name());
            match entry {
                Listed::Folder { name } if is_id(name) && (depth == ROOT || (depth == USER && orphan)) => {
                    below.push(format!("{prefix}{name}"));
                }
                Listed::File { name, created_at: Some(at) } if depth == IMAGE && orphan && *at < cutoff => {
                    doomed.push(format!("{prefix}{name}"));
                }
                _ => {}
            }
        }
    }
    let deleted = if doomed.is_empty() { 0 } else { storage.delete(bucket, &doomed).await?.len() as u64 };
    Ok((deleted, below))
}

/// Every entry directly in `folder`, page after page (all listed before any is deleted, so that
/// deleting does not shift the pages).
async fn list_all(run: &Run<'_>, folder: &str) -> Result<Vec<Listed>, ApiError> {
    let storage = &run.app.storage;
    let mut entries = Vec::new();
    loop {
        let page = storage.list(storage.private_bucket(), folder, entries.len()).await?;
        let full = page.len() == LIST_LIMIT;
        entries.extend(page);
        if !full {
            return Ok(entries);
        }
    }
}

/// User and image folders are named by their row's UUID.
fn is_id(name: &str) -> bool {
    uuid::Uuid::parse_str(name).is_ok()
}
