//! Share links, for their owner: make one for an image or a collection (optional expiry, prompt
//! shown or not), list them with their view counts, revoke one. What a visitor of a link sees is
//! in `shared.rs`.

use http::HeaderMap;
use http_body::Body as HttpBody;
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use super::shared::Target;
use super::window::Window;
use crate::app::App;
use crate::auth::principal::Principal;
use crate::domain::ShareToken;
use crate::error::{ApiError, BoxError};
use crate::http::{JSON_BODY_LIMIT, Query, json_from_bytes, read_body};
use crate::routes::auth_common::{now, timestamp};
use crate::routes::usage::{self, Action};

/// A year: longer is more likely a typo than an intent; no expiry at all is the way to say "keep".
const MAX_LIFETIME: Duration = Duration::days(365);
/// An expiry closer than this would be past before the row is written.
const MIN_LIFETIME: Duration = Duration::minutes(1);

/// The body of `POST …/share`; every field optional, and so is the body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewShare {
    expires_in_hours: Option<i64>,
    expires_at: Option<String>,
    show_prompt: Option<bool>,
}

/// A checked request: when the link ends, if ever, and whether visitors see the prompt.
#[derive(Debug, PartialEq)]
pub(super) struct Terms {
    expires_at: Option<OffsetDateTime>,
    show_prompt: bool,
}

impl Terms {
    pub(super) fn parse(body: NewShare, now: OffsetDateTime) -> Result<Self, ApiError> {
        let max_hours = MAX_LIFETIME.whole_hours();
        let expires_at = match (body.expires_in_hours, body.expires_at) {
            (Some(_), Some(_)) => {
                return Err(ApiError::validation("expires_at", "give expires_in_hours or expires_at, not both"));
            }
            (Some(hours), None) if (1..=max_hours).contains(&hours) => Some(now + Duration::hours(hours)),
            (Some(_), None) => {
                let message = format!("must be a whole number of hours from 1 to {max_hours}");
                return Err(ApiError::validation("expires_in_hours", message));
            }
            (None, Some(raw)) => {
                let at = OffsetDateTime::parse(&raw, &Rfc3339)
                    .map_err(|_| ApiError::validation("expires_at", "must be an RFC 3339 time"))?;
                if at < now + MIN_LIFETIME || at > now + MAX_LIFETIME {
                    let message = "must be at least a minute from now and at most 365 days ahead";
                    return Err(ApiError::validation("expires_at", message));
                }
                Some(at.to_offset(UtcOffset::UTC))
            }
            (None, None) => None,
        };
        Ok(Self { expires_at, show_prompt: body.show_prompt.unwrap_or(false) })
    }
}

/// The body of `POST …/share`: none (or only whitespace) takes the defaults.
pub async fn read_new_share<B>(headers: &HeaderMap, body: B) -> Result<NewShare, ApiError>
where
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    let bytes = read_body(headers, body, JSON_BODY_LIMIT).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(NewShare::default());
    }
    json_from_bytes(headers, &bytes)
}

/// A link as its owner sees it.
#[derive(Deserialize)]
struct Share {
    id: Uuid,
    token: String,
    image_id: Option<Uuid>,
    collection_id: Option<Uuid>,
    show_prompt: bool,
    expires_at: Option<String>,
    revoked_at: Option<String>,
    view_count: i64,
    created_at: String,
    /// `active`, `expired` or `revoked` (`share_state` in SQL); a link just made is active.
    #[serde(default = "active")]
    state: String,
}

fn active() -> String {
    "active".to_owned()
}

impl Share {
    fn to_json(&self, app: &App) -> Value {
        let target = match (self.image_id, self.collection_id) {
            (Some(id), _) => json!({ "type": "image", "id": id }),
            (None, id) => json!({ "type": "collection", "id": id }),
        };
        json!({
            "id": self.id, "token": self.token, "url": share_url(app, &self.token), "target": target,
            "show_prompt": self.show_prompt, "expires_at": self.expires_at, "revoked_at": self.revoked_at,
            "view_count": self.view_count, "created_at": self.created_at, "state": self.state,
        })
    }
}

/// `{APP_URL}/s/{token}`: the page that previews in chats and opens the image for anyone.
pub fn share_url(app: &App, token: &str) -> String {
    format!("{}/s/{token}", app.config.auth.app_url.as_str().trim_end_matches('/'))
}

pub fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::validation("id", "must be a share link id (UUID)"))
}

