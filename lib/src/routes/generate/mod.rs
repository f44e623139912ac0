//! `/api/generate`: images from text, edits of images, and the quota.
//!
//! - `POST /api/generate`: a prompt (and template, ratio, quality, seed, 1–4 variations, collection).
//! - `POST /api/generate/edit`: an instruction applied to one of the caller's images or a public one.
//! - `GET /api/generate/quota`: used, limit and reset time for the day and the month.
//!
//! Both POSTs honour an `Idempotency-Key` header: a retry gets the first answer without a second
//! model call or charge; the same key with another body is a 409.

mod budget;
mod idempotency;
pub(super) mod objects;
mod pipeline;
mod quota;

use std::time::Instant;

use http::{Method, StatusCode};
use http_body::Body as HttpBody;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::auth::principal::{self, Principal, Scope};
use crate::auth::secretbox::Sealed;
use crate::config::Secret;
use crate::domain::generation::{Defaults, GenerateBody, Generation, TemplateText, blocked_phrase, build_prompt};
use crate::domain::{AspectRatio, Quality, TemplateRef};
use crate::domain::{Lines, user_text};
use crate::error::{ApiError, BoxError};
use crate::gemini::InputImage;
use crate::http::{Body, Cached, JSON_BODY_LIMIT, Meta, Request, Router, json_from_bytes, json_response, read_body};
use crate::kv::{Algorithm, Limit, OnFailure, now_ms};
use crate::routes::usage;
use crate::supabase::DbError;

#[derive(Clone, Copy)]
enum Endpoint {
    Generate,
    Edit,
    Quota,
}

static ROUTER: Router<Endpoint> = Router::new(&[
    (Method::POST, "/api/generate", Endpoint::Generate),
    (Method::POST, "/api/generate/edit", Endpoint::Edit),
    (Method::GET, "/api/generate/quota", Endpoint::Quota),
]);

/// This function's routes, for the published API description.
pub(super) fn routes() -> Vec<(Method, &'static str)> {
    ROUTER.routes()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditBody {
    image_id: Uuid,
    instruction: String,
    aspect_ratio: Option<String>,
    quality: Option<String>,
    seed: Option<i64>,
    variations: Option<u8>,
    collection_id: Option<Uuid>,
}

pub async fn handle<B>(app: &App, req: Request<B>) -> Result<http::Response<Body>, ApiError>
where
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    // The request's wall time starts here: the generation time the operator's report measures.
    let started = Instant::now();
    let (endpoint, _) = ROUTER.resolve(&req.method, &req.path)?;
    let who = principal::authenticate(app, &req.headers).await?;
    who.require(Scope::Generate)?;
    if let Endpoint::Quota = endpoint {
        let profile = crate::routes::auth_profile(app, who.user_id).await?;
        return Ok(json_response(StatusCode::OK, &profile["quota"], Meta::new(&req.request_id), Cached::Never));
    }
    let bytes = read_body(&req.headers, req.body, JSON_BODY_LIMIT).await?;
    let claim = idempotency::claim(app, &who, &req.headers, &req.method, &req.path, &bytes).await?;
    if let idempotency::Claim::Replay(response) = claim {
        return Ok(response);
    }
    let (result, action) = match endpoint {
        Endpoint::Generate => {
            (generate(app, &who, json_from_bytes(&req.headers, &bytes)?, started).await, usage::Action::Generate)
        }
        Endpoint::Edit => (edit(app, &who, json_from_bytes(&req.headers, &bytes)?, started).await, usage::Action::Edit),
        Endpoint::Quota => unreachable!("answered above"),
    };
    if let Err(error) = &result {
        let details = json!({ "request_ms": usage::millis(started) });
        let asked = asked_variations(&bytes);
        usage::record_failure(app, Some(who.user_id), who.api_key_id(), action, asked, error, details).await;
    }
    let data = idempotency::settle(app, &who, &claim, result, StatusCode::CREATED).await?;
    Ok(json_response(StatusCode::CREATED, data, Meta::new(&req.request_id), Cached::Never))
}

