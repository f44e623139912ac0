//! The retry policy: which failures get another attempt, how long to wait (the server's
//! `RetryInfo.retryDelay`, else exponential backoff with jitter), and the one deadline over it all.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::GeminiError;

/// First backoff step; doubled per attempt. Google's guidance starts retries at about a second.
const BASE_BACKOFF: Duration = Duration::from_secs(1);

/// A bound on attempts even when every wait is short: each attempt may cost the project money.
const MAX_ATTEMPTS: u32 = 5;

/// Runs `attempt` (given its time budget) until it succeeds, fails for good, or the next try could
/// not finish inside `deadline`. Each attempt gets `timeout`, or what is left of the deadline.
pub(super) async fn with_retries<T, F, Fut>(
    timeout: Duration,
    deadline: Duration,
    mut attempt: F,
) -> Result<T, GeminiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, GeminiError>>,
{
    let end = Instant::now() + deadline;
    let mut tries = 0;
    loop {
        let budget = timeout.min(end.saturating_duration_since(Instant::now()));
        let err = match tokio::time::timeout(budget, attempt()).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(err)) => err,
            Err(_) => GeminiError::Timeout,
        };
        tries += 1;
        if !err.is_retryable() || tries >= MAX_ATTEMPTS {
            return Err(err);
        }
        let wait = err.retry_after().unwrap_or_else(|| backoff(tries - 1, fastrand::f64()));
        // Waiting, then starting an attempt with no time left, only delays the same answer.
        if Instant::now() + wait >= end {
            return Err(err);
        }
        tokio::time::sleep(wait).await;
    }
}

/// The wait before retry number `retry + 1` when the server named none: `BASE · 2^retry`, scaled
/// by `jitter` ∈ [0, 1) into its upper half, so that clients failing together spread out.
fn backoff(retry: u32, jitter: f64) -> Duration {
    BASE_BACKOFF.saturating_mul(1 << retry.min(6)).mul_f64(0.5 + jitter / 2.0)
}

/// A protobuf `Duration` in JSON form: decimal seconds with an `s` suffix (`"38s"`, `"0.5s"`,
/// `"38.804097346s"`).
pub(super) fn parse_retry_delay(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(3600.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn reads_protobuf_duration_strings() {
        let cases = [
            ("38s", Some(38_000)),
            ("0.5s", Some(500)),
            ("38.804097346s", Some(38_804)),
            ("0s", Some(0)),
            ("38", None),
            ("soon", None),
            ("-1s", None),
            ("NaNs", None),
        ];
        for (text, millis) in cases {
            assert_eq!(parse_retry_delay(text).map(|d| d.as_millis() as u64), millis, "{text}");
        }
    }

    #[test]
    fn backoff_doubles_from_one_second_with_jitter_in_the_upper_half() {
        assert_eq!(backoff(0, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(0, 0.999_999), Duration::from_micros(999_999) + Duration::from_nanos(500));
        assert_eq!(backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(backoff(3, 0.0), Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn stops_when_the_next_wait_would_pass_the_deadline() {
        let calls = Cell::new(0);
        let result: Result<(), _> = with_retries(Duration::from_secs(10), Duration::from_secs(30), || {
            calls.set(calls.get() + 1);
            async { Err(GeminiError::RateLimited { retry_after: Some(Duration::from_secs(20)) }) }
        })
        .await;
        assert!(matches!(result, Err(GeminiError::RateLimited { .. })));
        assert_eq!(calls.get(), 2, "one wait of 20 s fits in 30 s, a second does not");
    }

    #[tokio::test(start_paused = true)]
    async fn never_retries_a_permanent_failure() {
        let calls = Cell::new(0);
        let result: Result<(), _> = with_retries(Duration::from_secs(10), Duration::from_secs(60), || {
            calls.set(calls.get() + 1);
            async { Err(GeminiError::QuotaUnavailable("limit: 0".into())) }
        })
        .await;
        assert!(matches!(result, Err(GeminiError::QuotaUnavailable(_))));
        assert_eq!(calls.get(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_attempt_times_out_and_is_retried() {
        let calls = Cell::new(0);
        let result = with_retries(Duration::from_secs(1), Duration::from_secs(60), || {
            calls.set(calls.get() + 1);
            let slow = calls.get() == 1;
            async move {
                if slow {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                Ok::<_, GeminiError>(())
            }
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(calls.get(), 2);
    }
}
