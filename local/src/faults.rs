//! Fault injection for the stand-ins: a test (or a person, through `/__control/faults`) queues
//! faults for the next calls of one service, and that service's router answers with them instead of
//! serving those calls. Every stand-in is wrapped by [`Faults::layer`], which also applies the
//! stack's [`Outages`] (a service killed and restored).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Json, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http::{HeaderName, HeaderValue, StatusCode};
use serde::Deserialize;

use crate::outage::Outages;

/// The services a fault can be queued for.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Postgrest,
    Storage,
    Upstash,
    Gemini,
    Resend,
    /// The `redis-server` behind the Upstash stand-in: only for outages, no fault queue serves it.
    Redis,
}

/// What happens to one call instead of being served.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status, headers and body (a 429 with a retry delay, an HTML 502, a safety
    /// block, a malformed body…).
    Respond {
        status: u16,
        #[serde(default)]
        headers: Vec<(String, String)>,
        #[serde(default)]
        body: String,
    },
    /// Hold the call this long, then serve it: past a client's timeout, the client has given up.
    Delay { millis: u64 },
    /// Send the status line and headers, then drop the connection before the promised body.
    Drop,
}

impl Fault {
    /// A JSON answer, the common case.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }
}

/// The queue of pending faults and the outage switches, shared by the stand-ins of one stack.
#[derive(Clone, Default)]
pub struct Faults {
    queues: Arc<Mutex<HashMap<Service, VecDeque<Fault>>>>,
    pub outages: Outages,
}

#[derive(Deserialize)]
struct Injection {
    service: Service,
    fault: Fault,
    #[serde(default = "one")]
    times: usize,
}

fn one() -> usize {
    1
}

impl Faults {
    /// Queues `fault` for the next `times` calls of `service`, after any already queued.
    pub fn inject(&self, service: Service, fault: Fault, times: usize) {
        let mut queues = self.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let queue = queues.entry(service).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Forgets every queued fault.
    pub fn clear(&self) {
        self.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }

    /// How many faults are still queued for `service` (a test's check that all were consumed).
    pub fn pending(&self, service: Service) -> usize {
        self.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&service).map_or(0, VecDeque::len)
    }

    fn next(&self, service: Service) -> Option<Fault> {
        self.queues.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get_mut(&service)?.pop_front()
    }

    /// Wraps a stand-in's router so that queued faults for `service` answer in its place, unless
    /// an outage has killed it (or the `redis-server` behind the Upstash stand-in).
    pub fn layer(&self, service: Service, router: Router) -> Router {
        let switches: &'static [Service] = match service {
            Service::Upstash => &[Service::Upstash, Service::Redis],
            Service::Postgrest => &[Service::Postgrest],
            Service::Storage => &[Service::Storage],
            Service::Gemini => &[Service::Gemini],
            Service::Resend => &[Service::Resend],
            Service::Redis => &[Service::Redis],
        };
        let router = router.layer(middleware::from_fn_with_state((self.clone(), service), apply));
        self.outages.layer(switches, router)
    }

    /// `POST /faults {"service", "fault": {"kind", …}, "times"}` queues; `DELETE /faults` clears.
    /// `POST /outages {"service", "action": "kill" | "restore"}` kills or restores a service.
    pub fn control_router(&self) -> Router {
        Router::new()
            .route("/faults", post(inject).delete(clear))
            .route("/outages", post(switch))
            .with_state(self.clone())
    }
}

async fn inject(State(faults): State<Faults>, Json(injection): Json<Injection>) -> StatusCode {
    faults.inject(injection.service, injection.fault, injection.times);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Action {
    Kill,
    Restore,
}

#[derive(Deserialize)]
struct Switching {
    service: Service,
    action: Action,
}

async fn switch(State(faults): State<Faults>, Json(switching): Json<Switching>) -> StatusCode {
    match switching.action {
        Action::Kill => faults.outages.kill(switching.service),
        Action::Restore => faults.outages.restore(switching.service),
    }
    StatusCode::NO_CONTENT
}

async fn clear(State(faults): State<Faults>) -> StatusCode {
    faults.clear();
    StatusCode::NO_CONTENT
}

async fn apply(State((faults, service)): State<(Faults, Service)>, req: Request, next: Next) -> Response {
    match faults.next(service) {
        None => next.run(req).await,
        Some(Fault::Delay { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            next.run(req).await
        }
        Some(Fault::Respond { status, headers, body }) => respond(status, &headers, body),
        Some(Fault::Drop) => dropped(),
    }
}

fn respond(status: u16, headers: &[(String, String)], body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str())) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// Promises a body, then fails the stream: hyper closes the connection mid-response.
pub(crate) fn dropped() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected fault"))
    });
    let mut response = Body::from_stream(failing).into_response();
    response.headers_mut().insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("1024"));
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
