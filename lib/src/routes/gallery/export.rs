//! `POST /api/gallery/export` `{ids: [...]}` or `{collection_id}`: a ZIP of the originals as stored
//! (WebP with their parameters as XMP; PNG with them as text for images stored before originals
//! were WebP) and a `metadata.json`, streamed while it is made.
//!
//! Checked before a byte is sent: the selection is the caller's (another user's image or
//! collection is "not found"), at most [`MAX_IMAGES`] images and [`MAX_BYTES`] by the stored
//! sizes, within the user's hourly export limit (`volume`), and the first original downloads, so
//! that a storage outage answers a clean 503. Then the usage row is written and the archive
//! streams: `metadata.json` first, then each original, the next one downloading while the current
//! one is sent. A failure after that aborts the response (the connection closes before the
//! archive's central directory), so a client never holds a truncated ZIP that looks complete.

use bytes::Bytes;
use http::HeaderValue;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use uuid::Uuid;

mod streaming;

use super::filename::UniqueNames;
use super::original::{COLUMNS, Original};
use crate::app::App;
use crate::auth::principal::Principal;
use crate::error::ApiError;
use crate::http::Body;
use crate::http::stream::{channel, file_response};
use crate::routes::auth_common::{now, timestamp};
use crate::routes::usage::{self, Action};
use crate::supabase::DbError;
use streaming::{Archive, Entry};

/// A generous selection that still streams within the function's time limit.
const MAX_IMAGES: usize = 200;
/// By the stored `bytes` column: about 200 high-quality 2K originals.
const MAX_BYTES: i64 = 500_000_000;
/// Chunks queued between the archive task and the client (64 KiB each).
const IN_FLIGHT: usize = 8;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportBody {
    ids: Option<Vec<Uuid>>,
    collection_id: Option<Uuid>,
}

/// What to export: chosen images (each once, in the order given), or a collection.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Selection {
    Images(Vec<Uuid>),
    Collection(Uuid),
}

impl Selection {
    pub(super) fn parse(body: ExportBody) -> Result<Self, ApiError> {
        match (body.ids, body.collection_id) {
            (Some(_), Some(_)) => {
                Err(ApiError::validation("collection_id", "give either ids or collection_id, not both"))
            }
            (None, None) => Err(ApiError::validation("ids", "give ids (image ids) or collection_id")),
            (None, Some(collection)) => Ok(Self::Collection(collection)),
            (Some(ids), None) => {
                if ids.is_empty() || ids.len() > MAX_IMAGES {
                    return Err(ApiError::validation("ids", format!("must list 1–{MAX_IMAGES} image ids")));
                }
                let mut unique = Vec::with_capacity(ids.len());
                for id in ids {
                    if !unique.contains(&id) {
                        unique.push(id);
                    }
                }
                Ok(Self::Images(unique))
            }
        }
    }

    fn collection(&self) -> Option<Uuid> {
        match self {
            Self::Collection(id) => Some(*id),
            Self::Images(_) => None,
        }
    }

    /// The request field a refusal of the whole selection names.
    fn field(&self) -> &'static str {
        match self {
            Self::Images(_) => "ids",
            Self::Collection(_) => "collection_id",
        }
    }
}

pub async fn export(
    app: &App,
    who: &Principal,
    body: ExportBody,
    request_id: &str,
) -> Result<http::Response<Body>, ApiError> {
    let selection = Selection::parse(body)?;
    let originals = select(app, who.user_id, &selection).await?;
    let total = within_size(&selection, &originals)?;
    let started = now();
    let (entries, metadata) = plan(&originals, &selection, started);
    // Counted once the export is known to be made: a refused selection sends nothing.
    super::volume::export(app, who.user_id).await?;
    // Fetched before answering: a storage outage now is a clean 503, not a broken download.
    let first = app.storage.download(app.storage.private_bucket(), &entries[0].path).await?.bytes;
    let details = json!({ "images": entries.len(), "bytes": total, "collection_id": selection.collection() });
    usage::record(app, Some(who), Action::Export, None, details).await?;
    let (sender, body) = channel(IN_FLIGHT);
    let archive = Archive { storage: app.storage.clone(), entries, metadata, started };
    tokio::spawn(archive.stream(first, sender, request_id.to_owned()));
    Ok(file_response(body, "application/zip", disposition(started), request_id))
}

