//! Signing in and staying signed in: login, refresh (rotation with reuse detection), logout,
//! logout everywhere, and the list of live logins.
//!
//! A login is a family of refresh tokens: each refresh replaces the token, and presenting a
//! replaced one again ends the family. The web app keeps its token in an HttpOnly cookie scoped to
//! `/api/auth`; API clients choose `"transport": "body"` and keep it themselves.

use http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::common::{self, account_by_email, client_ip, refresh_cookie, set_refresh_cookie, timestamp, user_agent};
use super::guesses;
use crate::app::App;
use crate::auth::{password, tokens};
use crate::domain::Email;
use crate::error::ApiError;
use crate::http::{Body, Cached, Meta, error_response, json_response};
use crate::supabase::bytea;

/// Where the refresh token travels.
#[derive(Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// In the HttpOnly cookie (the web app).
    Cookie,
    /// In the JSON body (API clients).
    #[default]
    Body,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
    password: String,
    #[serde(default)]
    transport: Transport,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Refresh {
    refresh_token: Option<String>,
}

/// One message for every failed login, whether or not the account exists.
const BAD_LOGIN: &str = "the e-mail or password is incorrect";

pub async fn login(
    app: &App,
    headers: &HeaderMap,
    body: Login,
    meta: Meta<'_>,
) -> Result<http::Response<Body>, ApiError> {
    let email = Email::parse("email", &body.email)?;
    // Counted per address and network whether or not the account exists: the limits say nothing
    // about which e-mails have accounts either.
    let guess = guesses::begin(app, headers, email.as_str()).await?;
    let account = account_by_email(app, email.as_str()).await?;
    // The password is checked (against a decoy when there is no account) before anything else is
    // looked at, so the answer and its timing say nothing about which e-mails have accounts.
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let matches = password::verify(body.password, hash).await?;
    let account =
        account.filter(|a| matches && !a.is_disabled).ok_or_else(|| ApiError::Unauthorized(BAD_LOGIN.into()))?;
    guess.succeeded(app).await;
    let family = Uuid::new_v4();
    let refresh = tokens::random_token();
    let issued = common::now();
    let row = json!({
        "user_id": account.id, "family_id": family, "token_hash": bytea(&tokens::token_hash(&refresh)),
        "user_agent": user_agent(headers), "ip": client_ip(headers),
        "created_at": timestamp(issued), "last_used_at": timestamp(issued),
        "expires_at": timestamp(issued + time::Duration::days(app.config.auth.refresh_ttl_days)),
    });
    app.db.run(app.db.from("sessions").insert(row.to_string())).await?;
    let user = json!({ "id": account.id, "email": account.email, "locale": account.locale,
                       "email_verified": account.email_verified_at.is_some() });
    Ok(signed_in(app, account.id, family, &refresh, body.transport, Some(user), meta))
}

pub async fn refresh(
    app: &App,
    headers: &HeaderMap,
    body: Refresh,
    meta: Meta<'_>,
) -> Result<http::Response<Body>, ApiError> {
    let (token, transport) = match (body.refresh_token, refresh_cookie(headers)) {
        (Some(token), _) => (token, Transport::Body),
        (None, Some(token)) => (token, Transport::Cookie),
        (None, None) => return Err(ApiError::validation("refresh_token", "is required (or the session cookie)")),
    };
    let next = tokens::random_token();
    let args = json!({
        "p_token_hash": bytea(&tokens::token_hash(&token)), "p_new_token_hash": bytea(&tokens::token_hash(&next)),
        "p_now": timestamp(common::now()), "p_lifetime": format!("{} days", app.config.auth.refresh_ttl_days),
        "p_user_agent": user_agent(headers), "p_ip": client_ip(headers),
    });
    #[derive(Deserialize)]
    struct Rotation {
        outcome: String,
        user_id: Option<Uuid>,
        family_id: Option<Uuid>,
    }
    let rotation: Option<Rotation> = app.db.first(app.db.rpc("auth_rotate_session", &args)).await?;
    let refused = match rotation {
        Some(Rotation { outcome, user_id: Some(user), family_id: Some(family) }) if outcome == "rotated" => {
            return Ok(signed_in(app, user, family, &next, transport, None, meta));
        }
        Some(Rotation { outcome, .. }) if outcome == "reused" => ApiError::Unauthorized(
            "this session was ended because its refresh token was used twice: sign in again".into(),
        ),
        _ => ApiError::Unauthorized("the session has ended: sign in again".into()),
    };
    // A cookie that can no longer refresh is cleared, so the app stops sending it.
    let mut response = error_response(&refused, meta.request_id);
    if transport == Transport::Cookie {
        response.headers_mut().insert(header::SET_COOKIE, set_refresh_cookie(None, 0));
    }
    Ok(response)
}

