//! The rate limiter over the Upstash stand-in: exact admission under concurrency on the real
//! `redis-server`, remaining and reset values, windows that turn over with the caller's clock (no
//! sleeping), sliding-window weighting, and the fail-closed / fail-open policies under faults.

use std::sync::Arc;
use std::time::Duration;

use studio::ApiError;
use studio::kv::{Algorithm, Decision, Limit, OnFailure};
use studio_local::faults::{Fault, Service};
use studio_local::testing::{TestStack, serve};
use studio_local::upstash::{LOCAL_UPSTASH_TOKEN, SystemClock, Upstash};

use crate::upstash::{kv, real_redis};

/// 2023-11-14T22:13:20Z, on a minute boundary: windows start at `T0`.
const T0: u64 = 1_700_000_040_000;

fn limit(max: u64, window_secs: u64, algorithm: Algorithm, on_failure: OnFailure) -> Limit {
    Limit { name: "test", max, window: Duration::from_secs(window_secs), algorithm, on_failure }
}

#[tokio::test]
async fn two_hundred_concurrent_checks_on_a_limit_of_fifty_admit_exactly_fifty() {
    let upstash = real_redis().unwrap_or_else(|| Upstash::in_process(Arc::new(SystemClock)));
    let url = serve(upstash.router()).await;
    let kv = Arc::new(kv(&url, LOCAL_UPSTASH_TOKEN, Duration::from_secs(30)));
    let limit = Arc::new(limit(50, 60, Algorithm::FixedWindow, OnFailure::Deny));

    let checks = (0..200).map(|_| {
        let (kv, limit) = (kv.clone(), limit.clone());
        tokio::spawn(async move { limit.check(&kv, "burst", T0 + 5_000).await })
    });
    let mut admitted = 0;
    for check in checks.collect::<Vec<_>>() {
        admitted += usize::from(check.await.unwrap().expect("every check answered").allowed);
    }

    assert_eq!(admitted, 50, "over {}", upstash.describe());
}

#[tokio::test]
async fn a_fixed_window_counts_down_then_refuses_until_it_ends() {
    let stack = TestStack::start().await;
    let limit = limit(3, 60, Algorithm::FixedWindow, OnFailure::Deny);
    let now = T0 + 30_000;

    let mut decisions = Vec::new();
    for _ in 0..4 {
        decisions.push(limit.check(&stack.app.kv, "user-1", now).await.unwrap());
    }

    let reset_at = T0 + 60_000;
    let allowed = |remaining| Decision { allowed: true, limit: 3, remaining, reset_at, retry_after_secs: 0 };
    let refused = Decision { allowed: false, limit: 3, remaining: 0, reset_at, retry_after_secs: 30 };
    assert_eq!(decisions, vec![allowed(2), allowed(1), allowed(0), refused.clone()]);
    let err = refused.enforce().unwrap_err();
    assert_eq!((err.status().as_u16(), err.code(), err.retry_after_secs()), (429, "RATE_LIMITED", Some(30)));
    let other = limit.check(&stack.app.kv, "user-2", now).await.unwrap();
    assert_eq!(other.remaining, 2, "another identifier has its own count");
}

#[tokio::test]
async fn the_window_resets_when_the_callers_clock_reaches_the_next_window() {
    let stack = TestStack::start().await;
    let limit = limit(2, 60, Algorithm::FixedWindow, OnFailure::Deny);
    for _ in 0..3 {
        limit.check(&stack.app.kv, "user", T0 + 59_999).await.unwrap();
    }
    assert!(!limit.check(&stack.app.kv, "user", T0 + 59_999).await.unwrap().allowed);

    let next = limit.check(&stack.app.kv, "user", T0 + 60_000).await.unwrap();

    assert_eq!((next.allowed, next.remaining, next.reset_at), (true, 1, T0 + 120_000));
}

#[tokio::test]
async fn a_sliding_window_weighs_the_previous_window_by_how_much_of_it_still_counts() {
    let stack = TestStack::start().await;
    let sliding = limit(10, 10, Algorithm::SlidingWindow, OnFailure::Deny);
    for _ in 0..8 {
        sliding.check(&stack.app.kv, "user", T0 + 1_000).await.unwrap();
    }

    // A quarter into the next window, 3/4 of the previous 8 still count: 6, plus this request.
    let quarter = sliding.check(&stack.app.kv, "user", T0 + 12_500).await.unwrap();
    // Half-way: floor(8 × 0.5) = 4, plus the 2 of this window.
    let half = sliding.check(&stack.app.kv, "user", T0 + 15_000).await.unwrap();
    let mut until_refused = 0;
    while sliding.check(&stack.app.kv, "user", T0 + 15_000).await.unwrap().allowed {
        until_refused += 1;
    }

    assert_eq!((quarter.allowed, quarter.remaining), (true, 3));
    assert_eq!((half.remaining, half.reset_at), (4, T0 + 20_000));
    assert_eq!(until_refused, 4, "admitted while 4 carried + this window's count <= 10");
}

#[tokio::test]
async fn a_deny_limit_fails_closed_with_503_and_retry_after_when_upstash_fails() {
    let stack = TestStack::start_with_env(&[("UPSTASH_TIMEOUT_MS", "200")]).await;
    let limit = limit(5, 60, Algorithm::FixedWindow, OnFailure::Deny);
    let faults = [
        Fault::Respond { status: 502, headers: vec![], body: "<html>Bad Gateway</html>".into() },
        Fault::Delay { millis: 1_000 },
        Fault::Drop,
        Fault::json(400, serde_json::json!({"error": "ERR max requests limit exceeded"})),
    ];
    for fault in faults {
        let case = format!("{fault:?}");
        stack.faults.inject(Service::Upstash, fault, 1);

        let err = ApiError::from(limit.check(&stack.app.kv, "user", T0).await.unwrap_err());

        assert_eq!((err.status().as_u16(), err.code()), (503, "UPSTREAM_UNAVAILABLE"), "{case}");
        assert!(err.retry_after_secs().is_some_and(|secs| secs > 0), "{case}: no Retry-After");
    }
}

#[tokio::test]
async fn an_allow_limit_fails_open_and_counts_again_once_upstash_is_back() {
    let stack = TestStack::start_with_env(&[("UPSTASH_TIMEOUT_MS", "200")]).await;
    let limit = limit(1, 60, Algorithm::SlidingWindow, OnFailure::Allow);
    stack.faults.inject(Service::Upstash, Fault::Delay { millis: 1_000 }, 1);
    stack.faults.inject(Service::Upstash, Fault::Respond { status: 503, headers: vec![], body: String::new() }, 1);

    let slow = limit.check(&stack.app.kv, "user", T0).await.unwrap();
    let down = limit.check(&stack.app.kv, "user", T0).await.unwrap();
    let counted = limit.check(&stack.app.kv, "user", T0).await.unwrap();
    let over = limit.check(&stack.app.kv, "user", T0).await.unwrap();

    assert!(slow.allowed && down.allowed, "admitted while Upstash failed");
    assert_eq!((counted.allowed, counted.remaining), (true, 0), "the failed checks were not counted");
    assert!(!over.allowed);
}