/// `POST /api/gallery/{id}/share`, `POST /api/gallery/collections/{id}/share`.
pub async fn create(app: &App, who: &Principal, target: Target, body: NewShare) -> Result<Value, ApiError> {
    let terms = Terms::parse(body, now())?;
    ensure_owned(app, who.user_id, target).await?;
    let (image_id, collection_id) = target.ids();
    let token = ShareToken::generate();
    let row = json!({
        "user_id": who.user_id, "token": token.as_str(), "image_id": image_id, "collection_id": collection_id,
        "show_prompt": terms.show_prompt, "expires_at": terms.expires_at.map(timestamp),
    });
    let query = app.db.from("shares").insert(row.to_string()).select("*");
    let share: Share =
        app.db.first(query).await?.ok_or_else(|| ApiError::internal("the new share link was not returned"))?;
    let details = json!({ "share_id": share.id, "collection_id": collection_id,
                          "show_prompt": terms.show_prompt, "expires_at": share.expires_at });
    usage::record_or_log(app, Some(who), Action::ShareCreate, image_id, details).await;
    Ok(share.to_json(app))
}

/// `GET /api/gallery/shares?image=&collection=&cursor=&limit=`: newest first, revoked and expired
/// ones too (with their state), all of the caller's or one image's or one collection's.
pub async fn list(app: &App, user: Uuid, query: &Query) -> Result<(Vec<Value>, Value), ApiError> {
    let window = Window::parse(query)?;
    let filter = |name: &'static str| {
        let raw = query.get(name).map(str::trim).filter(|v| !v.is_empty());
        raw.map(|raw| Uuid::try_parse(raw).map_err(|_| ApiError::validation(name, "must be a UUID"))).transpose()
    };
    let (image, collection) = (filter("image")?, filter("collection")?);
    if image.is_some() && collection.is_some() {
        return Err(ApiError::validation("collection", "give image or collection, not both"));
    }
    let (after_created_at, after_id) = window.after();
    let args = json!({
        "p_user": user, "p_limit": window.fetch_limit(), "p_after_created_at": after_created_at,
        "p_after_id": after_id, "p_image": image, "p_collection": collection,
    });
    let mut rows: Vec<Share> = app.db.fetch(app.db.rpc("shares_of", &args)).await?;
    let pagination = window.paginate(&mut rows, |share| (&share.created_at, share.id));
    Ok((rows.iter().map(|share| share.to_json(app)).collect(), pagination))
}

/// `DELETE /api/gallery/shares/{id}`: the link stops working at once; revoking twice is no error.
pub async fn revoke(app: &App, user: Uuid, id: Uuid) -> Result<Value, ApiError> {
    let args = json!({ "p_user": user, "p_share": id });
    let share: Option<Share> = app.db.first(app.db.rpc("share_revoke", &args)).await?;
    let share = share.ok_or_else(|| ApiError::NotFound("no such share link".into()))?;
    Ok(share.to_json(app))
}

/// The target is the caller's; another user's image or collection is "not found" like a missing one.
async fn ensure_owned(app: &App, user: Uuid, target: Target) -> Result<(), ApiError> {
    let (table, id, missing) = match target {
        Target::Image(id) => ("generated_images", id, "no such image"),
        Target::Collection(id) => ("collections", id, "no such collection"),
    };
    let query = app.db.from(table).select("id").eq("id", id.to_string()).eq("user_id", user.to_string());
    let found: Option<Value> = app.db.first(query).await?;
    found.map(drop).ok_or_else(|| ApiError::NotFound(missing.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<Terms, ApiError> {
        let at = OffsetDateTime::parse("2026-11-26T10:00:00Z", &Rfc3339).unwrap();
        Terms::parse(serde_json::from_value(body).unwrap(), at)
    }

    #[test]
    fn expiry_is_optional_and_either_relative_or_absolute() {
        assert_eq!(parse(json!({})).unwrap(), Terms { expires_at: None, show_prompt: false });
        let in_a_day = parse(json!({ "expires_in_hours": 24, "show_prompt": true })).unwrap();
        assert_eq!(in_a_day.expires_at.map(timestamp).as_deref(), Some("2026-11-27T10:00:00Z"));
        assert!(in_a_day.show_prompt);
        let at = parse(json!({ "expires_at": "2026-12-01T08:00:00+07:00" })).unwrap();
        assert_eq!(at.expires_at.map(timestamp).as_deref(), Some("2026-12-01T01:00:00Z"));
    }

    #[test]
    fn bad_expiries_are_refused_naming_the_field() {
        let cases = [
            (json!({ "expires_in_hours": 0 }), "expires_in_hours"),
            (json!({ "expires_in_hours": -3 }), "expires_in_hours"),
            (json!({ "expires_in_hours": 8761 }), "expires_in_hours"),
            (json!({ "expires_at": "tomorrow" }), "expires_at"),
            (json!({ "expires_at": "2026-11-26T09:00:00Z" }), "expires_at"),
            (json!({ "expires_at": "2026-11-26T10:00:30Z" }), "expires_at"),
            (json!({ "expires_at": "2027-11-27T10:00:00Z" }), "expires_at"),
            (json!({ "expires_in_hours": 1, "expires_at": "2026-11-27T10:00:00Z" }), "expires_at"),
        ];
        for (body, field) in cases {
            assert_eq!(parse(body.clone()).unwrap_err().body()["details"]["field"], field, "{body}");
        }
        assert!(parse(json!({ "expires_in_hours": 8760 })).is_ok());
    }
}
