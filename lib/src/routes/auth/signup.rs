//! Creating an account and confirming its address: register, verify-email, resend-verification.
//!
//! Every answer here is the same whether or not the address already has an account, so the API
//! cannot be used to find out who has one: an existing owner gets an e-mail instead.

use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::common::{
    AccountRow, MAIL_PER_EMAIL, MAIL_PER_IP, Purpose, REGISTER_PER_IP, account_by_email, app_link, client_network,
    enforce, mail_link, mail_token, now, send, timestamp,
};
use crate::app::App;
use crate::auth::{password, tokens};
use crate::domain::{Email, Lines, NewPassword, user_text};
use crate::email::messages::Message;
use crate::error::ApiError;
use crate::supabase::{DbError, bytea};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    email: String,
    password: String,
    name: String,
    #[serde(default)]
    locale: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    token: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailBody {
    pub(super) email: String,
}

/// What every registration, resend and password-reset request is told.
pub const CHECK_INBOX: &str = "if the address can receive it, an e-mail is on its way: check your inbox";

pub async fn register(app: &App, headers: &HeaderMap, body: Register) -> Result<Value, ApiError> {
    let email = Email::parse("email", &body.email)?;
    let new_password = NewPassword::parse("password", &body.password, &email)?;
    let name = user_text("name", &body.name, 1, 100, Lines::One)?;
    let locale = match body.locale.as_deref() {
        None => "id",
        Some(l @ ("id" | "en")) => l,
        Some(_) => return Err(ApiError::validation("locale", "must be id or en")),
    };
    enforce(app, &REGISTER_PER_IP, &client_network(headers)).await?;
    enforce(app, &MAIL_PER_EMAIL, email.as_str()).await?;
    // Hashed before we know whether the address is taken: both paths cost the same.
    let hash = password::hash(new_password.into_inner()).await?;
    // The account and its verification token in one transaction: a database lost between two
    // writes would leave an account no link can verify.
    let token = tokens::random_token();
    let issued = now();
    let args = json!({
        "p_email": email.as_str(), "p_password_hash": hash, "p_name": name, "p_locale": locale,
        "p_token_hash": bytea(&tokens::token_hash(&token)), "p_now": timestamp(issued),
        "p_expires_at": timestamp(issued + Purpose::VerifyEmail.lifetime()),
    });
    let created: Result<Vec<AccountRow>, DbError> = app.db.fetch(app.db.rpc("auth_register", &args)).await;
    match created {
        Ok(rows) => {
            let account =
                rows.into_iter().next().ok_or_else(|| ApiError::internal("the new account was not returned"))?;
            mail_link(app, &account, Purpose::VerifyEmail, &token).await;
        }
        Err(DbError::Rejected { status: 409, .. }) => {
            if let Some(existing) = account_by_email(app, email.as_str()).await? {
                let login_link = app_link(app, "sign-in", None);
                let reset_link = app_link(app, "forgot-password", None);
                let message = Message::AlreadyRegistered { login_link: &login_link, reset_link: &reset_link };
                send(app, &message, &existing, &format!("already-registered-{}", timestamp(now()))).await;
            }
        }
        Err(other) => return Err(other.into()),
    }
    Ok(json!({ "message": CHECK_INBOX }))
}

/// Confirms the address from the mailed token. The first confirmation ends every other login of
/// the account (all of them when `keep` is `None`, a link opened without signing in) and revokes
/// its API keys: they may belong to whoever registered the address before its owner did.
pub async fn verify_email(app: &App, keep: Option<Uuid>, body: TokenBody) -> Result<Value, ApiError> {
    #[derive(Deserialize)]
    struct Verified {
        owner_id: Uuid,
        sessions_ended: i32,
        api_keys_revoked: i32,
    }
    let args = json!({ "p_token_hash": token_hash(&body.token)?, "p_now": timestamp(now()), "p_keep_family": keep });
    let verified: Option<Verified> = app.db.first(app.db.rpc("auth_verify_email", &args)).await?;
    let verified = verified.ok_or_else(stale_token)?;
    Ok(json!({
        "id": verified.owner_id, "email_verified": true,
        "sessions_ended": verified.sessions_ended, "api_keys_revoked": verified.api_keys_revoked,
    }))
}

pub async fn resend_verification(app: &App, headers: &HeaderMap, body: EmailBody) -> Result<Value, ApiError> {
    let email = Email::parse("email", &body.email)?;
    enforce(app, &MAIL_PER_IP, &client_network(headers)).await?;
    enforce(app, &MAIL_PER_EMAIL, email.as_str()).await?;
    if let Some(account) = account_by_email(app, email.as_str()).await?
        && account.email_verified_at.is_none()
        && !account.is_disabled
    {
        mail_token(app, &account, Purpose::VerifyEmail).await?;
    }
    Ok(json!({ "message": CHECK_INBOX }))
}

/// The stored form of a mailed token, after checking it has the shape of one.
fn token_hash(token: &str) -> Result<String, ApiError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 128 {
        return Err(ApiError::validation("token", "is missing or malformed"));
    }
    Ok(bytea(&tokens::token_hash(token)))
}

fn stale_token() -> ApiError {
    ApiError::validation("token", "is invalid, already used or expired: ask for a new e-mail")
}
