//! What the account routes share: the clock, the caller's address, the limits that guard them,
//! single-use e-mail tokens, and the refresh-token cookie.

use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::app::App;
use crate::auth::tokens;
use crate::email::messages::{self, Message};
use crate::error::ApiError;
use crate::kv::{Algorithm, Limit, OnFailure, now_ms};
use crate::supabase::bytea;

/// The refresh-token cookie of the web app: HttpOnly, sent only to `/api/auth`.
pub const REFRESH_COOKIE: &str = "studio_refresh";

/// Account creation and e-mail sending: bounded so the studio cannot be used to spam inboxes.
pub const REGISTER_PER_IP: Limit = limit("register-ip", 10, 60 * 60);
pub const MAIL_PER_EMAIL: Limit = limit("mail-email", 3, 60 * 60);
pub const MAIL_PER_IP: Limit = limit("mail-ip", 20, 60 * 60);

/// A fixed-window limit that fails closed. (Password guesses have their own: `guesses`.)
pub(super) const fn limit(name: &'static str, max: u64, window_secs: u64) -> Limit {
    Limit {
        name,
        max,
        window: Duration::from_secs(window_secs),
        algorithm: Algorithm::FixedWindow,
        on_failure: OnFailure::Deny,
    }
}

/// Counts one use of `limit` for `identifier`; 429 once it is used up, 503 if Upstash is down.
pub async fn enforce(app: &App, limit: &Limit, identifier: &str) -> Result<(), ApiError> {
    limit.check(&app.kv, identifier, now_ms()).await?.enforce()?;
    Ok(())
}

/// Where the caller's address is read, first found first. Vercel's proxy sets all three to the
/// address it accepted the connection from, replacing whatever the client sent (its "Request
/// headers" page; `vercel dev` does the same). `x-vercel-forwarded-for` comes first: it is the one
/// that stays Vercel's own when another proxy in front of Vercel rewrites `x-forwarded-for`. The
/// other two serve hosts other than Vercel, where the operator's proxy must set them.
pub const ADDRESS_HEADERS: [&str; 3] = ["x-vercel-forwarded-for", "x-real-ip", "x-forwarded-for"];

/// The caller's address as Vercel reports it (see [`ADDRESS_HEADERS`]).
pub fn client_ip(headers: &HeaderMap) -> Option<String> {
    client_addr(headers).map(|ip| ip.to_string())
}

/// The first address header present, its first entry (the client, in a proxy chain); `None` if
/// that one is not an address: a later header never overrides an earlier one, even a broken one.
fn client_addr(headers: &HeaderMap) -> Option<IpAddr> {
    let value = ADDRESS_HEADERS.iter().find_map(|name| headers.get(*name))?;
    value.to_str().ok()?.split(',').next()?.trim().parse::<IpAddr>().ok()
}

/// Who a per-address limit counts: an IPv4 address, or an IPv6 address's /64 network. One
/// subscriber is routinely given a whole /64, so counting each IPv6 address would let a client
/// rotate through billions of them; an IPv4-mapped IPv6 address counts as its IPv4 address.
pub fn client_network(headers: &HeaderMap) -> String {
    match client_addr(headers) {
        None => "unknown".into(),
        Some(ip) => address_network(ip),
    }
}

fn address_network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let prefix = u128::from(v6) & !(u128::from(u64::MAX));
                format!("{}/64", Ipv6Addr::from(prefix))
            }
        },
    }
}

#[cfg(test)]
mod network_tests {
    use super::*;

    #[test]
    fn the_address_vercel_forwarded_wins_over_the_others() {
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, value.parse().unwrap());
            }
            map
        };
        let all = headers(&[
            ("x-forwarded-for", "192.0.2.1, 10.0.0.1"),
            ("x-real-ip", "192.0.2.2"),
            ("x-vercel-forwarded-for", "198.51.100.7"),
        ]);
        assert_eq!(client_ip(&all).as_deref(), Some("198.51.100.7"));
        let no_vercel = headers(&[("x-forwarded-for", "192.0.2.1, 10.0.0.1"), ("x-real-ip", "192.0.2.2")]);
        assert_eq!(client_ip(&no_vercel).as_deref(), Some("192.0.2.2"));
        assert_eq!(client_ip(&headers(&[("x-forwarded-for", "192.0.2.1, 10.0.0.1")])).as_deref(), Some("192.0.2.1"));
        let broken = headers(&[("x-vercel-forwarded-for", "kucing"), ("x-real-ip", "192.0.2.2")]);
        assert_eq!(client_network(&broken), "unknown", "a broken Vercel header is not replaced by another");
    }

    #[test]
    fn ipv6_counts_by_its_64_and_ipv4_by_its_address() {
        let net = |s: &str| address_network(s.parse().unwrap());
        assert_eq!(net("2001:db8:1:2::1"), net("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_eq!(net("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(net("2001:db8:1:2::1"), net("2001:db8:1:3::1"));
        assert_eq!(net("::ffff:203.0.113.7"), "203.0.113.7");
        assert_ne!(net("203.0.113.7"), net("203.0.113.8"));
    }
}

pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    let agent = headers.get(header::USER_AGENT)?.to_str().ok()?;
    Some(agent.chars().take(512).collect())
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// The refresh token the web app's cookie carries, if any.
pub fn refresh_cookie(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == REFRESH_COOKIE && !value.is_empty()).then(|| value.to_owned())
    })
}

