//! `Resend`: sends one finished e-mail through `POST /emails`, always under an idempotency key, so
//! that retrying after a rate limit, a 5xx or a lost connection never delivers it twice.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use super::error::EmailError;
use super::{ResendConfig, sender_address};
use crate::config::Secret;

/// Resend's limit on `to` recipients per message.
pub const MAX_RECIPIENTS: usize = 50;
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 256;
/// Resend's limit on tags per message (its tags guide).
const MAX_TAGS: usize = 75;
/// Retries after the first attempt: enough to ride out a one-second rate-limit window twice.
const MAX_RETRIES: u32 = 2;
/// The longest `retry-after` worth waiting for inside a request that a user is waiting on.
const MAX_WAIT: Duration = Duration::from_secs(3);
/// First back-off when the failure names no wait; doubled for each further retry.
const BACKOFF: Duration = Duration::from_millis(200);

/// The Resend client: one per process, over the shared HTTP client.
pub struct Resend {
    http: reqwest::Client,
    endpoint: String,
    api_key: Secret,
    from: String,
    timeout: Duration,
}

/// One message, ready to send; the sender comes from the configuration (`EMAIL_FROM`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Email {
    /// At most [`MAX_RECIPIENTS`] addresses (`a@b.c` or `Name <a@b.c>`).
    pub to: Vec<String>,
    pub subject: String,
    pub html: String,
    /// The plain-text alternative; at least one of `html` and `text` must be non-empty.
    pub text: String,
    pub reply_to: Option<String>,
    /// Labels shown in Resend's dashboard and webhooks, e.g. `category=password_reset`.
    pub tags: Vec<Tag>,
}

/// A Resend tag: name and value of ASCII letters, digits, `_` and `-`, at most 256 each; at most
/// 75 tags per message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub name: String,
    pub value: String,
}

/// The id Resend gave the sent message (the same id again for a replayed idempotency key).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SentId(String);

impl SentId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The body of `POST /emails`, snake_case on the wire.
#[derive(Serialize)]
struct Payload<'a> {
    from: &'a str,
    to: &'a [String],
    subject: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    html: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<&'a str>,
    #[serde(skip_serializing_if = "<[Tag]>::is_empty")]
    tags: &'a [Tag],
}

#[derive(Deserialize)]
struct Sent {
    id: SentId,
}

impl Resend {
    pub fn new(config: &ResendConfig, http: reqwest::Client) -> Self {
        Self {
            http,
            endpoint: format!("{}/emails", config.base_url.as_str().trim_end_matches('/')),
            api_key: config.api_key.clone(),
            from: config.from.clone(),
            timeout: config.timeout,
        }
    }

    /// Sends `email`. `idempotency_key` (1–256 characters) must name the one event the message is
    /// for (e.g. `password-reset/<token id>`): Resend delivers each key's message once in 24 h.
    /// Retries rate limits, concurrent-key conflicts, 5xx and network failures within the
    /// configured budget; never what Resend refused.
    pub async fn send(&self, email: &Email, idempotency_key: &str) -> Result<SentId, EmailError> {
        self.send_within(email, idempotency_key, self.timeout).await
    }

    /// [`send`](Self::send) within `budget` (at most the configured timeout), retries included:
    /// for a request whose answer must not wait on Resend longer than that.
    pub async fn send_within(
        &self,
        email: &Email,
        idempotency_key: &str,
        budget: Duration,
    ) -> Result<SentId, EmailError> {
        check(email, idempotency_key)?;
        let payload = Payload {
            from: &self.from,
            to: &email.to,
            subject: &email.subject,
            html: &email.html,
            text: &email.text,
            reply_to: email.reply_to.as_deref(),
            tags: &email.tags,
        };
        let deadline = Instant::now() + budget.min(self.timeout);
        let mut retries = 0;
        loop {
            let err = match self.attempt(&payload, idempotency_key, deadline).await {
                Ok(id) => return Ok(id),
                Err(err) => err,
            };
            match wait_before_retry(&err, retries) {
                Some(wait) if Instant::now() + wait < deadline => tokio::time::sleep(wait).await,
                _ => return Err(err),
            }
            retries += 1;
        }
    }

    async fn attempt(&self, payload: &Payload<'_>, key: &str, deadline: Instant) -> Result<SentId, EmailError> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(EmailError::Timeout);
        }
        let response = self
            .http
            .post(&self.endpoint)
            .bearer_auth(self.api_key.expose())
            .header("Idempotency-Key", key)
            .json(payload)
            .timeout(remaining)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let text = response.text().await.map_err(transport)?;
        if !status.is_success() {
            return Err(EmailError::from_response(status.as_u16(), retry_after, &text));
        }
        let sent: Sent = serde_json::from_str(&text).map_err(|e| EmailError::Decode(e.to_string()))?;
        Ok(sent.id)
    }
}

/// The wait before retry number `retries + 1`, or `None` when the error is final.
fn wait_before_retry(err: &EmailError, retries: u32) -> Option<Duration> {
    if retries >= MAX_RETRIES || !err.is_retryable() {
        return None;
    }
    match err {
        EmailError::RateLimited { retry_after: Some(wait) } => (*wait <= MAX_WAIT).then_some(*wait),
        _ => Some(BACKOFF * 2_u32.pow(retries)),
    }
}

fn transport(err: reqwest::Error) -> EmailError {
    if err.is_timeout() { EmailError::Timeout } else { EmailError::Unreachable(err) }
}

/// `retry-after` in seconds, else `ratelimit-reset` (seconds until the window resets).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    ["retry-after", "ratelimit-reset"].iter().find_map(|name| {
        let secs: f64 = headers.get(*name)?.to_str().ok()?.trim().parse().ok()?;
        Duration::try_from_secs_f64(secs).ok()
    })
}

/// What Resend would refuse anyway, refused before a round trip, with Resend's own error names.
fn check(email: &Email, key: &str) -> Result<(), EmailError> {
    let refuse = |name: &str, message: &str| Err(EmailError::Validation { name: name.into(), message: message.into() });
    let key_chars = key.chars().count();
    // A header value must be visible ASCII; anything else would fail in reqwest, not at Resend.
    if !(1..=MAX_IDEMPOTENCY_KEY_CHARS).contains(&key_chars) || !key.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return refuse("invalid_idempotency_key", "the idempotency key must be 1-256 visible ASCII characters");
    }
    if email.to.is_empty() {
        return refuse("missing_required_field", "Missing `to` field.");
    }
    if email.to.len() > MAX_RECIPIENTS {
        return refuse("validation_error", "`to` has more than 50 recipients");
    }
    if email.to.iter().chain(&email.reply_to).any(|to| sender_address(to).is_none()) {
        return refuse("validation_error", "every recipient must be `address` or `Name <address>`");
    }
    if email.subject.trim().is_empty() {
        return refuse("missing_required_field", "Missing `subject` field.");
    }
    if email.html.is_empty() && email.text.is_empty() {
        return refuse("missing_required_field", "Missing `html` or `text` field.");
    }
    if email.tags.len() > MAX_TAGS || !email.tags.iter().all(|tag| is_tag_part(&tag.name) && is_tag_part(&tag.value)) {
        return refuse("validation_error", "at most 75 tags, each of ASCII letters, digits, `_` and `-` (256 at most)");
    }
    Ok(())
}

fn is_tag_part(part: &str) -> bool {
    (1..=256).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