async fn generate(app: &App, who: &Principal, body: GenerateBody, started: Instant) -> Result<Value, ApiError> {
    let generation = Generation::parse(body, &defaults(app, who.user_id).await?)?;
    let template = match &generation.template {
        Some(reference) => Some(template(app, reference).await?),
        None => None,
    };
    let words = template.as_ref().map(|t| TemplateText {
        prefix: &t.prompt_prefix,
        suffix: &t.prompt_suffix,
        negative: &t.negative_prompt,
    });
    let (prompt, negative) = build_prompt(&generation.prompt, generation.negative_prompt.as_deref(), words.as_ref());
    let job = pipeline::Job {
        user: who.user_id,
        api_key: who.api_key_id(),
        generation: &generation,
        template_id: template.as_ref().map(|t| t.id),
        prompt,
        negative,
        parent: None,
        own_key: None,
        started,
    };
    paid(app, who, job).await
}

async fn edit(app: &App, who: &Principal, body: EditBody, started: Instant) -> Result<Value, ApiError> {
    let instruction = user_text("instruction", &body.instruction, 1, 1000, Lines::Many)?;
    let defaults = defaults(app, who.user_id).await?;
    let generation = Generation::parse(
        GenerateBody {
            prompt: instruction,
            negative_prompt: None,
            template: None,
            aspect_ratio: body.aspect_ratio,
            quality: body.quality,
            seed: body.seed,
            variations: body.variations,
            collection_id: body.collection_id,
        },
        // No ratio given: none is sent, and the model keeps the source image's framing.
        &Defaults { template: None, aspect_ratio: None, ..defaults },
    )?;
    let source = source_image(app, who.user_id, body.image_id).await?;
    let job = pipeline::Job {
        user: who.user_id,
        api_key: who.api_key_id(),
        generation: &generation,
        template_id: None,
        prompt: generation.prompt.clone(),
        negative: None,
        parent: Some((body.image_id, source)),
        own_key: None,
        started,
    };
    paid(app, who, job).await
}

/// The checks that cost nothing, then the charge, then the model: moderation, the collection, the
/// account's and the studio's storage (a user's own key stores in the studio's too), the
/// short-window limit (failing closed: generation costs money), the user's own key, the studio's
/// per-minute cap and the quota with the daily budget (both skipped for a user's own key).
async fn paid(app: &App, who: &Principal, mut job: pipeline::Job<'_>) -> Result<Value, ApiError> {
    let checked = format!("{}\n{}", job.prompt, job.negative.as_deref().unwrap_or(""));
    if let Some(phrase) = blocked_phrase(&checked, &app.config.generation.blocklist) {
        return Err(ApiError::ContentRejected(format!(
            "the prompt asks for something the studio does not make ({phrase})"
        )));
    }
    if let Some(collection) = job.generation.collection_id {
        collection_of(app, who.user_id, collection).await?;
    }
    crate::routes::check_room(app, who.user_id).await?;
    generation_limit(app).check(&app.kv, &who.rate_limit_key(), now_ms()).await?.enforce()?;
    job.own_key = own_gemini_key(app, who).await?;
    let (units, byok) = (u32::from(job.generation.variations), job.own_key.is_some());
    let minute = if byok { None } else { budget::this_minute(app, units).await? };
    let charge = match quota::consume(app, who.user_id, units, byok).await {
        Ok(Ok(charge)) => charge,
        refused => {
            if let Some(minute) = minute {
                minute.give_back(app).await;
            }
            let refused = refused?.err().ok_or_else(|| ApiError::internal("a charge neither taken nor refused"))?;
            budget::alert(app, refused.day, refused.budget_used, &refused.alerts).await;
            return Err(refused.error);
        }
    };
    // The operator's alert goes out beside the model call, so it delays no answer.
    let alerting = budget::alert(app, charge.day, charge.budget_used, &charge.alerts);
    let (answer, ()) = futures_util::future::join(pipeline::run(app, &job, &charge), alerting).await;
    let mut answer = answer?;
    // The images are recorded and paid for: nothing after this may turn the answer into an error,
    // or a client retrying without an Idempotency-Key would pay twice.
    answer["quota"] = match crate::routes::auth_profile(app, who.user_id).await {
        Ok(profile) => profile["quota"].clone(),
        Err(err) => {
            eprintln!("{}", json!({ "level": "warn", "event": "quota_figures_unavailable", "error": err.to_string() }));
            Value::Null
        }
    };
    answer["model"] = json!(app.gemini.model());
    Ok(answer)
}

/// The variations a failed request asked for, each a unit of the route's failure rate: read
/// leniently, since the request may have failed before its body was parsed (1 when unknown).
fn asked_variations(body: &[u8]) -> u32 {
    let asked = serde_json::from_slice::<Value>(body).ok().and_then(|v| v["variations"].as_u64()).unwrap_or(1);
    asked.clamp(1, 4) as u32
}

