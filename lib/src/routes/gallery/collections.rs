//! Collections: named groups of the caller's images. Create, list (with counts), rename, describe,
//! choose a cover, mark public, delete (the images stay), add and remove images. A collection's
//! images are listed by `GET /api/gallery?collection={id}`, with the gallery's pagination and filters.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::domain::{Lines, optional_text, user_text};
use crate::error::ApiError;
use crate::supabase::DbError;

/// Enough for an afternoon's selection; bounds one request's work.
const MAX_IMAGES_PER_CALL: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    name: Option<String>,
    description: Option<String>,
    /// Absent: unchanged; `null`: no cover; an id: one of the user's images.
    #[serde(default, deserialize_with = "present")]
    cover_image_id: Option<Option<Uuid>>,
    is_public: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Images {
    image_ids: Vec<Uuid>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(d).map(Some)
}

pub fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::validation("id", "must be a collection id (UUID)"))
}

pub async fn list(app: &App, user: Uuid) -> Result<Value, ApiError> {
    Ok(app.db.fetch(app.db.rpc("collections_of", &json!({ "p_user": user }))).await?)
}

pub async fn one(app: &App, user: Uuid, id: Uuid) -> Result<Value, ApiError> {
    let all: Vec<Value> = app.db.fetch(app.db.rpc("collections_of", &json!({ "p_user": user }))).await?;
    all.into_iter().find(|c| c["id"] == json!(id)).ok_or_else(|| ApiError::NotFound("no such collection".into()))
}

pub async fn create(app: &App, user: Uuid, body: Changes) -> Result<Value, ApiError> {
    if body.name.is_none() {
        return Err(ApiError::validation("name", "is required"));
    }
    let mut row = columns(app, user, body).await?;
    row.insert("user_id".into(), json!(user));
    // Answered from the insert itself, as `collections_of` shows it (a new collection holds no
    // image): a second read could fail after the collection was made, and a retry make another.
    let insert = app.db.from("collections").insert(Value::Object(row).to_string());
    let created: Vec<Value> = app
        .db
        .fetch(insert.select("id,name,description,cover_image_id,is_public,created_at,updated_at"))
        .await
        .map_err(taken)?;
    let mut created =
        created.into_iter().next().ok_or_else(|| ApiError::internal("the new collection was not returned"))?;
    created["image_count"] = json!(0);
    Ok(created)
}

pub async fn update(app: &App, user: Uuid, id: Uuid, body: Changes) -> Result<Value, ApiError> {
    let row = columns(app, user, body).await?;
    if row.is_empty() {
        return Err(ApiError::validation("body", "names nothing to change"));
    }
    let query = app.db.from("collections").eq("id", id.to_string()).eq("user_id", user.to_string()).select("id");
    let changed: Vec<Value> = app.db.fetch(query.update(Value::Object(row).to_string())).await.map_err(taken)?;
    if changed.is_empty() {
        return Err(ApiError::NotFound("no such collection".into()));
    }
    one(app, user, id).await
}

/// Deletes the collection; its images stay in the gallery.
pub async fn delete(app: &App, user: Uuid, id: Uuid) -> Result<Value, ApiError> {
    let query =
        app.db.from("collections").eq("id", id.to_string()).eq("user_id", user.to_string()).select("id").delete();
    let deleted: Vec<Value> = app.db.fetch(query).await?;
    if deleted.is_empty() {
        return Err(ApiError::NotFound("no such collection".into()));
    }
    Ok(json!({ "id": id, "deleted": true }))
}

/// Adds images (the caller's own; already present ones stay where they are).
pub async fn add(app: &App, user: Uuid, id: Uuid, body: Images) -> Result<Value, ApiError> {
    one(app, user, id).await?;
    let images = own_images(app, user, &body.image_ids).await?;
    let rows: Vec<Value> = images.iter().map(|image| json!({ "collection_id": id, "image_id": image })).collect();
    let query =
        app.db.from("collection_images").upsert(Value::Array(rows).to_string()).on_conflict("collection_id,image_id");
    app.db.run(query).await?;
    one(app, user, id).await
}

pub async fn remove(app: &App, user: Uuid, id: Uuid, body: Images) -> Result<Value, ApiError> {
    one(app, user, id).await?;
    let images = checked(&body.image_ids)?;
    let list: Vec<String> = images.iter().map(Uuid::to_string).collect();
    let query = app.db.from("collection_images").eq("collection_id", id.to_string()).in_("image_id", list).delete();
    app.db.run(query).await?;
    one(app, user, id).await
}

/// The changes as columns, each validated; a cover must be one of the user's images.
async fn columns(app: &App, user: Uuid, body: Changes) -> Result<Map<String, Value>, ApiError> {
    let mut row = Map::new();
    if let Some(name) = body.name {
        row.insert("name".into(), json!(user_text("name", &name, 1, 100, Lines::One)?));
    }
    if let Some(description) = body.description {
        row.insert("description".into(), json!(optional_text("description", &description, 1000, Lines::Many)?));
    }
    if let Some(cover) = body.cover_image_id {
        if let Some(image) = cover
            && own_images(app, user, &[image]).await.is_err()
        {
            return Err(ApiError::validation("cover_image_id", "must be one of your images"));
        }
        row.insert("cover_image_id".into(), json!(cover));
    }
    if let Some(is_public) = body.is_public {
        row.insert("is_public".into(), json!(is_public));
    }
    Ok(row)
}

fn checked(ids: &[Uuid]) -> Result<Vec<Uuid>, ApiError> {
    if ids.is_empty() || ids.len() > MAX_IMAGES_PER_CALL {
        return Err(ApiError::validation("image_ids", format!("must list 1–{MAX_IMAGES_PER_CALL} image ids")));
    }
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    Ok(unique)
}

/// The ids, if every one is the caller's image; otherwise 400 naming `image_ids` (another user's
/// image and a missing one look the same).
async fn own_images(app: &App, user: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>, ApiError> {
    let ids = checked(ids)?;
    let list: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let query = app.db.from("generated_images").select("id").eq("user_id", user.to_string()).in_("id", list);
    let found: Vec<Value> = app.db.fetch(query).await?;
    if found.len() != ids.len() {
        return Err(ApiError::validation("image_ids", "must all be your images"));
    }
    Ok(ids)
}

/// Names are unique per user: a clash is a 409, not a fault.
fn taken(err: DbError) -> ApiError {
    match err {
        DbError::Rejected { status: 409, .. } => {
            ApiError::Conflict("you already have a collection with this name".into())
        }
        other => other.into(),
    }
}
