//! Guessing: failed logins look alike whatever the e-mail, guesses are capped per e-mail and per
//! address, and with the limiter down nobody logs in.

use std::time::Duration;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{login_from, registered};
use crate::helpers::{PASSWORD, signed_up};

#[tokio::test]
async fn login_failures_say_nothing_about_which_emails_have_accounts() {
    let stack = TestStack::start().await;
    signed_up(&stack, "siti@example.com").await;
    registered(&stack, "budi@example.com").await;
    let client = stack.db.client().await;
    client.execute("update users set is_disabled = true where email = 'budi@example.com'", &[]).await.unwrap();
    let unknown = login_from(&stack, "203.0.113.7", "nobody@example.com", PASSWORD).await;
    assert_eq!((unknown.status, unknown.error_code()), (401, "UNAUTHORIZED"), "{}", unknown.body);
    let cases = [
        ("a wrong password", "siti@example.com", "not-the-password"),
        ("a disabled account with its password", "budi@example.com", PASSWORD),
    ];
    for (case, email, password) in cases {
        let answer = login_from(&stack, "203.0.113.7", email, password).await;

        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert_eq!(answer.body["error"], unknown.body["error"], "{case} answers exactly like an unknown e-mail");
    }
}

#[tokio::test]
async fn login_is_refused_after_ten_attempts_for_one_email_even_with_the_right_password() {
    crate::helpers::inside_one_window(Duration::from_secs(15 * 60), Duration::from_secs(120)).await;
    let stack = TestStack::start().await;
    registered(&stack, "budi@example.com").await;
    // Spellings of one address count as one: normalising happens before counting.
    let spellings = ["budi@example.com", "BUDI@example.com", " Budi@Example.com "];
    for attempt in 0..10 {
        let answer = login_from(&stack, "203.0.113.7", spellings[attempt % 3], "guess-number-n").await;
        assert_eq!(answer.status, 401, "attempt {}: {}", attempt + 1, answer.body);
    }

    let eleventh = login_from(&stack, "198.51.100.20", "budi@example.com", PASSWORD).await;

    assert_eq!((eleventh.status, eleventh.error_code()), (429, "RATE_LIMITED"), "{}", eleventh.body);
    let retry_after: u64 = eleventh.header("retry-after").parse().expect("a Retry-After in seconds");
    assert!((1..=15 * 60).contains(&retry_after), "within the 15-minute window: {retry_after}");
    let other = login_from(&stack, "198.51.100.20", "nobody@example.com", PASSWORD).await;
    assert_eq!(other.status, 401, "another e-mail is counted apart: {}", other.body);
}

#[tokio::test]
async fn login_is_refused_after_fifty_attempts_from_one_address() {
    crate::helpers::inside_one_window(Duration::from_secs(15 * 60), Duration::from_secs(120)).await;
    let stack = TestStack::start().await;
    registered(&stack, "siti@example.com").await;
    for attempt in 1..=50 {
        let answer = login_from(&stack, "203.0.113.7", &format!("probe{attempt}@example.com"), PASSWORD).await;
        assert_eq!(answer.status, 401, "attempt {attempt}: {}", answer.body);
    }

    let next = login_from(&stack, "203.0.113.7", "siti@example.com", PASSWORD).await;

    assert_eq!((next.status, next.error_code()), (429, "RATE_LIMITED"), "{}", next.body);
    assert!(!next.header("retry-after").is_empty(), "a Retry-After header");
    let elsewhere = login_from(&stack, "198.51.100.20", "siti@example.com", PASSWORD).await;
    assert_eq!(elsewhere.status, 200, "another address is counted apart: {}", elsewhere.body);
}

#[tokio::test]
async fn login_fails_closed_when_the_rate_limiter_is_down() {
    let stack = TestStack::start().await;
    registered(&stack, "siti@example.com").await;
    stack.faults.inject(Service::Upstash, Fault::Respond { status: 503, headers: vec![], body: String::new() }, 1);

    let answer = login_from(&stack, "203.0.113.7", "siti@example.com", PASSWORD).await;

    assert_eq!((answer.status, answer.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", answer.body);
    assert!(!answer.header("retry-after").is_empty(), "a Retry-After header");
    assert_eq!(stack.faults.pending(Service::Upstash), 0, "the limiter was asked");
    let client = stack.db.client().await;
    let sessions: i64 = client.query_one("select count(*) from sessions", &[]).await.unwrap().get(0);
    assert_eq!(sessions, 0, "no login was started");
    let recovered = login_from(&stack, "203.0.113.7", "siti@example.com", PASSWORD).await;
    assert_eq!(recovered.status, 200, "with the limiter back: {}", recovered.body);
}