fn generation_limit(app: &App) -> Limit {
    Limit {
        name: "generate",
        max: app.config.generation.rate_per_minute,
        window: std::time::Duration::from_secs(60),
        algorithm: Algorithm::SlidingWindow,
        on_failure: OnFailure::Deny,
    }
}

/// The user's settings as generation defaults.
async fn defaults(app: &App, user: Uuid) -> Result<Defaults, ApiError> {
    let settings = crate::routes::auth_settings(app, user).await?;
    Ok(Defaults {
        quality: if settings["default_quality"] == "high" { Quality::High } else { Quality::Standard },
        aspect_ratio: Some(
            settings["default_aspect_ratio"].as_str().and_then(AspectRatio::parse).unwrap_or(AspectRatio::R1x1),
        ),
        template: settings["default_template_id"].as_str().and_then(|id| Uuid::try_parse(id).ok()),
    })
}

#[derive(Deserialize)]
struct TemplateRow {
    id: Uuid,
    prompt_prefix: String,
    prompt_suffix: String,
    negative_prompt: String,
}

async fn template(app: &App, reference: &TemplateRef) -> Result<TemplateRow, ApiError> {
    let query =
        app.db.from("style_templates").select("id,prompt_prefix,prompt_suffix,negative_prompt").eq("is_active", "true");
    let query = match reference {
        TemplateRef::Id(id) => query.eq("id", id.to_string()),
        TemplateRef::Slug(slug) => query.eq("slug", slug.as_str()),
    };
    app.db.first(query).await?.ok_or_else(|| ApiError::validation("template", "is not an active template"))
}

/// 404 unless the collection is the user's.
async fn collection_of(app: &App, user: Uuid, collection: Uuid) -> Result<(), ApiError> {
    let query =
        app.db.from("collections").select("id").eq("id", collection.to_string()).eq("user_id", user.to_string());
    match app.db.first::<Value>(query).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound("no such collection".into())),
    }
}

/// The original of an image the user may edit (their own, or a published one) as the model may see
/// it. Anything else is "not found", whether or not it exists.
async fn source_image(app: &App, user: Uuid, image: Uuid) -> Result<InputImage, ApiError> {
    #[derive(Deserialize)]
    struct Source {
        storage_path: String,
    }
    let query = app
        .db
        .from("generated_images")
        .select("storage_path")
        .eq("id", image.to_string())
        .or(format!("user_id.eq.{user},is_public.is.true"));
    let source: Source = app.db.first(query).await?.ok_or_else(|| ApiError::NotFound("no such image".into()))?;
    let original = app.storage.download(app.storage.private_bucket(), &source.storage_path).await?.bytes;
    // Pixels only reach the model: the original's text chunks or XMP hold its prompt and seed, which
    // the owner of a published image may keep hidden.
    let (bytes, mime) = crate::imaging::model_input_blocking(original).await?;
    Ok(InputImage { bytes, mime: mime.to_owned() })
}

/// The user's own Gemini key, opened, if they set one.
async fn own_gemini_key(app: &App, who: &Principal) -> Result<Option<Secret>, ApiError> {
    if !who.has_gemini_key {
        return Ok(None);
    }
    #[derive(Deserialize)]
    struct Row {
        gemini_key_ciphertext: Option<String>,
        gemini_key_nonce: Option<String>,
    }
    let query = app.db.from("users").select("gemini_key_ciphertext,gemini_key_nonce").eq("id", who.user_id.to_string());
    let row: Option<Row> = app.db.first(query).await?;
    let Some(Row { gemini_key_ciphertext: Some(ciphertext), gemini_key_nonce: Some(nonce) }) = row else {
        return Ok(None);
    };
    let (ciphertext, nonce) = (unhex(&ciphertext)?, unhex(&nonce)?);
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| ApiError::internal("a stored nonce is not 12 bytes"))?;
    let key = app
        .config
        .auth
        .secretbox
        .open(&Sealed { ciphertext, nonce }, who.user_id.as_bytes())
        .map_err(ApiError::internal)?;
    Ok(Some(Secret::new(String::from_utf8(key).map_err(ApiError::internal)?)))
}

/// PostgREST renders `bytea` as `\x` and hex.
fn unhex(text: &str) -> Result<Vec<u8>, ApiError> {
    let hex =
        text.strip_prefix("\\x").ok_or_else(|| ApiError::internal(DbError::Decode("bytea without \\x".into())))?;
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or(""), 16).map_err(ApiError::internal))
        .collect()
}
