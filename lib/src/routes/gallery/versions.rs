//! `POST /api/gallery/{id}/versions?edits=`: an edit made in the browser (crop, rotate, filters),
//! sent as a PNG body, saved as a new version of the caller's image `{id}`.
//!
//! The PNG goes through the generator's pipeline: header checked, decoded once into the stored
//! WebP original (the parent's parameters, the edits and the time as XMP) and the gallery's sizes,
//! under the generator's object layout; then one row is inserted. Any failure after the
//! first upload deletes every object and leaves no row. No quota is charged: no model is called,
//! but each save counts against the user's per-minute and daily upload limits (`volume`) and is
//! refused when the account's or the studio's storage is full (`storage_limits`).

use bytes::Bytes;
use http::HeaderMap;
use http_body::Body as HttpBody;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::image::{self, COLUMNS, Image, Made};
use crate::app::App;
use crate::domain::generation::studio_ratio;
use crate::domain::{Lines, refuse_controls};
use crate::error::{ApiError, BoxError};
use crate::http::{Query, read_body};
use crate::imaging::{self, ImagingError};
use crate::routes::auth_common::{now, timestamp};
use crate::routes::generate::objects::{self, Objects, WIDTHS};

/// Under Vercel's 4.5 MB request limit, which would otherwise refuse the body with no envelope.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Smaller than the smallest use (a 150 px thumbnail) by more than half is a slip, not an edit.
const MIN_SIDE: u32 = 64;
/// The largest canvas every browser the app supports can export (mobile Safari caps at 4096²).
const MAX_SIDE: u32 = 4096;
const MAX_EDITS_CHARS: usize = 200;
/// The `model` of a version no model made; the PNG text still names the parent's model.
const MODEL: &str = "client-edit";

/// What the user did, in their words ("crop 1:1, rotate 90°"): absent or blank is none.
#[derive(Debug, PartialEq, Eq)]
pub struct Edits(Option<String>);

impl Edits {
    pub fn parse(query: &Query) -> Result<Self, ApiError> {
        let Some(text) = query.get("edits").map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Self(None));
        };
        if text.chars().count() > MAX_EDITS_CHARS {
            return Err(ApiError::validation("edits", format!("must be at most {MAX_EDITS_CHARS} characters")));
        }
        refuse_controls("edits", text, Lines::One)?;
        Ok(Self(Some(text.to_owned())))
    }
}

/// A PNG body whose header announces an allowed size; its pixels are decoded later, once.
pub struct EditedPng {
    bytes: Bytes,
    width: u32,
    height: u32,
}

impl EditedPng {
    fn parse(bytes: Bytes) -> Result<Self, ApiError> {
        let (width, height) = imaging::png_size(&bytes).map_err(|_| not_png())?;
        let allowed = MIN_SIDE..=MAX_SIDE;
        if !allowed.contains(&width) || !allowed.contains(&height) {
            let message = format!("must be {MIN_SIDE}–{MAX_SIDE} pixels a side, not {width}x{height}");
            return Err(ApiError::validation("body", message));
        }
        Ok(Self { bytes, width, height })
    }
}

fn not_png() -> ApiError {
    ApiError::validation("body", "must be a PNG image that decodes")
}

/// The body, refused unless sent as `image/png` (415) and at most [`MAX_BYTES`] (413).
pub async fn read_png<B>(headers: &HeaderMap, body: B) -> Result<EditedPng, ApiError>
where
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    let sent = headers.get(http::header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let essence = sent.as_deref().unwrap_or("").split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("image/png") {
        let named = if essence.is_empty() { "no content type".to_owned() } else { essence.chars().take(100).collect() };
        return Err(ApiError::UnsupportedMediaType(format!("send the edited image as image/png, not {named}")));
    }
    EditedPng::parse(read_body(headers, body, MAX_BYTES).await?)
}

/// The parent's columns a version inherits.
#[derive(Deserialize)]
struct Parent {
    #[serde(flatten)]
    made: Made,
    final_prompt: Option<String>,
}

const PARENT_COLUMNS: &str = "prompt,negative_prompt,final_prompt,template_id,quality,model,seed,title,alt_text,tags";