/// `Set-Cookie` for a refresh token (or, with `None`, one that deletes the cookie).
pub fn set_refresh_cookie(token: Option<&str>, max_age_secs: i64) -> HeaderValue {
    let cookie = match token {
        Some(token) => format!(
            "{REFRESH_COOKIE}={token}; Path=/api/auth; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=Strict"
        ),
        None => format!("{REFRESH_COOKIE}=; Path=/api/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict"),
    };
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[derive(Deserialize)]
pub struct AccountRow {
    pub id: Uuid,
    pub email: String,
    pub locale: String,
    pub password_hash: String,
    pub email_verified_at: Option<String>,
    pub is_disabled: bool,
}

/// The account with this (normalised) e-mail, if there is one.
pub async fn account_by_email(app: &App, email: &str) -> Result<Option<AccountRow>, ApiError> {
    let query =
        app.db.from("users").select("id,email,locale,password_hash,email_verified_at,is_disabled").eq("email", email);
    Ok(app.db.first(query).await?)
}

pub async fn account_by_id(app: &App, id: Uuid) -> Result<AccountRow, ApiError> {
    let query = app
        .db
        .from("users")
        .select("id,email,locale,password_hash,email_verified_at,is_disabled")
        .eq("id", id.to_string());
    app.db.first(query).await?.ok_or_else(|| ApiError::Unauthorized("this account no longer exists".into()))
}

/// What an e-mail token is for, and how long it lives.
#[derive(Clone, Copy)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }

    pub fn lifetime(self) -> time::Duration {
        match self {
            Self::VerifyEmail => time::Duration::hours(24),
            Self::ResetPassword => time::Duration::hours(1),
        }
    }

    /// The app page that takes the token.
    fn page(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify-email",
            Self::ResetPassword => "reset-password",
        }
    }
}

/// Stores a new single-use token for `account` (hashed) and mails the link that carries it.
pub async fn mail_token(app: &App, account: &AccountRow, purpose: Purpose) -> Result<(), ApiError> {
    let token = tokens::random_token();
    let issued = now();
    let row = json!({
        "user_id": account.id, "purpose": purpose.as_str(), "token_hash": bytea(&tokens::token_hash(&token)),
        "created_at": timestamp(issued), "expires_at": timestamp(issued + purpose.lifetime()),
    });
    app.db.run(app.db.from("email_tokens").insert(row.to_string())).await?;
    mail_link(app, account, purpose, &token).await;
    Ok(())
}

/// Mails `account` the link that redeems `token` (already stored) for `purpose`.
pub async fn mail_link(app: &App, account: &AccountRow, purpose: Purpose, token: &str) {
    let link = app_link(app, purpose.page(), Some(token));
    let message = match purpose {
        Purpose::VerifyEmail => Message::VerifyEmail { link: &link },
        Purpose::ResetPassword => Message::ResetPassword { link: &link },
    };
    send(app, &message, account, token).await;
}

/// Sends an account e-mail within `AUTH_MAIL_SEND_TIMEOUT_MS`; the idempotency key ties retries of
/// this one message together. A failure goes to the log, not into the answer: the routes that
/// mail answer alike whether or not the address has an account, and an error only a known
/// address can meet would tell. The person asks again (resend, forgot) as for a lost e-mail.
pub async fn send(app: &App, message: &Message<'_>, account: &AccountRow, unique: &str) {
    let email = messages::render(message, &account.email, &account.locale);
    let key = format!("account-mail-{}", hex(&tokens::token_hash(unique)));
    if let Err(err) = app.email.send_within(&email, &key, app.config.auth.mail_send_timeout).await {
        let line = json!({ "level": "error", "event": "account_mail_failed", "error": err.to_string() });
        eprintln!("{line}");
    }
}

/// `{APP_URL}/{page}` with the token in the fragment, so it never reaches a server log.
pub fn app_link(app: &App, page: &str, token: Option<&str>) -> String {
    let base = app.config.auth.app_url.as_str().trim_end_matches('/');
    match token {
        Some(token) => format!("{base}/#/{page}?token={token}"),
        None => format!("{base}/#/{page}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
