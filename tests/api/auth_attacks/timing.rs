//! Enumeration by timing: register, password/forgot and resend-verification do more for a known
//! address (a token, an e-mail through Resend) than for an unknown one, so each answers no earlier
//! than `AUTH_MAIL_ANSWER_MS` on every path, with the same status and body, even when the e-mail
//! only the known path sends fails. Only lower bounds are asserted: a loaded machine may always
//! answer later, never earlier.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{registered, url};
use crate::helpers::{Answer, request, send, signed_up};

const FLOOR: Duration = Duration::from_millis(400);

async fn stack() -> TestStack {
    TestStack::start_with_env(&[("AUTH_MAIL_ANSWER_MS", &FLOOR.as_millis().to_string())]).await
}

/// The answer to `POST /api/auth/{path}` and how long it took to come.
async fn timed(stack: &TestStack, path: &str, body: serde_json::Value) -> (Answer, Duration) {
    let started = Instant::now();
    let answer = send(request(Method::POST, &url(stack, path), None, Some(body))).await;
    (answer, started.elapsed())
}

/// Every answer 202 with the first one's body, and none before the floor.
fn assert_alike(route: &str, answers: &[(&str, (Answer, Duration))]) {
    let first = &answers[0].1.0;
    for (case, (answer, took)) in answers {
        assert_eq!(answer.status, 202, "{route}, {case}: {}", answer.body);
        assert_eq!(answer.data(), first.data(), "{route}, {case}: the answer tells accounts apart");
        assert!(*took >= FLOOR, "{route}, {case}: answered after {took:?}, before the floor of {FLOOR:?}");
    }
}

#[tokio::test]
async fn registering_a_new_or_a_taken_address_answers_alike_and_not_before_the_floor() {
    let stack = stack().await;
    signed_up(&stack, "siti@example.com").await;
    let body = |email: &str| json!({ "email": email, "password": "kopi-susu-gula-aren", "name": "Budi" });

    let answers = [
        ("a new address", timed(&stack, "register", body("budi@example.com")).await),
        ("a taken address", timed(&stack, "register", body("siti@example.com")).await),
    ];

    assert_alike("register", &answers);
}

#[tokio::test]
async fn forgot_answers_a_known_and_an_unknown_address_alike_and_not_before_the_floor() {
    let stack = stack().await;
    signed_up(&stack, "siti@example.com").await;

    let answers = [
        ("a known address", timed(&stack, "password/forgot", json!({ "email": "siti@example.com" })).await),
        ("an unknown address", timed(&stack, "password/forgot", json!({ "email": "nobody@example.com" })).await),
    ];

    assert_alike("password/forgot", &answers);
    assert!(
        stack.outbox.last_to("siti@example.com").is_some_and(|m| m.text.as_deref().unwrap_or("").contains("reset"))
    );
}

#[tokio::test]
async fn resending_to_an_unverified_a_verified_and_an_unknown_address_answers_alike_and_not_before_the_floor() {
    let stack = stack().await;
    signed_up(&stack, "siti@example.com").await;
    registered(&stack, "budi@example.com").await;

    let answers = [
        ("an unverified address", timed(&stack, "resend-verification", json!({ "email": "budi@example.com" })).await),
        ("a verified address", timed(&stack, "resend-verification", json!({ "email": "siti@example.com" })).await),
        ("an unknown address", timed(&stack, "resend-verification", json!({ "email": "nobody@example.com" })).await),
    ];

    assert_alike("resend-verification", &answers);
}

#[tokio::test]
async fn a_mail_that_fails_to_leave_does_not_tell_the_known_address_apart() {
    let stack = stack().await;
    signed_up(&stack, "siti@example.com").await;
    let down = json!({ "statusCode": 500, "name": "internal_server_error", "message": "down" });
    // Every attempt of the one send (Resend's retries included) fails.
    stack.faults.inject(Service::Resend, Fault::json(500, down), 3);

    let answers = [
        (
            "a known address, Resend down",
            timed(&stack, "password/forgot", json!({ "email": "siti@example.com" })).await,
        ),
        ("an unknown address", timed(&stack, "password/forgot", json!({ "email": "nobody@example.com" })).await),
    ];

    assert_eq!(stack.faults.pending(Service::Resend), 0, "the known path did not try to send");
    assert_alike("password/forgot", &answers);
}