/// Ends this login (every token of its family).
pub async fn logout(app: &App, user: Uuid, family: Uuid, meta: Meta<'_>) -> Result<http::Response<Body>, ApiError> {
    revoke(app, user, family, "logout").await?;
    Ok(signed_out(json!({ "signed_out": true }), meta))
}

/// Ends every login of the account and revokes every API key, in one transaction: whoever held
/// the account before keeps nothing that works. The answer says how many of each were live.
pub async fn logout_all(app: &App, user: Uuid, meta: Meta<'_>) -> Result<http::Response<Body>, ApiError> {
    let args = json!({ "p_user": user, "p_now": timestamp(common::now()), "p_reason": "logout_all" });
    let revoked: Option<Revoked> = app.db.first(app.db.rpc("auth_revoke_everything", &args)).await?;
    let revoked = revoked.ok_or_else(|| ApiError::internal("auth_revoke_everything answered nothing"))?;
    let data = json!({ "signed_out": true, "sessions_ended": true, "api_keys_revoked": true,
                       "revoked": revoked.counts() });
    Ok(signed_out(data, meta))
}

/// What `auth_revoke_everything` (and a password reset) ended: live logins and live API keys.
#[derive(Deserialize)]
pub struct Revoked {
    sessions_ended: u32,
    api_keys_revoked: u32,
}

impl Revoked {
    /// `{"sessions": n, "api_keys": n}`: the live ones that stopped working.
    pub fn counts(&self) -> Value {
        json!({ "sessions": self.sessions_ended, "api_keys": self.api_keys_revoked })
    }
}

/// The account's live logins, newest use first; `current` marks the one asking.
pub async fn list(app: &App, user: Uuid, current: Uuid) -> Result<Value, ApiError> {
    let query = app
        .db
        .from("sessions")
        .select("id:family_id,user_agent,ip,last_used_at,expires_at")
        .eq("user_id", user.to_string())
        .is("revoked_at", "null")
        .gt("expires_at", timestamp(common::now()))
        .order("last_used_at.desc");
    let mut rows: Vec<Value> = app.db.fetch(query).await?;
    for row in &mut rows {
        row["current"] = json!(row["id"] == json!(current));
    }
    Ok(Value::Array(rows))
}

/// Ends one login of the account; another account's login is "not found".
pub async fn end_one(app: &App, user: Uuid, family: Uuid) -> Result<Value, ApiError> {
    let ended = revoke(app, user, family, "ended_by_user").await?;
    if ended == 0 {
        return Err(ApiError::NotFound("no such session".into()));
    }
    Ok(json!({ "id": family, "ended": true }))
}

async fn revoke(app: &App, user: Uuid, family: Uuid, reason: &str) -> Result<usize, ApiError> {
    let query = app
        .db
        .from("sessions")
        .eq("user_id", user.to_string())
        .is("revoked_at", "null")
        .eq("family_id", family.to_string());
    let change = json!({ "revoked_at": timestamp(common::now()), "revoked_reason": reason });
    let rows: Vec<Value> = app.db.fetch(query.select("id").update(change.to_string())).await?;
    Ok(rows.len())
}

/// The answer to a login or refresh: a fresh access token, and the refresh token by its transport.
fn signed_in(
    app: &App,
    user: Uuid,
    family: Uuid,
    refresh: &str,
    transport: Transport,
    account: Option<Value>,
    meta: Meta<'_>,
) -> http::Response<Body> {
    let (access, expires_at) = app.tokens.issue(user, family, common::now().unix_timestamp());
    let mut data = json!({ "access_token": access, "token_type": "Bearer",
                           "expires_in": app.config.auth.access_ttl_secs, "expires_at": expires_at });
    if let Some(account) = account {
        data["user"] = account;
    }
    if transport == Transport::Body {
        data["refresh_token"] = json!(refresh);
    }
    let mut response = json_response(StatusCode::OK, data, meta, Cached::Never);
    if transport == Transport::Cookie {
        let max_age = app.config.auth.refresh_ttl_days * 24 * 60 * 60;
        response.headers_mut().insert(header::SET_COOKIE, set_refresh_cookie(Some(refresh), max_age));
    }
    response
}

fn signed_out(data: Value, meta: Meta<'_>) -> http::Response<Body> {
    let mut response = json_response(StatusCode::OK, data, meta, Cached::Never);
    response.headers_mut().insert(header::SET_COOKIE, set_refresh_cookie(None, 0));
    response
}
