//! Profile and settings: `GET/PATCH /api/auth/profile`, `GET/PATCH /api/auth/settings`.
//! The profile carries the quota figures and their reset times, and the bytes the account's images
//! take against its storage limit, so the app can show meters.

use serde::Deserialize;
use serde_json::{Value, json};
use time::{Date, Duration, Month, OffsetDateTime};
use uuid::Uuid;

use crate::app::App;
use crate::domain::{Lines, refuse_controls, user_text};
use crate::error::ApiError;

/// The columns the profile shows.
const PROFILE_COLUMNS: &str = "id,email,email_verified_at,name,avatar_url,locale,created_at,daily_quota,monthly_quota,\
daily_used,monthly_used,daily_reset_on,monthly_reset_on,gemini_key_last4,storage_used_bytes,is_operator";

#[derive(Deserialize)]
struct ProfileRow {
    id: Uuid,
    email: String,
    email_verified_at: Option<String>,
    name: Option<String>,
    avatar_url: Option<String>,
    locale: String,
    created_at: String,
    daily_quota: i64,
    monthly_quota: i64,
    daily_used: i64,
    monthly_used: i64,
    /// `YYYY-MM-DD`, as PostgreSQL renders a date.
    daily_reset_on: Option<String>,
    monthly_reset_on: Option<String>,
    gemini_key_last4: Option<String>,
    /// Kept by the image rows' triggers: private objects and published copies.
    storage_used_bytes: i64,
    is_operator: bool,
}

/// What a user may change about themselves; anything else is refused by name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    name: Option<String>,
    avatar_url: Option<String>,
    locale: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    default_quality: Option<String>,
    default_aspect_ratio: Option<String>,
    /// Absent: unchanged; `null`: no default template; an id: that template.
    #[serde(default, deserialize_with = "present")]
    default_template_id: Option<Option<Uuid>>,
    email_notifications: Option<bool>,
    offline_cache: Option<bool>,
    show_prompt_publicly: Option<bool>,
}

/// Tells a field sent as `null` (Some(None)) from one not sent at all (None).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(d).map(Some)
}

const ASPECT_RATIOS: [&str; 5] = ["1:1", "16:9", "9:16", "4:3", "3:4"];

const SETTINGS_COLUMNS: &str =
    "default_quality,default_aspect_ratio,default_template_id,email_notifications,offline_cache,show_prompt_publicly";

pub async fn profile(app: &App, user: Uuid) -> Result<Value, ApiError> {
    let query = app.db.from("users").select(PROFILE_COLUMNS).eq("id", user.to_string());
    let row: ProfileRow = app.db.first(query).await?.ok_or_else(|| ApiError::NotFound("no such account".into()))?;
    Ok(render(app, row, OffsetDateTime::now_utc().date()))
}

pub async fn update_profile(app: &App, user: Uuid, patch: ProfilePatch) -> Result<Value, ApiError> {
    let mut changes = serde_json::Map::new();
    if let Some(name) = patch.name {
        changes.insert("name".into(), json!(display_name(&name)?));
    }
    if let Some(url) = patch.avatar_url {
        changes.insert("avatar_url".into(), if url.is_empty() { Value::Null } else { json!(avatar_url(&url)?) });
    }
    if let Some(locale) = patch.locale {
        if !["id", "en"].contains(&locale.as_str()) {
            return Err(ApiError::validation("locale", "must be id or en"));
        }
        changes.insert("locale".into(), json!(locale));
    }
    if changes.is_empty() {
        return profile(app, user).await;
    }
    // The changed row comes back from the update itself: a second read could fail after the
    // change was made and answer an error for it.
    let query = app
        .db
        .from("users")
        .select(PROFILE_COLUMNS)
        .eq("id", user.to_string())
        .update(Value::Object(changes).to_string());
    let row: ProfileRow = app.db.first(query).await?.ok_or_else(|| ApiError::NotFound("no such account".into()))?;
    Ok(render(app, row, OffsetDateTime::now_utc().date()))
}

pub async fn settings(app: &App, user: Uuid) -> Result<Value, ApiError> {
    let query = app.db.from("user_settings").select(SETTINGS_COLUMNS).eq("user_id", user.to_string());
    let stored: Option<Value> = app.db.first(query).await?;
    Ok(stored.unwrap_or_else(default_settings))
}

pub async fn update_settings(app: &App, user: Uuid, patch: SettingsPatch) -> Result<Value, ApiError> {
    let mut row = serde_json::Map::new();
    row.insert("user_id".into(), json!(user));
    if let Some(quality) = patch.default_quality {
        if !["standard", "high"].contains(&quality.as_str()) {
            return Err(ApiError::validation("default_quality", "must be standard or high"));
        }
        row.insert("default_quality".into(), json!(quality));
    }
    if let Some(ratio) = patch.default_aspect_ratio {
        if !ASPECT_RATIOS.contains(&ratio.as_str()) {
            return Err(ApiError::validation("default_aspect_ratio", "must be one of 1:1, 16:9, 9:16, 4:3, 3:4"));
        }
        row.insert("default_aspect_ratio".into(), json!(ratio));
    }
    if let Some(template) = patch.default_template_id {
        if let Some(id) = template {
            let query = app.db.from("style_templates").select("id").eq("id", id.to_string()).eq("is_active", "true");
            if app.db.first::<Value>(query).await?.is_none() {
                return Err(ApiError::validation("default_template_id", "is not an active template"));
            }
        }
        row.insert("default_template_id".into(), json!(template));
    }
    for (name, value) in [
        ("email_notifications", patch.email_notifications),
        ("offline_cache", patch.offline_cache),
        ("show_prompt_publicly", patch.show_prompt_publicly),
    ] {
        if let Some(value) = value {
            row.insert(name.into(), json!(value));
        }
    }
    // The stored row comes back from the write itself, as with the profile.
    let query = app.db.from("user_settings").upsert(Value::Object(row).to_string()).on_conflict("user_id");
    let stored: Option<Value> = app.db.first(query.select(SETTINGS_COLUMNS)).await?;
    stored.ok_or_else(|| ApiError::internal("the settings were not returned"))
}

