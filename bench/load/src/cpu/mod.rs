//! CPU milliseconds per request per route, as Vercel bills a function (its active CPU): each api/
//! binary runs as its own process against the studio's stand-ins; after a few warm-up requests, a
//! known number of requests is sent one after another and the process's user + system time
//! (`/proc/PID/stat`, every thread) is read before and after. The stand-ins (PostgREST, Storage,
//! Upstash, the Gemini preview renderer) run in another process: their CPU is not counted.

mod process;
mod routes;

use std::path::PathBuf;

use reqwest::Client;
use serde_json::{Value, json};

pub use routes::{Fixture, users_for};

use crate::seed;

pub struct Measured {
    pub route: &'static str,
    pub function: &'static str,
    pub requests: usize,
    pub cpu_ms: f64,
    /// The process's peak resident memory so far (VmHWM), in MB.
    pub peak_mb: f64,
}

impl Measured {
    pub const HEADER: &str =
        "| route | function | requests | CPU ms per request | peak RSS MB |\n|---|---|---|---|---|";

    pub fn per_request(&self) -> f64 {
        self.cpu_ms / self.requests as f64
    }

    pub fn row(&self) -> String {
        let Self { route, function, requests, peak_mb, .. } = self;
        format!("| {route} | {function} | {requests} | {:.2} | {peak_mb:.1} |", self.per_request())
    }

    pub fn json(&self) -> Value {
        json!({ "route": self.route, "function": self.function, "requests": self.requests,
                "cpu_ms": self.cpu_ms, "cpu_ms_per_request": self.per_request(), "peak_rss_mb": self.peak_mb })
    }
}

/// Every route of [`routes::table`], `n` requests each; `binary(name)` locates the api/ binaries.
pub async fn measure(
    binary: impl Fn(&str) -> PathBuf,
    env: &[(String, String)],
    fixture: Fixture,
    n: usize,
) -> Result<Vec<Measured>, String> {
    let http = Client::new();
    let mut measured = Vec::new();
    for (function, table) in routes::table(fixture, n) {
        let mut process = process::Function::start(&binary(function), env).await?;
        for mut route in table {
            let mut previous = Value::Null;
            for k in 0..routes::WARM_UP {
                previous = send(&http, &process.url, &mut route, k, &previous).await?;
            }
            let before = process.cpu_ms()?;
            for k in routes::WARM_UP..routes::WARM_UP + route.requests {
                previous = send(&http, &process.url, &mut route, k, &previous).await?;
            }
            let cpu_ms = process.cpu_ms()? - before;
            let peak_mb = process.peak_mb();
            measured.push(Measured { route: route.name, function, requests: route.requests, cpu_ms, peak_mb });
        }
        process.child.kill().await.map_err(|e| format!("stop {function}: {e}"))?;
    }
    Ok(measured)
}

async fn send(
    http: &Client,
    url: &str,
    route: &mut routes::Route,
    k: usize,
    previous: &Value,
) -> Result<Value, String> {
    let request = (route.make)(http, url, k, previous);
    seed::expect(request, route.expect).await.map_err(|e| format!("{}: {e}", route.name))
}
