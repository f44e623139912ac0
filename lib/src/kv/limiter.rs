//! Rate limits over `Kv`: one `/multi-exec` round trip per check and no Lua (so no NOSCRIPT path,
//! no script flags that real Redis rejects), a window chosen by the caller's clock, and an explicit
//! policy for when the store cannot answer.
//!
//! Keys are `rl:{name}:{identifier}:{bucket}` with `bucket = floor(now_ms / window_ms)`, as in
//! `@upstash/ratelimit`: the bucket and the reset time come from one clock, the caller's (tests pass
//! their own `now_ms`; production passes [`now_ms`]), never from Redis's expiry clock.
//!
//! Rejected requests are counted too: without a script the transaction cannot increment only when
//! under the limit. So a client that keeps hammering stays limited, as with `@upstash/ratelimit`'s
//! fixed window; for the sliding window its rejected calls also weigh on the next window.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::{Kv, KvError};
use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// At most `max` per aligned window; cheap, but allows up to 2×`max` around a boundary.
    FixedWindow,
    /// The current window's count plus the previous one's weighted by how much of it still
    /// overlaps a window ending now: smooths the boundary burst (an approximation, as upstream's).
    SlidingWindow,
}

/// What a check answers when the store is down, slow or over its plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnFailure {
    /// Fail closed: the check returns the error (503 with Retry-After). For anything that costs money.
    Deny,
    /// Fail open: admit, and log that the limit was not checked. For cheap reads.
    Allow,
}

#[derive(Clone, Debug)]
pub struct Limit {
    /// Part of the key, distinct per limit (e.g. `generate-user`); no `:` in it.
    pub name: &'static str,
    pub max: u64,
    pub window: Duration,
    pub algorithm: Algorithm,
    pub on_failure: OnFailure,
}

/// The outcome of one check, with what a client needs for `RateLimit-*` and `Retry-After` headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// When the current window ends, in Unix milliseconds.
    pub reset_at: u64,
    /// 0 when allowed; otherwise whole seconds until the window ends (at least 1).
    pub retry_after_secs: u64,
}

impl Decision {
    /// The decision if allowed, else 429 RATE_LIMITED with its `Retry-After`.
    pub fn enforce(self) -> Result<Self, ApiError> {
        if self.allowed { Ok(self) } else { Err(ApiError::RateLimited { retry_after_secs: self.retry_after_secs }) }
    }
}

/// The production clock: Unix time in milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Limit {
    /// Counts one request of `identifier` at `now_ms`. A store failure is an `Err` under
    /// [`OnFailure::Deny`] and an admitted, unchecked decision under [`OnFailure::Allow`].
    pub async fn check(&self, kv: &Kv, identifier: &str, now_ms: u64) -> Result<Decision, KvError> {
        self.charge(kv, identifier, 1, now_ms).await
    }

    /// Counts `amount` units (bytes, say) of `identifier` at `now_ms`, as [`Limit::check`] counts one:
    /// allowed while the window's total, this amount included, is at most `max`.
    pub async fn charge(&self, kv: &Kv, identifier: &str, amount: u64, now_ms: u64) -> Result<Decision, KvError> {
        match self.count(kv, identifier, amount, now_ms).await {
            Ok(decision) => Ok(decision),
            Err(err) if self.on_failure == OnFailure::Allow => {
                let line = json!({ "level": "warn", "limit": self.name, "decision": "admitted unchecked",
                                   "error": err.to_string() });
                eprintln!("{line}");
                Ok(Decision {
                    allowed: true,
                    limit: self.max,
                    remaining: self.max,
                    reset_at: self.reset_at(now_ms),
                    retry_after_secs: 0,
                })
            }
            Err(err) => Err(err),
        }
    }

    async fn count(&self, kv: &Kv, identifier: &str, amount: u64, now_ms: u64) -> Result<Decision, KvError> {
        let window = self.window_ms();
        let bucket = now_ms / window;
        let current = self.key(identifier, bucket);
        let used = match self.algorithm {
            Algorithm::FixedWindow => {
                let replies = kv.multi_exec(&[create(&current, window), increment(&current, amount)]).await?;
                counter(replies.get(1))?
            }
            Algorithm::SlidingWindow => {
                // The current bucket is read as the previous one during the next window: keep it 2 windows.
                let previous = self.key(identifier, bucket.saturating_sub(1));
                let replies = kv
                    .multi_exec(&[
                        create(&current, 2 * window),
                        increment(&current, amount),
                        vec![json!("GET"), json!(previous)],
                    ])
                    .await?;
                let elapsed = (now_ms % window) as f64 / window as f64;
                let carried = (counter(replies.get(2))? as f64 * (1.0 - elapsed)).floor() as u64;
                counter(replies.get(1))? + carried
            }
        };
        Ok(self.decide(used, now_ms))
    }

    /// Takes back `amount` that [`Limit::charge`] counted at `now_ms` for work then not done, so that
    /// a refused large request does not use up what smaller ones could still have. The counter is
    /// created first if it has expired meanwhile, so that it never outlives its window.
    pub async fn refund(&self, kv: &Kv, identifier: &str, amount: u64, now_ms: u64) -> Result<(), KvError> {
        let window = self.window_ms();
        let key = self.key(identifier, now_ms / window);
        let ttl = if self.algorithm == Algorithm::SlidingWindow { 2 * window } else { window };
        kv.multi_exec(&[create(&key, ttl), vec![json!("DECRBY"), json!(key), json!(amount)]]).await?;
        Ok(())
    }

    fn decide(&self, used: u64, now_ms: u64) -> Decision {
        let allowed = used <= self.max;
        let reset_at = self.reset_at(now_ms);
        Decision {
            allowed,
            limit: self.max,
            remaining: self.max.saturating_sub(used),
            reset_at,
            retry_after_secs: if allowed { 0 } else { (reset_at - now_ms).div_ceil(1000).max(1) },
        }
    }

    fn window_ms(&self) -> u64 {
        u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX).max(1)
    }

    fn reset_at(&self, now_ms: u64) -> u64 {
        (now_ms / self.window_ms() + 1).saturating_mul(self.window_ms())
    }

    fn key(&self, identifier: &str, bucket: u64) -> String {
        format!("rl:{}:{identifier}:{bucket}", self.name)
    }
}

