//! One scenario under load: N connections opened at once, each an HTTP/1.1 keep-alive connection
//! of its own (as `wrk` and `oha` drive a server), sending one request after another until the
//! scenario's time is up or its requests are all sent. A connection that breaks is opened again.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::stats::{Recorder, Summary};

/// When a scenario stops handing out requests; requests already sent are always awaited.
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    After(Duration),
    Requests(usize),
}

pub struct Scenario {
    pub name: String,
    pub method: Method,
    /// Path and query, e.g. `/api/gallery?limit=30`.
    pub path: String,
    /// A JSON body, sent with every request.
    pub body: Option<Bytes>,
    /// Bearer tokens, taken in turn (request k uses `tokens[k % len]`, so each user sends an equal
    /// share); empty for anonymous requests.
    pub tokens: Vec<String>,
    pub expect: u16,
    pub stop: Stop,
}

/// Where the studio listens: its address and the `Host` header.
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: SocketAddr,
    pub host: String,
}

impl Target {
    pub async fn of(base_url: &str) -> Result<Self, String> {
        let host = base_url.strip_prefix("http://").ok_or(format!("{base_url}: only http:// is driven"))?;
        let host = host.split('/').next().unwrap_or(host).to_owned();
        let addr = tokio::net::lookup_host(&host).await.map_err(|e| format!("{host}: {e}"))?.next();
        Ok(Self { addr: addr.ok_or(format!("{host}: no address"))?, host })
    }
}

/// Hands out request numbers until the stop condition.
struct Plan {
    next: AtomicUsize,
    stop: Stop,
    started: Instant,
}

impl Plan {
    fn next(&self) -> Option<usize> {
        if let Stop::After(length) = self.stop
            && self.started.elapsed() >= length
        {
            return None;
        }
        let k = self.next.fetch_add(1, Ordering::Relaxed);
        match self.stop {
            Stop::Requests(total) if k >= total => None,
            _ => Some(k),
        }
    }
}

/// Runs `scenario` over `connections` connections; a request unanswered after `timeout` is an error.
pub async fn run(target: &Target, scenario: Scenario, connections: usize, timeout: Duration) -> Summary {
    let scenario = Arc::new(scenario);
    let recorder = Arc::new(Recorder::default());
    let plan = Arc::new(Plan { next: AtomicUsize::new(0), stop: scenario.stop, started: Instant::now() });
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (target, scenario, plan, recorder) = (target.clone(), scenario.clone(), plan.clone(), recorder.clone());
            tokio::spawn(async move { connection(&target, &scenario, &plan, &recorder, timeout).await })
        })
        .collect();
    for worker in workers {
        if let Err(err) = worker.await {
            recorder.error(format!("connection task failed: {err}"));
        }
    }
    recorder.summary(&scenario.name, connections, plan.started.elapsed())
}

async fn connection(target: &Target, scenario: &Scenario, plan: &Plan, recorder: &Recorder, timeout: Duration) {
    let mut sender = None;
    while let Some(k) = plan.next() {
        let started = Instant::now();
        match tokio::time::timeout(timeout, once(&mut sender, target, scenario, k)).await {
            Ok(Ok(())) => recorder.ok(started.elapsed()),
            Ok(Err(kind)) => recorder.error(kind),
            Err(_) => {
                // The connection may still carry the late answer: start afresh.
                sender = None;
                recorder.error(format!("timeout after {} s", timeout.as_secs()));
            }
        }
    }
}

/// One request on the connection (opened first if there is none); an error names what failed.
async fn once(
    sender: &mut Option<SendRequest<Full<Bytes>>>,
    target: &Target,
    scenario: &Scenario,
    k: usize,
) -> Result<(), String> {
    let open = match sender.take() {
        Some(open) if !open.is_closed() => open,
        _ => connect(target.addr).await?,
    };
    let request = request(target, scenario, k);
    let mut open = open;
    open.ready().await.map_err(|e| format!("connection closed: {e}"))?;
    let response = open.send_request(request).await.map_err(|e| format!("request failed: {e}"))?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.map_err(|e| format!("body cut short: {e}"))?.to_bytes();
    *sender = Some(open);
    if status == scenario.expect {
        return Ok(());
    }
    let code = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Err(format!("HTTP {status} {code}").trim_end().to_owned())
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {}", e.kind()))?;
    stream.set_nodelay(true).map_err(|e| format!("connect: {}", e.kind()))?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

fn request(target: &Target, scenario: &Scenario, k: usize) -> Request<Full<Bytes>> {
    let mut builder = Request::builder()
        .method(scenario.method.clone())
        .uri(scenario.path.as_str())
        .header(header::HOST, target.host.as_str());
    if !scenario.tokens.is_empty() {
        builder =
            builder.header(header::AUTHORIZATION, format!("Bearer {}", scenario.tokens[k % scenario.tokens.len()]));
    }
    if scenario.body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    let body = Full::new(scenario.body.clone().unwrap_or_default());
    builder.body(body).unwrap_or_else(|_| Request::new(Full::new(Bytes::new())))
}
