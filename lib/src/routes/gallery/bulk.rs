//! `POST /api/gallery/bulk` `{ids, action, tags?, collection_id?}`: one action on up to 100 of the
//! caller's images, answered per id: `ok`, or `not_found` for an id that is not the caller's image
//! (another user's image and a missing one look the same).
//!
//! The row changes are all or nothing: one call of the SQL function `gallery_bulk`, one
//! transaction. Publishing, unpublishing and deleting also change storage, through the single-image
//! paths (editing.rs, removal.rs) and in the same order, storage first and rows after:
//! - publish: every image's objects are copied into the public bucket, then all are recorded; if
//!   a copy or the recording fails, every copy made is removed and no image is published.
//! - unpublish: every published copy is removed, then the records are cleared; a storage failure
//!   leaves every image published (some copies possibly gone), and a retry completes.
//! - delete: every object goes (published copies, then originals and derivatives), then the rows;
//!   a storage failure deletes no row, and a retry completes.

use futures_util::{StreamExt, stream};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::image::{self, Image};
use super::{editing, removal, tags};
use crate::app::App;
use crate::error::ApiError;
use crate::supabase::DbError;

/// Enough for a screenful of selected images; bounds one request's work (and its storage calls).
const MAX_IDS: usize = 100;
/// Images copied into the public bucket at once; each copies its original and derivatives in
/// parallel too.
const PUBLISH_CONCURRENCY: usize = 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    ids: Vec<Uuid>,
    action: ActionName,
    tags: Option<Vec<String>>,
    collection_id: Option<Uuid>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ActionName {
    Tag,
    Untag,
    AddToCollection,
    RemoveFromCollection,
    Publish,
    Unpublish,
    Favorite,
    Unfavorite,
    Delete,
}

/// A checked action with what it needs.
#[derive(Debug, PartialEq, Eq)]
enum Operation {
    Tag(Vec<String>),
    Untag(Vec<String>),
    AddToCollection(Uuid),
    RemoveFromCollection(Uuid),
    Publish,
    Unpublish,
    Favorite(bool),
    Delete,
}

impl Operation {
    /// `gallery_bulk`'s `p_action`, and the action the answer names.
    fn name(&self) -> &'static str {
        match self {
            Self::Tag(_) => "tag",
            Self::Untag(_) => "untag",
            Self::AddToCollection(_) => "add_to_collection",
            Self::RemoveFromCollection(_) => "remove_from_collection",
            Self::Publish => "publish",
            Self::Unpublish => "unpublish",
            Self::Favorite(true) => "favorite",
            Self::Favorite(false) => "unfavorite",
            Self::Delete => "delete",
        }
    }
}

/// The ids (each once, in the order given) and the operation.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Bulk {
    ids: Vec<Uuid>,
    operation: Operation,
}

