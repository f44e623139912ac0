//! Prompt history: the caller's prompts with the settings they last used, pinned first, then the
//! most recently used; searchable, pinnable, deletable. It survives deleting the images it made.

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::domain::SearchTerm;
use crate::error::ApiError;
use crate::http::Query;
use crate::supabase::quote_filter_value;

const COLUMNS: &str = "id,prompt,negative_prompt,template_id,aspect_ratio,quality,seed,variations,is_pinned,\
use_count,last_used_at,created_at";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    is_pinned: bool,
}

pub fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::validation("id", "must be a prompt id (UUID)"))
}

/// `GET /api/gallery/prompts?q=&limit=` (limit 1–100, default 50).
pub async fn list(app: &App, user: Uuid, query: &Query) -> Result<Value, ApiError> {
    let limit = match query.get("limit") {
        None => 50,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::validation("limit", "must be between 1 and 100"))?,
    };
    let mut request = app.db.from("prompt_history").select(COLUMNS).eq("user_id", user.to_string());
    if let Some(term) = SearchTerm::parse("q", query.get("q"))? {
        request = request.or(format!("prompt.imatch.{}", quote_filter_value(&term.literal_regex())));
    }
    let request = request.order("is_pinned.desc,last_used_at.desc,id.desc").limit(limit);
    Ok(Value::Array(app.db.fetch(request).await?))
}

/// `PATCH /api/gallery/prompts/{id}` `{"is_pinned": bool}`.
pub async fn pin(app: &App, user: Uuid, id: Uuid, body: Pin) -> Result<Value, ApiError> {
    let request = app
        .db
        .from("prompt_history")
        .eq("id", id.to_string())
        .eq("user_id", user.to_string())
        .select(COLUMNS)
        .update(json!({ "is_pinned": body.is_pinned }).to_string());
    app.db.first(request).await?.ok_or_else(|| ApiError::NotFound("no such prompt".into()))
}

/// `DELETE /api/gallery/prompts/{id}`.
pub async fn delete(app: &App, user: Uuid, id: Uuid) -> Result<Value, ApiError> {
    let request =
        app.db.from("prompt_history").eq("id", id.to_string()).eq("user_id", user.to_string()).select("id").delete();
    let deleted: Option<Value> = app.db.first(request).await?;
    deleted.map(|_| json!({ "id": id, "deleted": true })).ok_or_else(|| ApiError::NotFound("no such prompt".into()))
}
