//! An image as the gallery shows it: the stored row, its signed URLs (a whole page signed with one
//! Storage call) and, while published, its public URLs.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::app::App;
use crate::error::ApiError;
use crate::supabase::SignedUrl;

/// The columns every gallery read selects (never the search vector).
pub const COLUMNS: &str = "id,prompt,negative_prompt,template_id,aspect_ratio,quality,model,seed,title,alt_text,\
tags,is_favorite,is_public,show_prompt,published_at,parent_image_id,width,height,bytes,mime_type,storage_path,\
derivative_paths,public_paths,collection_count,created_at,updated_at";

/// How long the signed URLs in a response stay valid: long enough to scroll a page and come back.
const SIGNED_URL_TTL: Duration = Duration::from_secs(60 * 60);

/// How an image was made and what its owner wrote about it: the columns every read of an image
/// shares (the gallery's view, downloads and exports, an edit saved as a version).
#[derive(Debug, Deserialize)]
pub struct Made {
    pub prompt: String,
    pub negative_prompt: Option<String>,
    pub template_id: Option<Uuid>,
    pub quality: String,
    pub model: String,
    pub seed: Option<i64>,
    pub title: Option<String>,
    pub alt_text: Option<String>,
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Image {
    pub id: Uuid,
    #[serde(flatten)]
    made: Made,
    aspect_ratio: String,
    is_favorite: bool,
    pub is_public: bool,
    /// Whether the public feed shows the prompt while the image is published.
    show_prompt: bool,
    published_at: Option<String>,
    pub parent_image_id: Option<Uuid>,
    width: Option<u32>,
    height: Option<u32>,
    bytes: Option<i64>,
    mime_type: String,
    pub storage_path: String,
    /// Target width (as text) → object path in the private bucket.
    derivative_paths: BTreeMap<String, String>,
    /// "original" or a target width → object path in the public bucket, while published.
    pub public_paths: Option<BTreeMap<String, String>>,
    /// How many collections hold it: retention keeps those in one.
    #[serde(default)]
    collection_count: i64,
    pub created_at: String,
    updated_at: String,
}

impl Image {
    fn derivatives(&self) -> Vec<(u32, &str)> {
        by_width(&self.derivative_paths)
    }

    /// The original's name (`original`) or a derivative's width, with its private object path.
    pub fn private_objects(&self) -> Vec<(String, &str)> {
        let mut objects = vec![("original".to_owned(), self.storage_path.as_str())];
        objects.extend(self.derivatives().into_iter().map(|(width, path)| (width.to_string(), path)));
        objects
    }

    pub fn public_objects(&self) -> Vec<&str> {
        self.public_paths.iter().flat_map(|paths| paths.values().map(String::as_str)).collect()
    }

    /// When retention deletes it (RFC 3339, UTC): `RETENTION_IMAGE_DAYS` after it was made, unless it
    /// is kept (published, a favourite, or in a collection). The cron's first run after that time
    /// deletes it.
    fn deletes_at(&self, app: &App) -> Option<String> {
        if self.is_public || self.is_favorite || self.collection_count > 0 {
            return None;
        }
        let days = i64::try_from(app.config.cron.image_days).ok()?;
        let made = OffsetDateTime::parse(&self.created_at, &Rfc3339).ok()?;
        (made.to_offset(UtcOffset::UTC) + time::Duration::days(days)).format(&Rfc3339).ok()
    }

    fn to_json(&self, app: &App, signed: &HashMap<&str, &str>) -> Value {
        let derivatives: Vec<Value> = self
            .derivatives()
            .into_iter()
            .map(|(width, path)| {
                json!({ "width": width, "height": scaled_height(self.width, self.height, width),
                        "url": signed.get(path) })
            })
            .collect();
        let public_url = |path: &str| app.storage.public_url(app.storage.public_bucket(), path);
        let public_urls = self.public_paths.as_ref().map(|paths| {
            paths.iter().map(|(name, path)| (name.as_str(), public_url(path))).collect::<BTreeMap<_, _>>()
        });
        json!({
            "id": self.id, "title": self.made.title, "alt_text": self.made.alt_text, "tags": self.made.tags,
            "is_favorite": self.is_favorite, "is_public": self.is_public,
            "show_prompt": self.show_prompt, "published_at": self.published_at,
            "parent_image_id": self.parent_image_id, "created_at": self.created_at, "updated_at": self.updated_at,
            "width": self.width, "height": self.height, "bytes": self.bytes, "mime_type": self.mime_type,
            "parameters": {
                "prompt": self.made.prompt, "negative_prompt": self.made.negative_prompt,
                "template_id": self.made.template_id, "aspect_ratio": self.aspect_ratio, "quality": self.made.quality,
                "model": self.made.model, "seed": self.made.seed,
            },
            "deletes_at": self.deletes_at(app),
            "urls": { "original": signed.get(self.storage_path.as_str()), "derivatives": derivatives },
            "public_urls": public_urls,
        })
    }
}

/// Derivative paths keyed by width (as text) by ascending width ("1920" sorts before "300" as text);
/// other keys ("original") are left out.
pub fn by_width(paths: &BTreeMap<String, String>) -> Vec<(u32, &str)> {
    let mut sized: Vec<(u32, &str)> = paths.iter().filter_map(|(w, p)| Some((w.parse().ok()?, p.as_str()))).collect();
    sized.sort_unstable();
    sized
}

/// The height of a derivative `target` pixels wide of an image `width` x `height`.
pub fn scaled_height(width: Option<u32>, height: Option<u32>, target: u32) -> Option<u32> {
    match (width, height) {
        (Some(w), Some(h)) if w > 0 => Some((f64::from(target) * f64::from(h) / f64::from(w)).round() as u32),
        _ => None,
    }
}

/// The images as the API shows them, every private object signed in one Storage call. A path
/// Storage would not sign (its object is missing) gets a null URL rather than failing the page.
pub async fn present(app: &App, images: &[Image]) -> Result<Vec<Value>, ApiError> {
    let paths: Vec<&str> = images.iter().flat_map(|i| i.private_objects().into_iter().map(|(_, p)| p)).collect();
    let signed = sign(app, &paths).await?;
    Ok(present_signed(app, images, &signed))
}

/// Signed URLs of private objects, in one Storage call.
pub async fn sign(app: &App, paths: &[&str]) -> Result<Vec<SignedUrl>, ApiError> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    Ok(app.storage.sign(app.storage.private_bucket(), paths, SIGNED_URL_TTL).await?)
}

/// The images as [`present`] shows them, with URLs signed beforehand (by [`sign`]).
pub fn present_signed(app: &App, images: &[Image], signed: &[SignedUrl]) -> Vec<Value> {
    let urls: HashMap<&str, &str> =
        signed.iter().filter_map(|s| Some((s.path.as_str(), s.url.as_deref().ok()?))).collect();
    images.iter().map(|image| image.to_json(app, &urls)).collect()
}

/// The caller's image `id`; anyone else's is "not found", whether or not it exists.
pub async fn own(app: &App, user: Uuid, id: Uuid) -> Result<Image, ApiError> {
    let query =
        app.db.from("generated_images").select(COLUMNS).eq("id", id.to_string()).eq("user_id", user.to_string());
    app.db.first(query).await?.ok_or_else(not_found)
}

pub fn not_found() -> ApiError {
    ApiError::NotFound("no such image".into())
}

/// An image id from the path.
pub fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::validation("id", "must be an image id (UUID)"))
}
