//! `PATCH /api/gallery/{id}`: title, alt text, tags, favourite, publishing, and whether the public
//! feed shows the prompt.
//!
//! Publishing copies every derivative into the public bucket (an original standing in for a size
//! goes without its metadata; the original itself never), then records the copies; if recording fails the copies are removed again. Unpublishing removes the copies first,
//! then clears the record, so a storage failure leaves the image published and a retry completes:
//! never a public object that no row points at.

use futures_util::future::join_all;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::image::{COLUMNS, Image, not_found, own, present_signed, sign};
use super::tags;
use crate::app::App;
use crate::auth::tokens::random_token;
use crate::domain::{Lines, optional_text};
use crate::error::ApiError;
use crate::imaging;
use crate::routes::auth_common::{now, timestamp};

const MAX_TITLE_CHARS: usize = 200;
const MAX_ALT_TEXT_CHARS: usize = 1000;

/// What a PATCH may change; an absent (or null) field stays as it is, an empty text clears it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    title: Option<String>,
    alt_text: Option<String>,
    tags: Option<Vec<String>>,
    is_favorite: Option<bool>,
    is_public: Option<bool>,
    show_prompt: Option<bool>,
}

/// A checked change: the columns to write, and whether to publish or unpublish.
#[derive(Debug)]
pub(super) struct Change {
    columns: Map<String, Value>,
    publish: Option<bool>,
}

impl Change {
    pub(super) fn parse(body: ChangeBody) -> Result<Self, ApiError> {
        let mut columns = Map::new();
        if let Some(title) = body.title {
            columns.insert("title".into(), json!(optional_text("title", &title, MAX_TITLE_CHARS, Lines::One)?));
        }
        if let Some(alt_text) = body.alt_text {
            columns.insert(
                "alt_text".into(),
                json!(optional_text("alt_text", &alt_text, MAX_ALT_TEXT_CHARS, Lines::One)?),
            );
        }
        if let Some(raw) = body.tags {
            columns.insert("tags".into(), json!(tags::normalise(&raw)?));
        }
        if let Some(favorite) = body.is_favorite {
            columns.insert("is_favorite".into(), json!(favorite));
        }
        if let Some(show_prompt) = body.show_prompt {
            columns.insert("show_prompt".into(), json!(show_prompt));
        }
        if columns.is_empty() && body.is_public.is_none() {
            return Err(ApiError::validation(
                "body",
                "name at least one of title, alt_text, tags, is_favorite, is_public, show_prompt",
            ));
        }
        Ok(Self { columns, publish: body.is_public })
    }
}

pub async fn update(app: &App, user: Uuid, id: Uuid, body: ChangeBody) -> Result<Value, ApiError> {
    let Change { mut columns, publish } = Change::parse(body)?;
    let image = own(app, user, id).await?;
    // Signed before anything changes (a change keeps the private objects): a Storage failure
    // after the row is saved would answer an error for a change that was made.
    let signed = sign(app, &image.private_objects().into_iter().map(|(_, path)| path).collect::<Vec<_>>()).await?;
    let mut copies = Vec::new();
    match publish {
        Some(true) if !image.is_public => {
            // The copies take room in the studio's storage and count as the owner's.
            crate::routes::check_room(app, user).await?;
            let paths = copy_to_public(app, &image).await?;
            copies = paths.values().filter_map(Value::as_str).map(str::to_owned).collect();
            columns.insert("public_paths".into(), Value::Object(paths));
            columns.insert("published_at".into(), json!(timestamp(now())));
            columns.insert("is_public".into(), json!(true));
        }
        Some(false) if image.is_public => {
            delete_public(app, &image.public_objects()).await?;
            columns.insert("public_paths".into(), Value::Null);
            columns.insert("published_at".into(), Value::Null);
            columns.insert("is_public".into(), json!(false));
        }
        _ => {}
    }
    let saved = if columns.is_empty() { Ok(image) } else { save(app, user, id, columns).await };
    match saved {
        Ok(image) => Ok(present_signed(app, &[image], &signed).remove(0)),
        Err(err) => {
            // Logged, not returned: the error the user sees is the one that stopped the change.
            if let Err(cleanup) = delete_public(app, &copies).await {
                log_cleanup_failure(id, &cleanup, &copies);
            }
            Err(err)
        }
    }
}

async fn save(app: &App, user: Uuid, id: Uuid, columns: Map<String, Value>) -> Result<Image, ApiError> {
    let query = app
        .db
        .from("generated_images")
        .select(COLUMNS)
        .eq("id", id.to_string())
        .eq("user_id", user.to_string())
        .update(Value::Object(columns).to_string());
    app.db.first(query).await?.ok_or_else(not_found)
}

