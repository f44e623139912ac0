//! The one place that turns a request into the acting principal: a signed-in user (access JWT
//! whose login is still live) or an API key (`Authorization: Bearer ais_…`) with its scopes.
//! Every route that acts for someone starts here; anything else is a 401. An account whose e-mail
//! address is not yet confirmed is a 403 `EMAIL_NOT_VERIFIED` everywhere except the few account
//! routes that call [`authenticate_unverified`].

use http::HeaderMap;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::app::App;
use crate::auth::tokens;
use crate::error::ApiError;
use crate::kv::{Algorithm, Limit, OnFailure, now_ms};
use crate::supabase::bytea;

/// What an API key may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Generate,
    GalleryRead,
    GalleryWrite,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Self::Generate, Self::GalleryRead, Self::GalleryWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Generate => "generate",
            Self::GalleryRead => "gallery:read",
            Self::GalleryWrite => "gallery:write",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Clone, Debug)]
pub enum Credential {
    /// A signed-in user; `family` identifies the login (refresh-token family).
    Session { family: Uuid },
    /// A developer's API key with the scopes it was created with.
    ApiKey { id: Uuid, scopes: Vec<Scope> },
}

#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: Uuid,
    pub credential: Credential,
    pub email_verified: bool,
    pub has_gemini_key: bool,
}

impl Principal {
    /// The API key the request authenticated with, if it did not come from a signed-in session.
    pub fn api_key_id(&self) -> Option<Uuid> {
        match self.credential {
            Credential::ApiKey { id, .. } => Some(id),
            Credential::Session { .. } => None,
        }
    }

    /// API keys act only within their scopes; a signed-in user may do everything.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        match &self.credential {
            Credential::ApiKey { scopes, .. } if !scopes.contains(&scope) => {
                Err(ApiError::Forbidden(format!("this API key lacks the {} scope", scope.as_str())))
            }
            _ => Ok(()),
        }
    }

    /// Account management needs the person, not a key: returns the login's family.
    pub fn require_session(&self) -> Result<Uuid, ApiError> {
        match self.credential {
            Credential::Session { family } => Ok(family),
            Credential::ApiKey { .. } => {
                Err(ApiError::Forbidden("sign in to manage the account; API keys cannot".into()))
            }
        }
    }

    /// Who a rate limit counts against: each API key separately from its owner's own use.
    pub fn rate_limit_key(&self) -> String {
        match &self.credential {
            Credential::Session { .. } => format!("user:{}", self.user_id),
            Credential::ApiKey { id, .. } => format!("key:{id}"),
        }
    }
}

#[derive(Deserialize)]
struct SessionRow {
    id: Uuid,
    email_verified: bool,
    has_gemini_key: bool,
}

#[derive(Deserialize)]
struct KeyRow {
    key_id: Uuid,
    user_id: Uuid,
    scopes: Vec<String>,
    email_verified: bool,
    has_gemini_key: bool,
}

/// The acting principal of a request, or 401; 403 `EMAIL_NOT_VERIFIED` while its account has not
/// confirmed its address. Whoever registers an address they do not own must get nothing out of
/// the account (no keys, no generations, no gallery) before the owner's inbox has answered.
pub async fn authenticate(app: &App, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let who = authenticate_unverified(app, headers).await?;
    if !who.email_verified {
        return Err(ApiError::EmailNotVerified);
    }
    Ok(who)
}

/// [`authenticate`] without the verified-address check, for the only things an unconfirmed
/// account may do: sign out, see and change its profile and settings, confirm its address and
/// delete itself (`routes::auth` lists them in one place).
pub async fn authenticate_unverified(app: &App, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let credential = bearer(headers).ok_or_else(|| ApiError::Unauthorized("sign in or send an API key".into()))?;
    if tokens::is_api_key(credential) {
        return api_key(app, credential).await;
    }
    let claims = app
        .tokens
        .verify(credential)
        .map_err(|e| ApiError::Unauthorized(format!("{e}: sign in again or refresh the session")))?;
    let args = json!({ "p_user": claims.sub, "p_family": claims.sid, "p_now": now() });
    let row: Option<SessionRow> = app.db.first(app.db.rpc("auth_session_user", &args)).await?;
    let row = row.ok_or_else(|| ApiError::Unauthorized("this session has ended: sign in again".into()))?;
    Ok(Principal {
        user_id: row.id,
        credential: Credential::Session { family: claims.sid },
        email_verified: row.email_verified,
        has_gemini_key: row.has_gemini_key,
    })
}

/// Every API key's own budget of requests (`API_KEY_RATE_PER_MINUTE`), whatever it calls. Costly
/// actions (generation) have their own, stricter limits on top; this one guards nothing that costs
/// money, so it fails open.
fn per_api_key(app: &App) -> Limit {
    Limit {
        name: "api-key",
        max: app.config.auth.api_key_rate_per_minute,
        window: std::time::Duration::from_secs(60),
        algorithm: Algorithm::SlidingWindow,
        on_failure: OnFailure::Allow,
    }
}

async fn api_key(app: &App, key: &str) -> Result<Principal, ApiError> {
    let args = json!({ "p_key_hash": bytea(&tokens::token_hash(key)), "p_now": now() });
    let row: Option<KeyRow> = app.db.first(app.db.rpc("auth_api_key_user", &args)).await?;
    let row = row.ok_or_else(|| ApiError::Unauthorized("this API key is invalid, expired or revoked".into()))?;
    per_api_key(app).check(&app.kv, &row.key_id.to_string(), now_ms()).await?.enforce()?;
    Ok(Principal {
        user_id: row.user_id,
        credential: Credential::ApiKey {
            id: row.key_id,
            scopes: row.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
        },
        email_verified: row.email_verified,
        has_gemini_key: row.has_gemini_key,
    })
}

/// `Authorization: Bearer <credential>` (scheme case-insensitive).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credential) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| credential.trim()).filter(|c| !c.is_empty())
}

/// The current time as the SQL functions take it.
pub fn now() -> String {
    OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bearer_credentials() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        for (value, expected) in
            [("Bearer abc", Some("abc")), ("bearer  abc ", Some("abc")), ("Basic abc", None), ("Bearer ", None)]
        {
            headers.insert(http::header::AUTHORIZATION, value.parse().unwrap());
            assert_eq!(bearer(&headers), expected, "{value}");
        }
    }

    #[test]
    fn api_keys_act_within_their_scopes_and_cannot_manage_accounts() {
        let key = Principal {
            user_id: Uuid::new_v4(),
            credential: Credential::ApiKey { id: Uuid::new_v4(), scopes: vec![Scope::GalleryRead] },
            email_verified: true,
            has_gemini_key: false,
        };
        assert!(key.require(Scope::GalleryRead).is_ok());
        assert_eq!(key.require(Scope::GalleryWrite).unwrap_err().code(), "FORBIDDEN");
        assert_eq!(key.require_session().unwrap_err().code(), "FORBIDDEN");
        let user = Principal { credential: Credential::Session { family: Uuid::new_v4() }, ..key };
        assert!(user.require(Scope::GalleryWrite).is_ok() && user.require_session().is_ok());
        assert!(user.rate_limit_key().starts_with("user:"));
    }
}
