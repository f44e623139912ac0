//! Keys a user holds with us: developer API keys (`ais_…`, scoped, shown once, stored hashed) and
//! their own Gemini key (sealed with AES-256-GCM; only its last four characters ever come back).

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::common::{now, timestamp};
use crate::app::App;
use crate::auth::principal::Scope;
use crate::auth::secretbox::Sealed;
use crate::auth::tokens;
use crate::domain::{Lines, user_text};
use crate::error::ApiError;
use crate::supabase::bytea;

/// Enough for every integration a person runs; bounds what a stolen session can mint.
const MAX_LIVE_KEYS: usize = 25;

const KEY_COLUMNS: &str = "id,name,prefix,scopes,expires_at,last_used_at,created_at";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    name: String,
    scopes: Vec<String>,
    /// Days until the key stops working; none means it works until revoked.
    #[serde(default)]
    expires_in_days: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeminiKey {
    api_key: String,
}

pub async fn create(app: &App, user: Uuid, body: NewKey) -> Result<Value, ApiError> {
    let name = user_text("name", &body.name, 1, 100, Lines::One)?;
    let mut scopes = Vec::new();
    for raw in &body.scopes {
        let scope = Scope::parse(raw)
            .ok_or_else(|| ApiError::validation("scopes", "each must be generate, gallery:read or gallery:write"))?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(ApiError::validation("scopes", "must name at least one scope"));
    }
    let expires_at = match body.expires_in_days {
        Some(days @ 1..=3650) => Some(timestamp(now() + time::Duration::days(i64::from(days)))),
        Some(_) => return Err(ApiError::validation("expires_in_days", "must be between 1 and 3650")),
        None => None,
    };
    if live_keys(app, user).await?.len() >= MAX_LIVE_KEYS {
        return Err(ApiError::Conflict(format!("an account may hold at most {MAX_LIVE_KEYS} live API keys")));
    }
    let (key, prefix) = tokens::new_api_key();
    let scopes: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    let row = json!({ "user_id": user, "name": name, "prefix": prefix, "scopes": scopes,
                      "key_hash": bytea(&tokens::token_hash(&key)), "expires_at": expires_at });
    let created: Vec<Value> = app.db.fetch(app.db.from("api_keys").insert(row.to_string()).select(KEY_COLUMNS)).await?;
    let mut created = created.into_iter().next().ok_or_else(|| ApiError::internal("the new key was not returned"))?;
    // The only time the key itself is shown: it is stored as a hash.
    created["key"] = json!(key);
    Ok(created)
}

/// The account's keys that still work, newest first.
pub async fn live_keys(app: &App, user: Uuid) -> Result<Vec<Value>, ApiError> {
    let query = app
        .db
        .from("api_keys")
        .select(KEY_COLUMNS)
        .eq("user_id", user.to_string())
        .is("revoked_at", "null")
        .or(format!("expires_at.is.null,expires_at.gt.{}", timestamp(now())))
        .order("created_at.desc");
    Ok(app.db.fetch(query).await?)
}

/// Revokes one of the account's keys; another account's key is "not found".
pub async fn revoke(app: &App, user: Uuid, key: Uuid) -> Result<Value, ApiError> {
    let query = app
        .db
        .from("api_keys")
        .eq("id", key.to_string())
        .eq("user_id", user.to_string())
        .is("revoked_at", "null")
        .select("id,revoked_at")
        .update(json!({ "revoked_at": timestamp(now()) }).to_string());
    let revoked: Option<Value> = app.db.first(query).await?;
    revoked.ok_or_else(|| ApiError::NotFound("no such API key".into()))
}

pub async fn gemini_key(app: &App, user: Uuid) -> Result<Value, ApiError> {
    let query = app.db.from("users").select("gemini_key_last4").eq("id", user.to_string());
    let row: Value = app.db.first(query).await?.unwrap_or_default();
    Ok(json!({ "present": !row["gemini_key_last4"].is_null(), "last4": row["gemini_key_last4"] }))
}

/// Stores (or replaces) the user's own Gemini key, sealed and bound to the account.
pub async fn set_gemini_key(app: &App, user: Uuid, body: GeminiKey) -> Result<Value, ApiError> {
    let key = body.api_key.trim();
    if key.len() < 20 || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::validation("api_key", "must be a Gemini API key (20–200 visible characters)"));
    }
    let Sealed { ciphertext, nonce } =
        app.config.auth.secretbox.seal(key.as_bytes(), user.as_bytes()).map_err(ApiError::internal)?;
    let last4: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    let change = json!({ "gemini_key_ciphertext": bytea(&ciphertext), "gemini_key_nonce": bytea(&nonce),
                         "gemini_key_last4": last4 });
    app.db.run(app.db.from("users").eq("id", user.to_string()).update(change.to_string())).await?;
    Ok(json!({ "present": true, "last4": last4 }))
}

pub async fn delete_gemini_key(app: &App, user: Uuid) -> Result<Value, ApiError> {
    let change = json!({ "gemini_key_ciphertext": null, "gemini_key_nonce": null, "gemini_key_last4": null });
    app.db.run(app.db.from("users").eq("id", user.to_string()).update(change.to_string())).await?;
    Ok(json!({ "present": false, "last4": null }))
}
