//! A Gemini-compatible server for `generateContent` with image models: the real API's auth, model
//! and body checks and error shapes (services.md §6.2), answering with deterministic offline
//! preview images at the real pixel sizes. Mounted at `/gemini`: `GEMINI_BASE_URL={stack}/gemini`.
//!
//! - `schema`: the request body's fields; unknown ones refused in Google's words.
//! - [`validate`]: what is accepted, and Google's error body for what is not.
//! - [`render`]: the preview pictures and edit transforms, as PNG.
//! - [`record`]: [`Requests`], every request received, for tests to assert what was sent.
//! - [`answers`]: the real API's "drew nothing" answers, to queue as faults.

pub mod answers;
pub mod record;
pub mod render;
mod schema;
pub mod validate;

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

pub use record::{Received, Requests};
use validate::{Family, GoogleError, Valid};

/// The stand-in's API key. Not a secret: it opens a renderer on loopback.
pub const LOCAL_GEMINI_KEY: &str = "local-gemini-key-for-loopback-use-only";

/// The renderer's workers, one per CPU, as a server has a fixed number of them: unbounded, a burst
/// of a thousand requests renders side by side and starves the rest of the stack's process.
static RENDERERS: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(studio::cpu::slots()));

/// Inline images make big bodies; the real API took 20 MB inline before raising its limits.
pub(crate) const BODY_LIMIT: usize = 20 * 1024 * 1024;

/// `POST /v1beta/models/{model}:generateContent`, `GET /v1beta/models`.
pub fn router() -> Router {
    Router::new()
        .route("/v1beta/models", get(list_models))
        .route("/v1beta/models/{model_action}", post(generate))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

#[derive(Deserialize)]
struct KeyQuery {
    key: Option<String>,
}

async fn generate(
    Path(model_action): Path<String>,
    Query(query): Query<KeyQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        authorize(&headers, query.key.as_deref())?;
        let (model, action) = model_action.split_once(':').unwrap_or((&model_action, ""));
        if action != "generateContent" {
            return Err(GoogleError::model_not_found(model));
        }
        let family = Family::of(model)?;
        let request = validate::parse(family, &body)?;
        let model = model.to_owned();
        // Rendering and PNG encoding are CPU work: off the async threads, one render per worker.
        let _worker = RENDERERS.acquire().await.ok();
        tokio::task::spawn_blocking(move || answer(&model, family, &request))
            .await
            .map_err(|e| GoogleError::new(500, "INTERNAL", format!("the preview renderer failed: {e}")))?
    };
    match result.await {
        Ok(body) => Json(body).into_response(),
        Err(err) => err.into_response(),
    }
}

async fn list_models(Query(query): Query<KeyQuery>, headers: HeaderMap) -> Response {
    if let Err(err) = authorize(&headers, query.key.as_deref()) {
        return err.into_response();
    }
    let models: Vec<Value> =
        ["gemini-3.1-flash-image", "gemini-3-pro-image", "gemini-3.1-flash-lite-image", "gemini-2.5-flash-image"]
            .iter()
            .map(|id| {
                json!({ "name": format!("models/{id}"), "baseModelId": id, "version": "offline-preview",
                    "displayName": format!("{id} (offline preview)"),
                    "description": "Offline stand-in: renders labelled preview images, not model output.",
                    "inputTokenLimit": 65536, "outputTokenLimit": 32768,
                    "supportedGenerationMethods": ["generateContent", "countTokens"] })
            })
            .collect();
    Json(json!({ "models": models })).into_response()
}

/// `x-goog-api-key` (or `?key=`): missing is 403, wrong is 400 `API_KEY_INVALID`, as Google answers.
fn authorize(headers: &HeaderMap, query_key: Option<&str>) -> Result<(), GoogleError> {
    let key = headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()).or(query_key);
    match key {
        None => Err(GoogleError::new(
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). \
             Please use API Key or other form of API consumer identity to call this API.",
        )),
        Some(LOCAL_GEMINI_KEY) => Ok(()),
        Some(_) => Err(GoogleError {
            details: json!([{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                              "domain": "googleapis.com",
                              "metadata": { "service": "generativelanguage.googleapis.com" } }]),
            ..GoogleError::invalid("API key not valid. Please pass a valid API key.")
        }),
    }
}

