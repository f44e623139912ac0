//! What stops a request before the model is called, and what it costs: the short-window limit
//! (failing closed), the daily and monthly quota (atomic under concurrency, reset lazily).

use serde_json::json;
use std::time::Duration;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{PASS, generate, kept, ledger, nothing_kept, quota, sql, square};
use crate::helpers::{Account, request, send, signed_up};

/// A Gemini fault that only a model call would consume: still queued after a request means the
/// model was never called.
fn watch_the_model(stack: &TestStack) {
    stack.faults.inject(Service::Gemini, PASS, 1);
}

#[tokio::test]
async fn generation_is_refused_with_503_when_the_rate_limiter_is_down() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let down = Fault::json(503, json!({ "error": "service unavailable" }));
    stack.faults.inject(Service::Upstash, down, 1);
    watch_the_model(&stack);

    let answer = generate(&stack, &account, square(1)).await;

    assert_eq!((answer.status, answer.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", answer.body);
    assert!(!answer.header("retry-after").is_empty(), "a wait is suggested");
    assert_eq!(stack.faults.pending(Service::Upstash), 0, "the limiter was asked");
    assert_eq!(stack.faults.pending(Service::Gemini), 1, "the model was not called");
    assert_eq!(ledger(&stack, &account).await, nothing_kept(0));
}

#[tokio::test]
async fn the_third_request_in_a_minute_is_rate_limited_and_not_charged() {
    let stack = TestStack::start_with_env(&[("GENERATE_RATE_PER_MINUTE", "2")]).await;
    let account = signed_up(&stack, "siti@example.com").await;
    // The three requests must fall in one minute window: the stack and the account come first, so
    // a slow start on a loaded machine cannot push them across a boundary.
    crate::helpers::inside_one_window(Duration::from_secs(60), Duration::from_secs(40)).await;
    for attempt in 1..=2 {
        let answer = generate(&stack, &account, square(1)).await;
        assert_eq!(answer.status, 201, "request {attempt}: {}", answer.body);
    }
    watch_the_model(&stack);

    let answer = generate(&stack, &account, square(1)).await;

    assert_eq!((answer.status, answer.error_code()), (429, "RATE_LIMITED"), "{}", answer.body);
    let wait: u64 = answer.header("retry-after").parse().expect("a Retry-After in seconds");
    assert!((1..=60).contains(&wait), "within the one-minute window: {wait}");
    assert_eq!(stack.faults.pending(Service::Gemini), 1, "the model was not called");
    assert_eq!(ledger(&stack, &account).await, kept(2, 0));
}

#[tokio::test]
async fn one_users_rate_limit_does_not_slow_another() {
    let stack = TestStack::start_with_env(&[("GENERATE_RATE_PER_MINUTE", "1")]).await;
    let (siti, budi) = (signed_up(&stack, "siti@example.com").await, signed_up(&stack, "budi@example.com").await);
    let first = generate(&stack, &siti, square(1)).await;
    assert_eq!(first.status, 201, "{}", first.body);

    let other = generate(&stack, &budi, square(1)).await;

    assert_eq!(other.status, 201, "another user's minute is their own: {}", other.body);
}

#[tokio::test]
async fn sixty_concurrent_requests_on_a_quota_of_fifty_make_exactly_fifty_images() {
    // Sixty generations at once queue for the database on a loaded two-core machine; the question
    // here is atomic admission, so the database timeout leaves room for the queue.
    let stack =
        TestStack::start_with_env(&[("GENERATE_RATE_PER_MINUTE", "1000"), ("DATABASE_TIMEOUT_MS", "60000")]).await;
    let account = signed_up(&stack, "siti@example.com").await;
    sql(&stack, "update users set daily_quota = 50 where id = $1::text::uuid", &account).await;

    let url = format!("{}/api/generate", stack.url);
    let requests: Vec<_> = (0..60)
        .map(|_| {
            let sent = request(reqwest::Method::POST, &url, Some(&account.access), Some(square(1)));
            tokio::spawn(send(sent))
        })
        .collect();
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for handle in requests {
        let answer = handle.await.expect("a request task");
        let code = if answer.status == 201 { String::new() } else { answer.error_code().to_owned() };
        *outcomes.entry(format!("{} {code}", answer.status)).or_default() += 1;
    }

    let expected = [("201 ".to_owned(), 50), ("429 QUOTA_EXCEEDED".to_owned(), 10)].into_iter().collect();
    assert_eq!(outcomes, expected);
    assert_eq!(ledger(&stack, &account).await, kept(50, 0));
}

#[tokio::test]
async fn an_exhausted_quota_is_429_until_the_limit_that_stopped_it_resets() {
    // (case, SQL using up the quota, what the message names, SQL for the instant the quota resets)
    let cases = [
        (
            "the day",
            "update users set daily_used = daily_quota where id = $1::text::uuid",
            "daily quota of 50",
            "date_trunc('day', now() at time zone 'utc') + interval '1 day'",
        ),
        (
            "the month",
            "update users set monthly_quota = 1, monthly_used = 1 where id = $1::text::uuid",
            "monthly quota of 1",
            "date_trunc('month', now() at time zone 'utc') + interval '1 month'",
        ),
    ];
    let stack = TestStack::start().await;
    for (i, (case, use_up, named, resets)) in cases.into_iter().enumerate() {
        let account = signed_up(&stack, &format!("siti{i}@example.com")).await;
        sql(&stack, use_up, &account).await;
        let before = ledger(&stack, &account).await;
        watch_the_model(&stack);

        let answer = generate(&stack, &account, square(1)).await;

        assert_eq!((answer.status, answer.error_code()), (429, "QUOTA_EXCEEDED"), "{case}: {}", answer.body);
        let message = answer.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{case}: the message names the {named}: {message}");
        let wait: i64 = answer.header("retry-after").parse().expect("a Retry-After in seconds");
        let until_reset = seconds_until(&stack, resets).await;
        assert!((1..=until_reset + 1).contains(&wait), "{case}: {wait} s, the reset is in {until_reset} s");
        assert!(wait >= until_reset - 60, "{case}: {wait} s is the wait until the reset ({until_reset} s)");
        assert_eq!(stack.faults.pending(Service::Gemini), 1, "{case}: the model was not called");
        assert_eq!(ledger(&stack, &account).await, before, "{case}: nothing charged");
        stack.faults.clear();
    }
}

#[tokio::test]
async fn a_new_day_resets_the_daily_counter_on_the_next_generation() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    sql(
        &stack,
        "update users set daily_used = daily_quota, daily_reset_on = (now() at time zone 'utc')::date - 1
          where id = $1::text::uuid",
        &account,
    )
    .await;
    assert_eq!(quota(&stack, &account).await["daily"]["used"], 0, "yesterday's count is shown as reset");

    let answer = generate(&stack, &account, square(1)).await;

    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.data()["quota"]["daily"]["used"], 1);
    let (used, today): (i32, bool) = daily_counter(&stack, &account).await;
    assert_eq!((used, today), (1, true), "the counter restarted today at 1");
}

async fn daily_counter(stack: &TestStack, account: &Account) -> (i32, bool) {
    let row = stack
        .db
        .client()
        .await
        .query_one(
            "select daily_used, daily_reset_on = (now() at time zone 'utc')::date from users where id = $1::text::uuid",
            &[&account.id],
        )
        .await
        .expect("the user's counter");
    (row.get(0), row.get(1))
}

/// Whole seconds from now until `instant` (a UTC timestamp expression).
async fn seconds_until(stack: &TestStack, instant: &str) -> i64 {
    let query = format!("select ceil(extract(epoch from ({instant}) - (now() at time zone 'utc')))::bigint");
    stack.db.client().await.query_one(&query, &[]).await.expect("a time in seconds").get(0)
}