/// Saves `png` as a new version of the caller's image `parent_id`; answers it as `GET` shows it.
pub async fn save(app: &App, user: Uuid, parent_id: Uuid, edits: Edits, png: EditedPng) -> Result<Value, ApiError> {
    let query = app.db.from("generated_images").select(PARENT_COLUMNS).eq("id", parent_id.to_string());
    let parent: Parent = app.db.first(query.eq("user_id", user.to_string())).await?.ok_or_else(image::not_found)?;
    // Before the day's upload budget is charged: a full account is told so, and loses nothing.
    crate::routes::check_room(app, user).await?;
    // Charged once the upload is known to be decoded and stored: a refused body costs no CPU.
    super::volume::upload_budget(app, user, png.bytes.len()).await?;
    let (id, created_at) = (Uuid::new_v4(), timestamp(now()));
    let entries = entries(&parent, parent_id, &edits, &created_at);
    let stored = imaging::store_blocking(png.bytes.clone(), WIDTHS.to_vec(), entries).await.map_err(refused)?;
    let objects = objects::layout(user, id, stored);
    let (stored_bytes, publish_bytes) = (objects.stored_bytes(), objects.publish_bytes());
    let Objects { paths, derivatives, uploads } = objects;
    let version = json!({
        "id": id, "user_id": user, "prompt": parent.made.prompt, "negative_prompt": parent.made.negative_prompt,
        "final_prompt": parent.final_prompt, "template_id": parent.made.template_id,
        "aspect_ratio": studio_ratio(png.width, png.height).as_str(), "quality": parent.made.quality, "model": MODEL,
        "seed": parent.made.seed, "parent_image_id": parent_id, "title": parent.made.title, "alt_text": parent.made.alt_text,
        "tags": parent.made.tags, "storage_path": paths[0], "derivative_paths": derivative_paths(&derivatives),
        "width": png.width, "height": png.height, "bytes": uploads[0].1.len(), "mime_type": objects::ORIGINAL_MIME,
        "stored_bytes": stored_bytes, "publish_bytes": publish_bytes,
        "created_at": created_at, "updated_at": created_at,
    });
    let (uploaded, stored) = objects::upload(app, uploads).await;
    let recorded = match stored {
        Ok(()) => record(app, &paths, version).await,
        Err(err) => Err(err),
    };
    if recorded.is_err() {
        objects::discard(app, &uploaded, "version_cleanup_failed").await;
    }
    let mut shown = recorded?;
    shown["versions"] = json!({ "parent": parent_id, "children": [] });
    Ok(shown)
}

/// The parameters the stored original carries: the parent's, the edits and the time. The body's
/// own text, if any, is not kept (its pixels are encoded anew), so a downloaded file tells where
/// it came from and not what it claims.
fn entries(parent: &Parent, parent_id: Uuid, edits: &Edits, at: &str) -> Vec<(String, String)> {
    let seed = parent.made.seed.map(|s| s.to_string()).unwrap_or_default();
    let entries = [
        ("prompt", parent.made.prompt.as_str()),
        ("negative_prompt", parent.made.negative_prompt.as_deref().unwrap_or("")),
        ("final_prompt", parent.final_prompt.as_deref().unwrap_or("")),
        ("model", parent.made.model.as_str()),
        ("seed", seed.as_str()),
        ("parent_image_id", &parent_id.to_string()),
        ("edits", edits.0.as_deref().unwrap_or("")),
        ("created_at", at),
        ("software", "AI Image Studio"),
    ];
    entries.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// Signs the stored objects, then inserts the row. Signed first: once the row is written nothing
/// may fail, or the cleanup would delete objects a recorded row points at.
async fn record(app: &App, paths: &[String], version: Value) -> Result<Value, ApiError> {
    let signed = image::sign(app, &paths.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    let insert = app.db.from("generated_images").insert(version.to_string()).select(COLUMNS);
    let rows: Vec<Image> = app.db.fetch(insert).await?;
    let mut shown = image::present_signed(app, &rows, &signed);
    shown.pop().ok_or_else(|| ApiError::internal("the inserted version was not returned"))
}

/// A body that passed the header check but not decoding is the sender's; anything else is ours.
fn refused(err: ImagingError) -> ApiError {
    match err {
        ImagingError::NotPng | ImagingError::Decode(_) | ImagingError::Malformed(_) | ImagingError::TooLarge { .. } => {
            not_png()
        }
        ImagingError::ProfileTooLarge => {
            let limit = imaging::MAX_PROFILE_BYTES >> 20;
            ApiError::validation("body", format!("must not carry an ICC profile over {limit} MiB"))
        }
        other => ApiError::internal(other),
    }
}

fn derivative_paths(derivatives: &[(u32, u32, String)]) -> Map<String, Value> {
    derivatives.iter().map(|(width, _, path)| (width.to_string(), json!(path))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_optional_trimmed_limited_and_free_of_control_characters() {
        let parse = |raw: &str| Edits::parse(&Query::parse(raw));
        assert_eq!(parse("").unwrap(), Edits(None));
        assert_eq!(parse("edits=+++").unwrap(), Edits(None));
        assert_eq!(parse("edits=+crop+1%3A1%2C+rotate+90%C2%B0+").unwrap(), Edits(Some("crop 1:1, rotate 90°".into())));
        assert!(parse(&format!("edits={}", "é".repeat(200))).is_ok());
        for (case, raw) in
            [("201 characters", format!("edits={}", "é".repeat(201))), ("a newline", "edits=a%0Ab".into())]
        {
            assert_eq!(parse(&raw).unwrap_err().body()["details"]["field"], "edits", "{case}");
        }
    }

    #[test]
    fn the_ratio_is_the_nearest_the_studio_offers() {
        let cases = [
            ((1000, 1000), "1:1"),
            ((1100, 1000), "1:1"),
            ((1920, 1080), "16:9"),
            ((4096, 64), "16:9"),
            ((1080, 1920), "9:16"),
            ((800, 600), "4:3"),
            ((900, 1200), "3:4"),
        ];
        for ((width, height), ratio) in cases {
            assert_eq!(studio_ratio(width, height).as_str(), ratio, "{width}x{height}");
        }
    }
}
