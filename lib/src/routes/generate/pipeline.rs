//! One generation or edit, from a paid-for request to stored, recorded images.
//!
//! Order matters for money: moderation and checks first (free), then the quota is taken, then the
//! model is called once per variation in parallel. Variations the model fails are refunded when the
//! images are recorded (the same transaction settles the hold). Once the first object is uploaded,
//! any failure (another upload, the database) deletes every object of the request and refunds every
//! unit; if the database is gone too, the hold gives them back when it expires: nothing
//! half-written, nothing charged for nothing.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Value, json};
use uuid::Uuid;

use super::objects::{self, WIDTHS};
use super::quota::{Charge, refund};
use crate::app::App;
use crate::domain::AspectRatio;
use crate::domain::generation::fold_negative_prompt;
use crate::domain::generation::{Generation, studio_ratio};
use crate::error::ApiError;
use crate::gemini::{GeminiError, GeneratedImage, ImageRequest, InputImage};
use crate::imaging;
use crate::routes::auth_common::timestamp;
use crate::routes::usage;
use crate::supabase::SignedUrl;

/// How long the URLs in a response stay valid.
const SIGNED_URL_TTL: Duration = Duration::from_secs(60 * 60);

/// What the model is asked, the same for every variation but the seed.
pub struct Job<'a> {
    pub user: Uuid,
    pub api_key: Option<Uuid>,
    pub generation: &'a Generation,
    pub template_id: Option<Uuid>,
    /// The instruction after the template is applied, before the negative prompt is folded in.
    pub prompt: String,
    pub negative: Option<String>,
    /// The source image of an edit, as the model may see it.
    pub parent: Option<(Uuid, InputImage)>,
    pub own_key: Option<crate::config::Secret>,
    /// When the request arrived: its images' usage rows record the time taken since.
    pub started: Instant,
}

/// A variation that came back from the model and was stored.
struct Stored {
    id: Uuid,
    image: GeneratedImage,
    paths: Vec<String>,
    derivatives: Vec<(u32, u32, String)>,
    /// The stored original's size.
    bytes: usize,
    /// Bytes of every stored object, and of the derivatives a publication copies.
    stored_bytes: u64,
    publish_bytes: u64,
}

/// Runs the paid part of a request; `charge` holds the units already taken.
pub async fn run(app: &App, job: &Job<'_>, charge: &Charge) -> Result<Value, ApiError> {
    let requests: Vec<ImageRequest> = (0..job.generation.variations).map(|i| image_request(job, i)).collect();
    // The variations run side by side: the model's wall time is the slowest call's.
    let asked = Instant::now();
    let results = join_all(requests.iter().map(|request| app.gemini.generate(request))).await;
    let model_ms = usage::millis(asked);
    let mut made = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(image) => made.push(image),
            Err(err) => errors.push(model_error(err, job.own_key.is_some())),
        }
    }
    let failed = u32::from(job.generation.variations) - made.len() as u32;
    if made.is_empty() {
        refund(app, job.user, charge, charge.units, "model_failed").await;
        return Err(errors.into_iter().next().unwrap_or_else(|| ApiError::internal("no variation ran")));
    }
    let mut uploaded: Vec<String> = Vec::new();
    match store_and_record(app, job, charge, made, model_ms, &mut uploaded).await {
        Ok(rows) => {
            // The request succeeds, but the variations the studio failed count against the route.
            let studio_failed = errors.iter().filter(|e| usage::studio_failed(e)).count() as u32;
            if let Some(error) = errors.iter().find(|e| usage::studio_failed(e)) {
                let details = json!({ "request_ms": usage::millis(job.started), "model_ms": model_ms });
                let action = if job.parent.is_some() { usage::Action::Edit } else { usage::Action::Generate };
                usage::record_failure(app, Some(job.user), job.api_key, action, studio_failed, error, details).await;
            }
            Ok(json!({ "images": rows, "failed_variations": failed }))
        }
        Err(err) => {
            objects::discard(app, &uploaded, "generation_cleanup_failed").await;
            refund(app, job.user, charge, charge.units, "storage_or_database_failed").await;
            Err(err)
        }
    }
}