/// Creates the counter at 0 with its expiry, unless it exists: the expiry is set exactly once.
fn create(key: &str, ttl_ms: u64) -> Vec<Value> {
    vec![json!("SET"), json!(key), json!("0"), json!("PX"), json!(ttl_ms), json!("NX")]
}

/// INCRBY (INCR's general form): one command for a single request and for an amount alike.
fn increment(key: &str, amount: u64) -> Vec<Value> {
    vec![json!("INCRBY"), json!(key), json!(amount)]
}

/// A counter from a transaction item: INCR's integer, or GET's string (null when absent).
fn counter(item: Option<&Result<Value, String>>) -> Result<u64, KvError> {
    let value = match item {
        Some(Ok(value)) => value,
        Some(Err(error)) => return Err(KvError::Rejected(error.clone())),
        None => return Err(KvError::Decode("a transaction item is missing".into())),
    };
    match value {
        Value::Null => Ok(0),
        // Below zero only after a refund into a counter that had expired: nothing is used.
        Value::Number(n) => {
            n.as_i64().map(|v| v.max(0).unsigned_abs()).ok_or_else(|| KvError::Decode(format!("counter {n}")))
        }
        Value::String(s) => {
            s.parse::<i64>().map(|v| v.max(0).unsigned_abs()).map_err(|_| KvError::Decode(format!("counter {s:?}")))
        }
        other => Err(KvError::Decode(format!("counter {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(algorithm: Algorithm) -> Limit {
        Limit { name: "t", max: 10, window: Duration::from_secs(60), algorithm, on_failure: OnFailure::Deny }
    }

    #[test]
    fn denied_decisions_wait_until_the_window_ends() {
        let limit = limit(Algorithm::FixedWindow);
        let decision = limit.decide(11, 60_000 + 58_500);
        assert_eq!(
            decision,
            Decision { allowed: false, limit: 10, remaining: 0, reset_at: 120_000, retry_after_secs: 2 }
        );
        let err = decision.enforce().unwrap_err();
        assert_eq!((err.code(), err.retry_after_secs()), ("RATE_LIMITED", Some(2)));
        let allowed = limit.decide(10, 60_000).enforce().unwrap();
        assert_eq!((allowed.remaining, allowed.retry_after_secs), (0, 0));
    }

    #[test]
    fn keys_name_the_limit_the_caller_and_the_bucket() {
        assert_eq!(limit(Algorithm::SlidingWindow).key("user-1", 28_000_000), "rl:t:user-1:28000000");
    }

    #[test]
    fn counters_read_integers_strings_and_absence() {
        let ok = |v: Value| counter(Some(&Ok(v))).unwrap();
        assert_eq!((ok(json!(3)), ok(json!("4")), ok(Value::Null)), (3, 4, 0));
        assert_eq!((ok(json!(-2)), ok(json!("-5"))), (0, 0), "a refund below zero counts as nothing used");
        let err = counter(Some(&Err("WRONGTYPE Operation".into()))).unwrap_err();
        assert!(matches!(err, KvError::Rejected(_)));
    }
}