/// The stored sizes' total, if within [`MAX_BYTES`].
fn within_size(selection: &Selection, originals: &[Original]) -> Result<i64, ApiError> {
    let total: i64 = originals.iter().filter_map(|o| o.bytes).sum();
    if total > MAX_BYTES {
        let (mb, max) = (total / 1_000_000, MAX_BYTES / 1_000_000);
        let message = format!("the images total {mb} MB; an export holds at most {max} MB");
        return Err(ApiError::validation(selection.field(), message));
    }
    Ok(total)
}

/// Each original's unique entry name and the `metadata.json` that describes them.
fn plan(originals: &[Original], selection: &Selection, started: OffsetDateTime) -> (Vec<Entry>, Bytes) {
    let mut names = UniqueNames::default();
    let mut entries = Vec::with_capacity(originals.len());
    let mut described = Vec::with_capacity(originals.len());
    for original in originals {
        let name = names.claim(original.file_name().ascii(), original.extension());
        described.push(original.describe(&name));
        let modified = OffsetDateTime::parse(&original.created_at, &Rfc3339).unwrap_or(started);
        entries.push(Entry { name, path: original.storage_path.clone(), modified });
    }
    let metadata = json!({ "exported_at": timestamp(started), "collection_id": selection.collection(),
                           "count": entries.len(), "images": described });
    let text = serde_json::to_string_pretty(&metadata).unwrap_or_else(|_| metadata.to_string());
    (entries, Bytes::from(text))
}

/// `ai-image-studio-export-20261126-101500.zip`.
fn disposition(started: OffsetDateTime) -> HeaderValue {
    let stamp = started.format(format_description!("[year][month][day]-[hour][minute][second]")).unwrap_or_default();
    HeaderValue::from_str(&format!("attachment; filename=\"ai-image-studio-export-{stamp}.zip\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// The caller's originals in the selection, in its order: 404 when an id is not theirs or the
/// collection is not; 400 when a collection is empty or over the cap.
async fn select(app: &App, user: Uuid, selection: &Selection) -> Result<Vec<Original>, ApiError> {
    let args = match selection {
        Selection::Images(ids) => json!({ "p_user": user, "p_ids": ids }),
        // One more than the cap, to learn that the collection is over it without reading it all.
        Selection::Collection(id) => json!({ "p_user": user, "p_collection": id, "p_limit": MAX_IMAGES + 1 }),
    };
    let rows: Vec<Original> =
        app.db.fetch(app.db.rpc("gallery_selection", &args).select(COLUMNS)).await.map_err(|err| match err {
            DbError::Rejected { code, .. } if code == "P0002" => ApiError::NotFound("no such collection".into()),
            other => other.into(),
        })?;
    match selection {
        Selection::Images(ids) => {
            if let Some(missing) = ids.iter().find(|id| !rows.iter().any(|row| row.id == **id)) {
                return Err(ApiError::NotFound(format!("no such image: {missing}")));
            }
        }
        Selection::Collection(_) if rows.is_empty() => {
            return Err(ApiError::validation("collection_id", "the collection has no images to export"));
        }
        Selection::Collection(_) if rows.len() > MAX_IMAGES => {
            let message = format!("the collection holds more than {MAX_IMAGES} images, the most an export holds");
            return Err(ApiError::validation("collection_id", message));
        }
        Selection::Collection(_) => {}
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn parse(body: Value) -> Result<Selection, ApiError> {
        Selection::parse(serde_json::from_value(body).unwrap())
    }

    #[test]
    fn a_selection_is_ids_each_once_or_a_collection() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(parse(json!({ "ids": [b, a, b] })).unwrap(), Selection::Images(vec![b, a]));
        assert_eq!(parse(json!({ "collection_id": a })).unwrap(), Selection::Collection(a));
    }

    #[test]
    fn bad_selections_name_their_field() {
        let ids: Vec<Uuid> = (0..=MAX_IMAGES as u128).map(Uuid::from_u128).collect();
        let one = Uuid::from_u128(1);
        for (body, field) in [
            (json!({}), "ids"),
            (json!({ "ids": [] }), "ids"),
            (json!({ "ids": ids }), "ids"),
            (json!({ "ids": [one], "collection_id": one }), "collection_id"),
        ] {
            assert_eq!(parse(body.clone()).unwrap_err().body()["details"]["field"], field, "{body}");
        }
    }
}
