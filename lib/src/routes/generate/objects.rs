//! The stored objects of one image, shared by generation and by saved client edits: the layout
//! the daily orphan sweep relies on, the parallel uploads, and the cleanup after a failure.

use futures_util::future::join_all;
use serde_json::json;
use uuid::Uuid;

use crate::app::App;
use crate::error::ApiError;
use crate::imaging::{self, Stored};

/// The derivative widths of every image (never upscaled).
pub const WIDTHS: [u32; 4] = [150, 300, 800, 1920];

/// Objects never change under their path: caches may keep them for a year.
const IMMUTABLE: &str = "max-age=31536000, immutable";

/// One object to upload: path in the private bucket, bytes, content type.
pub type Upload = (String, Vec<u8>, &'static str);

/// The name of a stored original in its image's folder. Images stored before originals were WebP
/// keep `original.png` (their rows say so in `storage_path` and `mime_type`).
pub const ORIGINAL: &str = "original.webp";
pub const ORIGINAL_MIME: &str = "image/webp";

/// An image's objects, laid out as `{user}/{image}/original.webp` and `{user}/{image}/w{width}.webp`:
/// the orphan sweep lists one folder per image, so nothing may be stored outside it.
pub struct Objects {
    /// The original's path first, then each derivative's; every path once.
    pub paths: Vec<String>,
    /// Width, height and path of each gallery size, narrowest first; the original's own path when
    /// it stands in for one.
    pub derivatives: Vec<(u32, u32, String)>,
    /// Every object stored for the image, the original first.
    pub uploads: Vec<Upload>,
}

impl Objects {
    /// Bytes of every object, recorded with the image's row (`stored_bytes`) so that the storage
    /// counters follow the rows without reading Storage.
    pub fn stored_bytes(&self) -> u64 {
        self.uploads.iter().map(|(_, bytes, _)| bytes.len() as u64).sum()
    }

    /// Bytes a publication puts in the public bucket (`publish_bytes`): each gallery size as stored,
    /// except the original standing in for one, which is published as its image data alone.
    pub fn publish_bytes(&self) -> u64 {
        let derivative = |path: &String| self.derivatives.iter().any(|(_, _, d)| d == path);
        let published = |(index, bytes): (usize, &Vec<u8>)| match index {
            0 => imaging::webp_image_only(bytes).map_or(bytes.len(), |bare| bare.len()),
            _ => bytes.len(),
        };
        let sizes = self.uploads.iter().enumerate().filter(|(_, (path, _, _))| derivative(path));
        sizes.map(|(index, (_, bytes, _))| published((index, bytes)) as u64).sum()
    }
}

/// The objects of image `id` of `user`: the original (parameters already embedded) and its sizes.
pub fn layout(user: Uuid, id: Uuid, stored: Stored) -> Objects {
    let folder = format!("{user}/{id}");
    let original = format!("{folder}/{ORIGINAL}");
    let mut uploads = vec![(original.clone(), stored.original, ORIGINAL_MIME)];
    let mut derivatives = Vec::new();
    for size in stored.sizes {
        let path = format!("{folder}/w{}.webp", size.width);
        derivatives.push((size.width, size.height, path.clone()));
        uploads.push((path, size.webp, "image/webp"));
    }
    if stored.stands_in {
        derivatives.push((stored.width, stored.height, original));
    }
    derivatives.sort_by_key(|(width, _, _)| *width);
    let paths = uploads.iter().map(|(path, _, _)| path.clone()).collect();
    Objects { paths, derivatives, uploads }
}

/// Uploads every object in parallel. Returns every path an upload was attempted for, whatever the
/// outcome: an upload that timed out on our side may still land, so cleanup deletes all of them.
pub async fn upload(app: &App, uploads: Vec<Upload>) -> (Vec<String>, Result<(), ApiError>) {
    let attempted: Vec<String> = uploads.iter().map(|(path, _, _)| path.clone()).collect();
    let bucket = app.storage.private_bucket();
    let sent = uploads.into_iter().map(|(path, bytes, mime)| async move {
        app.storage.upload(bucket, &path, bytes, mime, IMMUTABLE, false).await
    });
    let failed = join_all(sent).await.into_iter().find_map(Result::err);
    (attempted, failed.map_or(Ok(()), |err| Err(err.into())))
}

/// Deletes the objects of a request that failed after uploading. Best effort, logged as `event`:
/// the error the user sees is the one that stopped the request, and the orphan sweep removes
/// whatever this could not.
pub async fn discard(app: &App, uploaded: &[String], event: &str) {
    if uploaded.is_empty() {
        return;
    }
    if let Err(cleanup) = app.storage.delete(app.storage.private_bucket(), uploaded).await {
        let line = json!({ "level": "error", "event": event, "error": cleanup.to_string(), "objects": uploaded });
        eprintln!("{line}");
    }
}