/// A model failure as the user should hear it. With the operator's key, a refused key is the
/// operator's problem (500, logged); with the user's own key, it is theirs to fix.
fn model_error(err: GeminiError, own_key: bool) -> ApiError {
    match err {
        GeminiError::InvalidKey | GeminiError::PermissionDenied(_) if own_key => {
            ApiError::Forbidden("Gemini refused your own API key: check or replace it in Settings".into())
        }
        GeminiError::QuotaUnavailable(_) if own_key => ApiError::Forbidden(
            "your own Gemini key has no image quota (its Google project needs billing): replace or remove it in Settings".into(),
        ),
        other => other.into(),
    }
}

fn image_request(job: &Job<'_>, variation: u8) -> ImageRequest {
    let mut request = ImageRequest::new(job.prompt.clone());
    request.negative_prompt = job.negative.clone();
    request.aspect_ratio = job.generation.aspect_ratio;
    request.quality = job.generation.quality;
    // Each variation its own seed, so that one seed gives a reproducible set, not four copies.
    request.seed = job.generation.seed.map(|seed| seed.for_variation(variation));
    request.input_image = job.parent.as_ref().map(|(_, input)| input.clone());
    request.api_key = job.own_key.clone();
    request
}

async fn store_and_record(
    app: &App,
    job: &Job<'_>,
    charge: &Charge,
    made: Vec<GeneratedImage>,
    model_ms: u64,
    uploaded: &mut Vec<String>,
) -> Result<Vec<Value>, ApiError> {
    let created_at = timestamp(super::super::auth_common::now());
    let results = join_all(made.into_iter().map(|image| store(app, job, image, &created_at))).await;
    let mut stored = Vec::new();
    let mut first_error = None;
    for (attempted, result) in results {
        uploaded.extend(attempted);
        match result {
            Ok(one) => stored.push(one),
            Err(err) => first_error = first_error.or(Some(err)),
        }
    }
    if let Some(err) = first_error {
        return Err(err);
    }
    let images: Vec<Value> = stored.iter().enumerate().map(|(i, s)| row(job, s, i)).collect();
    let request = json!({
        "action": if job.parent.is_some() { "edit" } else { "generate" },
        "api_key_id": job.api_key, "template_id": job.template_id, "collection_id": job.generation.collection_id,
        "prompt": job.generation.prompt, "negative_prompt": job.generation.negative_prompt,
        "aspect_ratio": ratio_of(job, &stored[0].image).as_str(), "quality": job.generation.quality.as_str(),
        "seed": job.generation.seed.map(|s| s.get()), "variations": job.generation.variations,
        "details": { "model": stored[0].image.model, "model_ms": model_ms },
    });
    // Signed before recording: once the rows are written nothing may fail, or the cleanup would
    // delete objects that recorded rows point at (and refund images the user keeps).
    let paths: Vec<&str> = stored.iter().flat_map(|s| s.paths.iter().map(String::as_str)).collect();
    let signed = app.storage.sign(app.storage.private_bucket(), &paths, SIGNED_URL_TTL).await?;
    let mut request = request;
    // The whole request's time: arrival to everything stored and signed (the recording's own round
    // trip, which writes this figure, is the one part left out).
    request["details"]["request_ms"] = json!(usage::millis(job.started));
    // Settles the hold in the same transaction: the images keep their units, failed variations'
    // units are given back.
    let args = json!({ "p_hold": charge.hold, "p_user": job.user, "p_images": images, "p_request": request,
                       "p_now": created_at });
    let mut rows: Vec<Value> = app.db.fetch(app.db.rpc("record_held_generation", &args)).await?;
    for row in rows.iter_mut().filter_map(Value::as_object_mut) {
        // The bookkeeping columns are not part of an image as the API describes it.
        row.retain(|column, _| !BOOKKEEPING.contains(&column.as_str()));
    }
    Ok(with_urls(rows, &stored, &signed))
}

/// Columns of `generated_images` kept for the retention pass and the storage counters, never answered.
const BOOKKEEPING: [&str; 4] = ["collection_count", "retention_notified_at", "stored_bytes", "publish_bytes"];

/// Makes the original (WebP with the parameters embedded) and the derivatives, and uploads them all
/// in parallel. Returns every path an upload was attempted for, whatever the outcome.
async fn store(
    app: &App,
    job: &Job<'_>,
    image: GeneratedImage,
    created_at: &str,
) -> (Vec<String>, Result<Stored, ApiError>) {
    match prepare(job, image, created_at).await {
        Err(err) => (Vec::new(), Err(err)),
        Ok((prepared, uploads)) => {
            let (attempted, uploaded) = objects::upload(app, uploads).await;
            (attempted, uploaded.map(|()| prepared))
        }
    }
}

