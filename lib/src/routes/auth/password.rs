//! Passwords: change (knowing the current one), forgot (an e-mailed link) and reset (with it).
//!
//! A reset ends every login and revokes every API key: whoever knew the old password may have
//! minted keys. A change ends every other login and lists the keys still live, for the owner to
//! judge (a change is made by someone who knew the password, often for another reason).

use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::common::{
    MAIL_PER_EMAIL, MAIL_PER_IP, Purpose, account_by_email, account_by_id, client_network, enforce, mail_token,
    timestamp,
};
use super::session::Revoked;
use super::signup::{CHECK_INBOX, EmailBody};
use super::{guesses, keys};
use crate::app::App;
use crate::auth::{password, tokens};
use crate::domain::{Email, NewPassword};
use crate::error::ApiError;
use crate::supabase::bytea;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    current_password: String,
    new_password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reset {
    token: String,
    password: String,
}

/// Sets a new password; every other login of the account ends, this one stays. The answer lists
/// the API keys that still work, so that their owner can revoke the ones they do not know.
pub async fn change(app: &App, headers: &HeaderMap, user: Uuid, family: Uuid, body: Change) -> Result<Value, ApiError> {
    let account = account_by_id(app, user).await?;
    let guess = guesses::begin(app, headers, &account.email).await?;
    if !password::verify(body.current_password, Some(account.password_hash.clone())).await? {
        return Err(ApiError::validation("current_password", "is not your current password"));
    }
    guess.succeeded(app).await;
    let email = Email::parse("email", &account.email)?;
    let new_password = NewPassword::parse("new_password", &body.new_password, &email)?;
    let hash = password::hash(new_password.into_inner()).await?;
    // Read before the change, which does not touch keys: the change is then the request's last
    // step, so a failure answers with nothing written rather than after the commit.
    let api_keys = keys::live_keys(app, user).await?;
    let args = json!({ "p_user": user, "p_password_hash": hash, "p_keep_family": family,
                       "p_now": timestamp(super::common::now()) });
    app.db.run(app.db.rpc("auth_change_password", &args)).await?;
    Ok(json!({ "password_changed": true, "other_sessions_ended": true, "api_keys": api_keys }))
}

pub async fn forgot(app: &App, headers: &HeaderMap, body: EmailBody) -> Result<Value, ApiError> {
    let email = Email::parse("email", &body.email)?;
    enforce(app, &MAIL_PER_IP, &client_network(headers)).await?;
    enforce(app, &MAIL_PER_EMAIL, email.as_str()).await?;
    if let Some(account) = account_by_email(app, email.as_str()).await?
        && !account.is_disabled
    {
        mail_token(app, &account, Purpose::ResetPassword).await?;
    }
    Ok(json!({ "message": CHECK_INBOX }))
}

/// Sets the password from an e-mailed token; every login of the account ends and every API key is
/// revoked, in the same transaction as the token is used.
pub async fn reset(app: &App, body: Reset) -> Result<Value, ApiError> {
    // The token's owner is needed first: the new password must not be their e-mail address.
    let query = app
        .db
        .from("email_tokens")
        .select("user_id")
        .eq("token_hash", bytea(&tokens::token_hash(body.token.trim())))
        .eq("purpose", Purpose::ResetPassword.as_str())
        .is("used_at", "null")
        .gt("expires_at", timestamp(super::common::now()));
    #[derive(Deserialize)]
    struct Owner {
        user_id: Uuid,
    }
    let owner: Owner = app.db.first(query).await?.ok_or_else(used_link)?;
    let account = account_by_id(app, owner.user_id).await?;
    let new_password = NewPassword::parse("password", &body.password, &Email::parse("email", &account.email)?)?;
    let hash = password::hash(new_password.into_inner()).await?;
    let args = json!({ "p_token_hash": bytea(&tokens::token_hash(body.token.trim())), "p_password_hash": hash,
                       "p_now": timestamp(super::common::now()) });
    #[derive(Deserialize)]
    struct Done {
        user_id: Uuid,
        #[serde(flatten)]
        revoked: Revoked,
    }
    // Used meanwhile (a second reset with the same link): refused like any used link.
    let done: Done = app.db.first(app.db.rpc("auth_reset_password", &args)).await?.ok_or_else(used_link)?;
    Ok(json!({ "id": done.user_id, "password_reset": true, "sessions_ended": true, "api_keys_revoked": true,
               "revoked": done.revoked.counts() }))
}

fn used_link() -> ApiError {
    ApiError::validation("token", "is invalid, already used or expired: ask for a new e-mail")
}
