//! `Outbox`: the messages the Resend stand-in accepted, kept in memory for tests and for the dev
//! server's `/__outbox` page, with the idempotency keys Resend remembers for 24 hours.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::validate::address_of;

/// How long Resend replays an idempotency key's answer.
const KEY_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// Resend's documented default: requests per second per team (reported, not enforced: tests that
/// need a 429 queue one as a fault, so that no test depends on the machine's speed).
pub const RATE_LIMIT: u32 = 5;

/// A message as accepted: what `POST /emails` carried (read through `Deref`, e.g. `message.subject`),
/// plus Resend's id and time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: String,
    #[serde(flatten)]
    pub content: Content,
    /// The `Idempotency-Key` it was sent with, if any.
    pub idempotency_key: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl std::ops::Deref for Message {
    type Target = Content;

    fn deref(&self) -> &Content {
        &self.content
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tag {
    pub name: String,
    pub value: String,
}

/// One request that reached `/resend`, whether a queued fault or the stand-in answered it: what a
/// test counts retries with, and checks their idempotency keys on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    /// The `User-Agent` it carried, if any (the edge refuses a request without one).
    pub user_agent: Option<String>,
}

/// What a validated `POST /emails` carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Content {
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub reply_to: Vec<String>,
    pub subject: String,
    pub html: Option<String>,
    pub text: Option<String>,
    pub tags: Vec<Tag>,
}

/// The key was used before with a different body.
pub(crate) struct KeyConflict;

/// The rate-limit window a response reports in its `ratelimit-*` headers.
pub(crate) struct Window {
    pub remaining: u32,
    pub reset_secs: u64,
}

/// The stand-in's memory, shared by the stand-in, the outbox page and tests.
#[derive(Clone, Default)]
pub struct Outbox(Arc<Mutex<Memory>>);

#[derive(Default)]
struct Memory {
    messages: Vec<Message>,
    keys: HashMap<String, Remembered>,
    attempts: Vec<Attempt>,
    window: Option<(Instant, u32)>,
}

struct Remembered {
    body: Value,
    id: String,
    at: Instant,
}

impl Outbox {
    /// Every accepted message, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        self.state().messages.clone()
    }

    /// The messages with `address` among their `to` recipients (case-insensitive), oldest first.
    pub fn find_to(&self, address: &str) -> Vec<Message> {
        let wanted = address.trim().to_ascii_lowercase();
        let to_wanted = |to: &String| address_of(to).is_some_and(|a| a.to_ascii_lowercase() == wanted);
        self.state().messages.iter().filter(|m| m.to.iter().any(to_wanted)).cloned().collect()
    }

    /// The newest message to `address`.
    pub fn last_to(&self, address: &str) -> Option<Message> {
        self.find_to(address).pop()
    }

    /// The message Resend gave `id`.
    pub fn get(&self, id: &str) -> Option<Message> {
        self.state().messages.iter().find(|m| m.id == id).cloned()
    }

    /// Every request that reached `/resend`, in order, faulted ones included.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.state().attempts.clone()
    }

    /// Wraps the stand-in, fault layer included, so that every request is recorded as an [`Attempt`].
    pub fn record(&self, router: Router) -> Router {
        router.layer(middleware::from_fn_with_state(self.clone(), record_attempt))
    }

    /// Counts a request in the current one-second window.
    pub(crate) fn count_request(&self) -> Window {
        let mut state = self.state();
        let now = Instant::now();
        let (start, count) = match state.window {
            Some((start, count)) if now.duration_since(start) < Duration::from_secs(1) => (start, count + 1),
            _ => (now, 1),
        };
        state.window = Some((start, count));
        let left = Duration::from_secs(1).saturating_sub(now.duration_since(start));
        Window { remaining: RATE_LIMIT.saturating_sub(count), reset_secs: u64::from(!left.is_zero()) }
    }

    /// Accepts `content` sent as `body` under `key`: a key seen within 24 h with the same body gives
    /// the first id again and sends nothing; with another body it is a conflict.
    pub(crate) fn accept(&self, key: Option<&str>, body: &Value, content: Content) -> Result<String, KeyConflict> {
        let mut state = self.state();
        let now = Instant::now();
        state.keys.retain(|_, seen| now.duration_since(seen.at) < KEY_LIFETIME);
        if let Some(seen) = key.and_then(|k| state.keys.get(k)) {
            return if seen.body == *body { Ok(seen.id.clone()) } else { Err(KeyConflict) };
        }
        let id = uuid::Uuid::new_v4().to_string();
        if let Some(key) = key {
            state.keys.insert(key.to_owned(), Remembered { body: body.clone(), id: id.clone(), at: now });
        }
        let created_at = OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default();
        let message = Message { id: id.clone(), content, idempotency_key: key.map(str::to_owned), created_at };
        state.messages.push(message);
        Ok(id)
    }

    fn state(&self) -> MutexGuard<'_, Memory> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn record_attempt(State(outbox): State<Outbox>, req: Request, next: Next) -> Response {
    let attempt = {
        let header = |name| req.headers().get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        Attempt {
            method: req.method().to_string(),
            path: req.uri().path().to_owned(),
            idempotency_key: header("idempotency-key"),
            user_agent: header("user-agent"),
        }
    };
    outbox.state().attempts.push(attempt);
    next.run(req).await
}
