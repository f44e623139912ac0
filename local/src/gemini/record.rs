//! `Requests`: what reached the Gemini stand-in, faulted calls included, so that a test can assert
//! the exact body our client sent (field names, seed, no `aspectRatio` on an edit without one).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::validate::GoogleError;

/// The newest requests kept: enough for any test (four variations and their retries), bounded so
/// that a long-running dev server does not keep every inline image it was sent.
const KEPT: usize = 64;

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    /// The path under `/gemini`, e.g. `/v1beta/models/gemini-3.1-flash-image:generateContent`.
    pub path: String,
    /// The body as JSON; `Value::Null` when it was empty or not JSON.
    pub body: Value,
}

impl Received {
    /// The model id of a `models/{model}:{action}` path.
    pub fn model(&self) -> Option<&str> {
        let rest = self.path.rsplit_once("/models/")?.1;
        Some(rest.split_once(':').map_or(rest, |(model, _)| model))
    }
}

/// The stand-in's record of requests, shared by the stack and its tests.
#[derive(Clone, Default)]
pub struct Requests(Arc<Mutex<VecDeque<Received>>>);

impl Requests {
    /// Every recorded request, oldest first.
    pub fn all(&self) -> Vec<Received> {
        self.state().iter().cloned().collect()
    }

    /// The bodies of the recorded `generateContent` calls, oldest first.
    pub fn generate_bodies(&self) -> Vec<Value> {
        self.state().iter().filter(|r| r.path.ends_with(":generateContent")).map(|r| r.body.clone()).collect()
    }

    /// Forgets every recorded request.
    pub fn clear(&self) {
        self.state().clear();
    }

    /// Wraps the stand-in, fault layer included, so that every request is recorded before it is
    /// answered.
    pub fn record(&self, router: Router) -> Router {
        router.layer(middleware::from_fn_with_state(self.clone(), record))
    }

    fn state(&self) -> MutexGuard<'_, VecDeque<Received>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn record(State(requests): State<Requests>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    // The same limit the stand-in applies, with Google's words for a body over it.
    let Ok(bytes) = axum::body::to_bytes(body, super::BODY_LIMIT).await else {
        let limit = super::BODY_LIMIT;
        return GoogleError::invalid(format!("Request payload size exceeds the limit: {limit} bytes.")).into_response();
    };
    let received = Received {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    };
    {
        let mut state = requests.state();
        if state.len() == KEPT {
            state.pop_front();
        }
        state.push_back(received);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}