fn default_settings() -> Value {
    json!({ "default_quality": "standard", "default_aspect_ratio": "1:1", "default_template_id": null,
            "email_notifications": true, "offline_cache": true, "show_prompt_publicly": false })
}

fn display_name(raw: &str) -> Result<String, ApiError> {
    user_text("name", raw, 1, 100, Lines::One)
}

/// Only https images: the app renders the avatar, and an http or javascript: URL would be unsafe.
fn avatar_url(raw: &str) -> Result<String, ApiError> {
    let refuse = || ApiError::validation("avatar_url", "must be an https URL of at most 2048 characters");
    // The URL parser would silently drop a tab or line break and encode the rest: refused instead.
    refuse_controls("avatar_url", raw, Lines::One)?;
    let url = url::Url::parse(raw).map_err(|_| refuse())?;
    // The stored form is measured: percent-encoding can take a short input past the column's limit.
    let stored = url.to_string();
    if url.scheme() != "https" || url.host_str().is_none() || stored.len() > 2048 {
        return Err(refuse());
    }
    Ok(stored)
}

/// The profile with the quota as the user should see it today: a counter from an earlier day
/// (or month) is shown as reset, as the quota function will reset it on the next generation.
/// `operator` tells the app to offer the operator's screen (the operator routes decide for themselves).
fn render(app: &App, row: ProfileRow, today: Date) -> Value {
    let operator = super::operator::is_operator(app, &row.email, row.email_verified_at.is_some(), row.is_operator);
    let month_start = today.replace_day(1).unwrap_or(today);
    let daily_used = if row.daily_reset_on == Some(today.to_string()) { row.daily_used } else { 0 };
    let monthly_used = if row.monthly_reset_on == Some(month_start.to_string()) { row.monthly_used } else { 0 };
    let byok = row.gemini_key_last4.is_some();
    json!({
        "id": row.id, "email": row.email, "email_verified": row.email_verified_at.is_some(),
        "name": row.name, "avatar_url": row.avatar_url, "locale": row.locale, "created_at": row.created_at,
        "gemini_key": { "present": byok, "last4": row.gemini_key_last4 }, "operator": operator,
        "quota": {
            // A user's own Gemini key lifts the daily quota (they pay the model); the month still counts.
            "daily": { "used": daily_used, "limit": if byok { Value::Null } else { json!(row.daily_quota) },
                       "resets_at": midnight(today + Duration::days(1)) },
            "monthly": { "used": monthly_used, "limit": row.monthly_quota, "resets_at": midnight(next_month(month_start)) },
        },
        "storage": { "used_bytes": row.storage_used_bytes, "limit_bytes": app.config.storage_limits.user_bytes },
    })
}

/// The profile as an API key reads it: without the e-mail address and the Gemini key's last four
/// characters. No scope grants them: a key given to a tool or a script needs the quota and the
/// name, and a leaked key should not also leak who owns it or help recognise their Gemini key.
pub fn for_api_key(mut profile: Value) -> Value {
    if let Some(fields) = profile.as_object_mut() {
        fields.remove("email");
        // The operator's screen is not reachable with a key, and a key should not tell whose it is.
        fields.remove("operator");
    }
    if let Some(gemini_key) = profile.get_mut("gemini_key").and_then(Value::as_object_mut) {
        gemini_key.remove("last4");
    }
    profile
}

fn next_month(first: Date) -> Date {
    let (year, month) = if first.month() == Month::December {
        (first.year() + 1, Month::January)
    } else {
        (first.year(), first.month().next())
    };
    Date::from_calendar_date(year, month, 1).unwrap_or(first)
}

fn midnight(day: Date) -> String {
    format!("{day}T00:00:00Z")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn field(err: &ApiError) -> String {
        err.body()["details"]["field"].as_str().unwrap_or_default().to_owned()
    }

    proptest! {
        #[test]
        fn display_names_are_trimmed_clean_and_at_most_100_characters(raw in any::<String>()) {
            match display_name(&raw) {
                Ok(name) => {
                    prop_assert_eq!(name.as_str(), raw.trim());
                    prop_assert!((1..=100).contains(&name.chars().count()) && !name.chars().any(char::is_control));
                }
                Err(err) => prop_assert_eq!(field(&err), "name"),
            }
        }

        #[test]
        fn avatars_are_https_urls_with_a_host_that_fit_the_column(
            raw in prop_oneof![any::<String>(), "(https?|javascript|data|file):(//)?[ -~é]{0,2100}"],
        ) {
            match avatar_url(&raw) {
                Ok(url) => prop_assert!(url.starts_with("https://") && url.len() <= 2048, "{url}"),
                Err(err) => prop_assert_eq!(field(&err), "avatar_url"),
            }
        }
    }
}
