//! What one scenario saw: the latency of every answered request, and every failure counted by
//! kind (an unexpected status with its error code, a refused connection, a timeout…).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};

/// Shared by a scenario's connections; each adds what it saw.
#[derive(Default)]
pub struct Recorder {
    inner: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    latencies_us: Vec<u64>,
    errors: BTreeMap<String, u64>,
}

impl Recorder {
    /// An answer with the expected status.
    pub fn ok(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.lock().latencies_us.push(micros);
    }

    /// A failed request, counted under `kind`.
    pub fn error(&self, kind: String) {
        *self.lock().errors.entry(kind).or_default() += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The figures, over `elapsed` of wall time.
    pub fn summary(&self, name: &str, connections: usize, elapsed: Duration) -> Summary {
        let seen = self.lock();
        let mut sorted = seen.latencies_us.clone();
        sorted.sort_unstable();
        let errors: u64 = seen.errors.values().sum();
        let requests = sorted.len() as u64 + errors;
        let at = |q: f64| percentile(&sorted, q);
        Summary {
            name: name.to_owned(),
            connections,
            requests,
            errors: seen.errors.clone(),
            error_count: errors,
            seconds: elapsed.as_secs_f64(),
            throughput: requests as f64 / elapsed.as_secs_f64().max(1e-9),
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            max_ms: sorted.last().map_or(0.0, |&us| us as f64 / 1000.0),
        }
    }
}

/// The nearest-rank percentile `q` of sorted microseconds, in milliseconds (0 with no samples).
pub fn percentile(sorted_us: &[u64], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted_us.len() as f64).ceil() as usize;
    sorted_us[rank.clamp(1, sorted_us.len()) - 1] as f64 / 1000.0
}

#[derive(Clone, Debug)]
pub struct Summary {
    pub name: String,
    pub connections: usize,
    pub requests: u64,
    pub errors: BTreeMap<String, u64>,
    pub error_count: u64,
    pub seconds: f64,
    pub throughput: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    pub const HEADER: &str = "| scenario | connections | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |\n\
                              |---|---|---|---|---|---|---|---|---|";

    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            self.name,
            self.connections,
            self.requests,
            self.error_count,
            self.throughput,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.max_ms
        )
    }

    pub fn json(&self) -> Value {
        json!({
            "scenario": self.name, "connections": self.connections, "requests": self.requests,
            "errors": self.error_count, "errors_by_kind": self.errors, "seconds": self.seconds,
            "throughput": self.throughput, "p50_ms": self.p50_ms, "p90_ms": self.p90_ms,
            "p99_ms": self.p99_ms, "max_ms": self.max_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let us: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        let at = |q| percentile(&us, q);
        assert_eq!((at(0.5), at(0.9), at(0.99), at(1.0)), (50.0, 90.0, 99.0, 100.0));
        assert_eq!(percentile(&[7000], 0.99), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn errors_count_as_requests_and_by_kind() {
        let recorder = Recorder::default();
        recorder.ok(Duration::from_millis(4));
        recorder.error("HTTP 503 UNAVAILABLE".into());
        recorder.error("HTTP 503 UNAVAILABLE".into());
        recorder.error("connect: connection refused".into());

        let summary = recorder.summary("s", 1, Duration::from_secs(2));

        assert_eq!((summary.requests, summary.error_count, summary.throughput), (4, 3, 2.0));
        assert_eq!(summary.errors["HTTP 503 UNAVAILABLE"], 2);
        assert_eq!(summary.p99_ms, 4.0);
    }
}