/// The stored form of one image: its row's facts and the objects to upload.
async fn prepare(
    job: &Job<'_>,
    image: GeneratedImage,
    created_at: &str,
) -> Result<(Stored, Vec<objects::Upload>), ApiError> {
    let id = Uuid::new_v4();
    let png = as_png(image.bytes.clone(), image.mime).await?;
    let seed = job.generation.seed.map(|s| s.to_string()).unwrap_or_default();
    let final_prompt = fold_negative_prompt(&job.prompt, job.negative.as_deref());
    let entries = [
        ("prompt", job.generation.prompt.as_str()),
        ("negative_prompt", job.generation.negative_prompt.as_deref().unwrap_or("")),
        ("final_prompt", final_prompt.as_str()),
        ("model", image.model.as_str()),
        ("seed", seed.as_str()),
        ("created_at", created_at),
        ("software", "AI Image Studio"),
    ];
    let entries = entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let stored = imaging::store_blocking(bytes::Bytes::from(png), WIDTHS.to_vec(), entries).await?;
    let bytes = stored.original.len();
    let objects = objects::layout(job.user, id, stored);
    let (stored_bytes, publish_bytes) = (objects.stored_bytes(), objects.publish_bytes());
    let objects::Objects { paths, derivatives, uploads } = objects;
    Ok((Stored { id, image, paths, derivatives, bytes, stored_bytes, publish_bytes }, uploads))
}

/// The model usually answers PNG; anything else is re-encoded so the pipeline decodes one format.
async fn as_png(bytes: Vec<u8>, mime: &str) -> Result<Vec<u8>, ApiError> {
    if mime == "image/png" {
        return Ok(bytes);
    }
    crate::cpu::run(move || {
        let decoded = image::load_from_memory(&bytes).map_err(|e| ApiError::internal(e.to_string()))?;
        let mut png = Vec::new();
        decoded
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(png)
    })
    .await
    .map_err(ApiError::internal)?
}

fn row(job: &Job<'_>, stored: &Stored, index: usize) -> Value {
    let derivative_paths: serde_json::Map<String, Value> =
        stored.derivatives.iter().map(|(width, _, path)| (width.to_string(), json!(path))).collect();
    json!({
        "id": stored.id, "prompt": job.generation.prompt, "negative_prompt": job.generation.negative_prompt,
        "final_prompt": fold_negative_prompt(&job.prompt, job.negative.as_deref()),
        "template_id": job.template_id, "aspect_ratio": ratio_of(job, &stored.image).as_str(),
        "quality": job.generation.quality.as_str(), "model": stored.image.model,
        "seed": job.generation.seed.map(|s| s.for_variation(index as u8).get()), "variation_index": index,
        "parent_image_id": job.parent.as_ref().map(|(id, _)| id), "storage_path": stored.paths[0],
        "derivative_paths": derivative_paths, "width": stored.image.width, "height": stored.image.height,
        "bytes": stored.bytes, "mime_type": objects::ORIGINAL_MIME,
        "stored_bytes": stored.stored_bytes, "publish_bytes": stored.publish_bytes,
    })
}

/// The ratio an image is recorded with: the one asked for, or, for an edit sent without one (the
/// model kept the source's framing), the studio's ratio nearest the pixels that came back, so that
/// filters and a later remix see the image's real shape.
fn ratio_of(job: &Job<'_>, image: &GeneratedImage) -> AspectRatio {
    job.generation.aspect_ratio.unwrap_or_else(|| studio_ratio(image.width, image.height))
}

/// The recorded rows with the signed URLs of the original and each derivative.
fn with_urls(rows: Vec<Value>, stored: &[Stored], signed: &[SignedUrl]) -> Vec<Value> {
    let url = |path: &str| signed.iter().find(|s| s.path == path).and_then(|s| s.url.clone().ok());
    rows.into_iter()
        .map(|mut row| {
            let Some(stored) = stored.iter().find(|s| row["id"] == json!(s.id)) else { return row };
            let derivatives: Vec<Value> = stored
                .derivatives
                .iter()
                .map(|(width, height, path)| json!({ "width": width, "height": height, "url": url(path) }))
                .collect();
            row["urls"] = json!({ "original": url(&stored.paths[0]), "derivatives": derivatives });
            row["model_text"] = json!(stored.image.text);
            row
        })
        .collect()
}