impl Bulk {
    pub(super) fn parse(body: BulkBody) -> Result<Self, ApiError> {
        if body.ids.is_empty() || body.ids.len() > MAX_IDS {
            return Err(ApiError::validation("ids", format!("must list 1–{MAX_IDS} image ids")));
        }
        let mut ids = Vec::with_capacity(body.ids.len());
        for id in body.ids {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let takes_tags = matches!(body.action, ActionName::Tag | ActionName::Untag);
        let takes_collection = matches!(body.action, ActionName::AddToCollection | ActionName::RemoveFromCollection);
        if body.tags.is_some() && !takes_tags {
            return Err(ApiError::validation("tags", "only the tag and untag actions take tags"));
        }
        if body.collection_id.is_some() && !takes_collection {
            return Err(ApiError::validation("collection_id", "only the collection actions take a collection_id"));
        }
        let tags = || match body.tags.as_deref().map(tags::normalise).transpose()? {
            Some(tags) if !tags.is_empty() => Ok(tags),
            _ => Err(ApiError::validation("tags", "name at least one tag")),
        };
        let collection = || body.collection_id.ok_or_else(|| ApiError::validation("collection_id", "is required"));
        let operation = match body.action {
            ActionName::Tag => Operation::Tag(tags()?),
            ActionName::Untag => Operation::Untag(tags()?),
            ActionName::AddToCollection => Operation::AddToCollection(collection()?),
            ActionName::RemoveFromCollection => Operation::RemoveFromCollection(collection()?),
            ActionName::Publish => Operation::Publish,
            ActionName::Unpublish => Operation::Unpublish,
            ActionName::Favorite => Operation::Favorite(true),
            ActionName::Unfavorite => Operation::Favorite(false),
            ActionName::Delete => Operation::Delete,
        };
        Ok(Self { ids, operation })
    }
}

/// One id's answer, as `gallery_bulk` gives it.
#[derive(Debug, Deserialize, Serialize)]
struct Outcome {
    id: Uuid,
    status: String,
}

pub async fn run(app: &App, user: Uuid, body: BulkBody) -> Result<Value, ApiError> {
    let bulk = Bulk::parse(body)?;
    let outcomes = match bulk.operation {
        Operation::Publish => publish(app, user, &bulk).await?,
        Operation::Unpublish => {
            let images = owned(app, user, &bulk.ids).await?;
            let copies: Vec<&str> = images.iter().flat_map(Image::public_objects).collect();
            editing::delete_public(app, &copies).await?;
            apply(app, user, &bulk, None).await?
        }
        Operation::Delete => {
            removal::delete_objects(app, &owned(app, user, &bulk.ids).await?).await?;
            apply(app, user, &bulk, None).await?
        }
        _ => apply(app, user, &bulk, None).await?,
    };
    let ok = outcomes.iter().filter(|o| o.status == "ok").count();
    Ok(json!({ "action": bulk.operation.name(), "results": outcomes,
               "counts": { "ok": ok, "not_found": outcomes.len() - ok } }))
}

/// Copies every unpublished image's objects (a few images at a time), then records them all;
/// any failure removes every copy made.
async fn publish(app: &App, user: Uuid, bulk: &Bulk) -> Result<Vec<Outcome>, ApiError> {
    let images = owned(app, user, &bulk.ids).await?;
    let pending: Vec<&Image> = images.iter().filter(|image| !image.is_public).collect();
    if !pending.is_empty() {
        // The copies take room in the studio's storage and count as the owner's.
        crate::routes::check_room(app, user).await?;
    }
    // Collected first: a stream over a borrowing closure does not prove its future `Send`.
    let copies: Vec<_> = pending.iter().map(|&image| editing::copy_to_public(app, image)).collect();
    let copied: Vec<_> = stream::iter(copies).buffered(PUBLISH_CONCURRENCY).collect().await;
    let mut paths = Map::new();
    let mut failure = None;
    for (image, result) in pending.iter().zip(copied) {
        match result {
            Ok(public_paths) => {
                paths.insert(image.id.to_string(), Value::Object(public_paths));
            }
            Err(err) => {
                failure.get_or_insert(err);
            }
        }
    }
    let made: Vec<String> = paths
        .values()
        .filter_map(Value::as_object)
        .flat_map(|p| p.values().filter_map(Value::as_str).map(str::to_owned))
        .collect();
    let recorded = match failure {
        Some(err) => Err(err),
        None => apply(app, user, bulk, Some(Value::Object(paths))).await,
    };
    if recorded.is_err()
        && let Err(cleanup) = editing::delete_public(app, &made).await
    {
        // Logged, not returned: the error the user sees is the one that stopped the publishing.
        for image in &pending {
            editing::log_cleanup_failure(image.id, &cleanup, &made);
        }
    }
    recorded
}

/// The caller's images among `ids` (the others are answered `not_found` by `gallery_bulk`).
async fn owned(app: &App, user: Uuid, ids: &[Uuid]) -> Result<Vec<Image>, ApiError> {
    let args = json!({ "p_user": user, "p_ids": ids });
    Ok(app.db.fetch(app.db.rpc("gallery_selection", &args).select(image::COLUMNS)).await?)
}

/// The row changes, in one transaction.
async fn apply(app: &App, user: Uuid, bulk: &Bulk, public_paths: Option<Value>) -> Result<Vec<Outcome>, ApiError> {
    let (tags, collection) = match &bulk.operation {
        Operation::Tag(tags) | Operation::Untag(tags) => (Some(tags), None),
        Operation::AddToCollection(id) | Operation::RemoveFromCollection(id) => (None, Some(id)),
        _ => (None, None),
    };
    let args = json!({ "p_user": user, "p_ids": bulk.ids, "p_action": bulk.operation.name(), "p_tags": tags,
                       "p_collection": collection, "p_public_paths": public_paths });
    app.db.fetch(app.db.rpc("gallery_bulk", &args)).await.map_err(|err| match err {
        DbError::Rejected { code, .. } if code == "P0002" => ApiError::NotFound("no such collection".into()),
        DbError::Rejected { code, details, .. } if code == "23514" && tags.is_some() => {
            let image = details.unwrap_or_default();
            ApiError::validation("tags", format!("would give image {image} more than {} tags", tags::MAX_TAGS))
        }
        other => other.into(),
    })
}

#[cfg(test)]
mod tests;