/// The `GenerateContentResponse`: for 3.x models the thoughts first (a summary and a
/// low-resolution interim image, both `"thought": true`), then the text and the final image, as
/// the real models answer. An edit without an `aspectRatio` keeps its input's framing: the
/// family's ratio nearest the input, at that ratio's output size.
fn answer(model: &str, family: Family, request: &Valid) -> Result<Value, GoogleError> {
    let fingerprint = render::fingerprint(&request.prompt, request.seed);
    let image = match &request.input_image {
        Some(input) => {
            let input = render::decode_input(input).ok_or_else(|| {
                GoogleError::invalid(
                    "Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
                )
            })?;
            let ratio =
                request.aspect_ratio.as_deref().unwrap_or_else(|| family.nearest_ratio(input.width(), input.height()));
            let (width, height) = render::output_size(family, ratio, &request.image_size);
            render::edited(&input, fingerprint, width, height)
        }
        None => {
            let ratio = request.aspect_ratio.as_deref().unwrap_or("1:1");
            let (width, height) = render::output_size(family, ratio, &request.image_size);
            render::preview(fingerprint, width, height)
        }
    };
    let image_part =
        |image: &image::RgbImage| json!({ "mimeType": "image/png", "data": STANDARD.encode(render::png(image)) });
    let mut parts = Vec::new();
    if family.thinks() {
        let summary = format!("**Planning the picture**\nLaying out: {}", request.prompt);
        parts.push(json!({ "text": summary, "thought": true }));
        let draft = render::preview(fingerprint ^ 0xd1a7, (image.width() / 4).max(64), (image.height() / 4).max(64));
        parts.push(json!({ "inlineData": image_part(&draft), "thought": true }));
    }
    parts.push(json!({ "text": format!("Offline preview of: {}", request.prompt) }));
    let mut final_part = json!({ "inlineData": image_part(&image) });
    if family.thinks() {
        final_part["thoughtSignature"] = json!(STANDARD.encode(fingerprint.to_le_bytes()));
    }
    parts.push(final_part);
    Ok(json!({
        "candidates": [{ "content": { "role": "model", "parts": parts }, "finishReason": "STOP", "index": 0 }],
        "usageMetadata": usage(family, request),
        "modelVersion": model,
        "responseId": response_id(fingerprint),
    }))
}

/// Token counts shaped like the real ones: 1290 image tokens for 2.5 Flash, 747/1120/1680/2520
/// for 3.x at 512/1K/2K/4K, 258 per input image.
fn usage(family: Family, request: &Valid) -> Value {
    let image_tokens = match (family, request.image_size.as_str()) {
        (Family::Flash25 | Family::Lite, _) => 1290,
        (_, "512") => 747,
        (_, "2K") => 1680,
        (_, "4K") => 2520,
        _ => 1120,
    };
    let text_tokens = request.prompt.split_whitespace().count() as u64 + 1;
    let input_tokens = if request.input_image.is_some() { 258 } else { 0 };
    let prompt_tokens = text_tokens + input_tokens;
    json!({
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": image_tokens,
        "totalTokenCount": prompt_tokens + image_tokens,
        "promptTokensDetails": [{ "modality": "TEXT", "tokenCount": text_tokens }],
        "candidatesTokensDetails": [{ "modality": "IMAGE", "tokenCount": image_tokens }],
        "serviceTier": "standard",
    })
}

/// Unique per answer (like Google's), though the image is the same for the same prompt.
fn response_id(fingerprint: u64) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([fingerprint.to_le_bytes(), n.to_le_bytes()].concat())
}

/// Which Gemini the dev server's library calls. With `GEMINI_API_KEY` in the process environment
/// the real API (the library's default base URL and that key); otherwise this stand-in, already in
/// `env` from `stack::function_env`. `GEMINI_MODEL` is passed through either way. Returns the
/// start-up line that says which.
pub fn choose_backend(env: &mut Vec<(String, String)>, lookup: impl Fn(&str) -> Option<String>) -> String {
    let model = lookup("GEMINI_MODEL");
    if let Some(model) = &model {
        env.push(("GEMINI_MODEL".into(), model.clone()));
    }
    let Some(key) = lookup("GEMINI_API_KEY") else {
        return "Gemini: offline preview renderer".into();
    };
    env.retain(|(name, _)| name != "GEMINI_API_KEY" && name != "GEMINI_BASE_URL");
    env.push(("GEMINI_API_KEY".into(), key));
    let model = model.unwrap_or_else(|| studio::gemini::DEFAULT_MODEL.into());
    format!("Gemini: live API (model {model})")
}