/// How long browsers and CDNs may keep a published copy: once unpublished or deleted (its object
/// removed), an image stops being served within this time. Minutes, not a year: the copies live at
/// paths never reused, but a cached copy outlives its object.
pub const PUBLISHED_CACHE_CONTROL: &str = "public, max-age=300";

/// Copies each derivative to `{key}/{file}` in the public bucket, `key` drawn at random for this
/// publication: the path says nothing of the owner or the image, and a re-publish gets a new one,
/// so no cache can serve an old copy under a new publication. The original stays private: its XMP
/// (or PNG text) carries the prompt, negative prompt and seed, which the owner may have chosen not
/// to show; where it stands in for a size, that size is published from its image data alone.
/// Returns `public_paths`; on a failure, the copies already made are deleted before the error is
/// returned.
pub(super) async fn copy_to_public(app: &App, image: &Image) -> Result<Map<String, Value>, ApiError> {
    let key = random_token();
    let objects: Vec<(String, &str, String)> = image
        .private_objects()
        .into_iter()
        .filter(|(name, _)| name != "original")
        .map(|(name, from)| {
            // The stand-in is named as the size it serves, not as the original it is.
            let file = if from == image.storage_path {
                format!("w{name}.webp")
            } else {
                from.rsplit('/').next().unwrap_or(from).to_owned()
            };
            (name, from, format!("{key}/{file}"))
        })
        .collect();
    let results = join_all(objects.iter().map(|(_, from, to)| publish_one(app, image, from, to))).await;
    let copied: Vec<&str> =
        objects.iter().zip(&results).filter(|(_, r)| r.is_ok()).map(|((_, _, to), _)| to.as_str()).collect();
    if let Some(Err(err)) = results.into_iter().find(Result::is_err) {
        if let Err(cleanup) = delete_public(app, &copied).await {
            log_cleanup_failure(image.id, &cleanup, &copied);
        }
        return Err(err);
    }
    Ok(objects.into_iter().map(|(name, _, to)| (name, json!(to))).collect())
}

/// One public copy. The original standing in for a gallery size carries the prompt and seed as
/// XMP: it is published as its image data alone (no pixel decoded), every other size copied as is.
async fn publish_one(app: &App, image: &Image, from: &str, to: &str) -> Result<(), ApiError> {
    let (private, public) = (app.storage.private_bucket(), app.storage.public_bucket());
    if from != image.storage_path {
        app.storage.copy(private, from, public, to, false, Some(PUBLISHED_CACHE_CONTROL)).await?;
        return Ok(());
    }
    let stored = app.storage.download(private, from).await?;
    let bare = imaging::webp_image_only(&stored.bytes).map_err(ApiError::internal)?;
    app.storage.upload(public, to, bare, "image/webp", PUBLISHED_CACHE_CONTROL, false).await?;
    Ok(())
}

/// Copies a failed publish could not remove: public objects no row points at, for the operator.
pub(super) fn log_cleanup_failure(image: Uuid, err: &ApiError, objects: &[impl AsRef<str>]) {
    let objects: Vec<&str> = objects.iter().map(AsRef::as_ref).collect();
    let line = json!({ "level": "error", "event": "publish_cleanup_failed", "image": image,
                       "error": err.to_string(), "objects": objects });
    eprintln!("{line}");
}

pub(super) async fn delete_public(app: &App, paths: &[impl AsRef<str>]) -> Result<(), ApiError> {
    if !paths.is_empty() {
        app.storage.delete(app.storage.public_bucket(), paths).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<Change, ApiError> {
        Change::parse(serde_json::from_value(body).unwrap())
    }

    #[test]
    fn texts_are_trimmed_limited_and_cleared_when_blank() {
        let change = parse(json!({ "title": "  Kucing  ", "alt_text": " " })).unwrap();
        assert_eq!(change.columns["title"], "Kucing");
        assert_eq!(change.columns["alt_text"], Value::Null);
        for (body, field) in [
            (json!({ "title": "é".repeat(201) }), "title"),
            (json!({ "alt_text": "a".repeat(1001) }), "alt_text"),
            (json!({ "tags": ["ok", ""] }), "tags[1]"),
            (json!({}), "body"),
        ] {
            assert_eq!(parse(body.clone()).unwrap_err().body()["details"]["field"], field, "{body}");
        }
        assert!(parse(json!({ "title": "é".repeat(200) })).is_ok());
    }

    #[test]
    fn publishing_alone_is_a_change() {
        let change = parse(json!({ "is_public": true })).unwrap();
        assert!(change.columns.is_empty());
        assert_eq!(change.publish, Some(true));
    }
}
