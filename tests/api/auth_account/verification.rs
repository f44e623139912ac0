//! Confirming the address from the mailed link (once, within 24 hours), and asking for the link
//! again: the same answer for every address, a mail only to an unverified account, a limit per address.

use reqwest::Method;
use serde_json::json;
use std::time::Duration;
use studio_local::testing::TestStack;

use super::signup::{register, registration};
use super::{call, mails_to, refused_field};
use crate::helpers::{mailed_token, signed_up};

#[tokio::test]
async fn the_mailed_link_confirms_the_address_once() {
    let stack = TestStack::start().await;
    register(&stack, registration("budi@example.com")).await;
    let token = mailed_token(&stack, "budi@example.com");

    let first = call(&stack, Method::POST, "verify-email", None, Some(json!({ "token": token }))).await;
    let second = call(&stack, Method::POST, "verify-email", None, Some(json!({ "token": token }))).await;

    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.data()["email_verified"], true);
    assert_eq!(refused_field(&second), "token", "a used link worked again");
    let db = stack.db.client().await;
    let verified: bool = db.query_one("select email_verified_at is not null from users", &[]).await.unwrap().get(0);
    assert!(verified);
}

#[tokio::test]
async fn an_expired_or_made_up_verification_token_is_refused() {
    let stack = TestStack::start().await;
    register(&stack, registration("budi@example.com")).await;
    let expired = mailed_token(&stack, "budi@example.com");
    let db = stack.db.client().await;
    db.execute(
        "update email_tokens set created_at = now() - interval '25 hours', expires_at = now() - interval '1 hour'",
        &[],
    )
    .await
    .unwrap();
    call(&stack, Method::POST, "password/forgot", None, Some(json!({ "email": "budi@example.com" }))).await;
    let reset_link = mailed_token(&stack, "budi@example.com");

    for (case, token) in [
        ("expired", expired.as_str()),
        ("a password-reset link", reset_link.as_str()),
        ("made up", "bm90LWEtcmVhbC10b2tlbi1mb3ItdmVyaWZ5aW5nLWl0"),
        ("empty", ""),
        ("too long", &"x".repeat(200)),
    ] {
        let answer = call(&stack, Method::POST, "verify-email", None, Some(json!({ "token": token }))).await;
        assert_eq!(refused_field(&answer), "token", "{case}");
    }
    let verified: bool = db.query_one("select email_verified_at is not null from users", &[]).await.unwrap().get(0);
    assert!(!verified, "a refused token verified the address");
}

#[tokio::test]
async fn resending_the_link_answers_alike_but_mails_only_an_unverified_account() {
    let stack = TestStack::start().await;
    let verified = signed_up(&stack, "siti@example.com").await;
    register(&stack, registration("budi@example.com")).await;
    let first_link = mailed_token(&stack, "budi@example.com");
    let before: Vec<usize> =
        ["siti@example.com", "budi@example.com", "nobody@example.com"].iter().map(|a| mails_to(&stack, a)).collect();

    let mut answers = Vec::new();
    for email in [verified.email.as_str(), "budi@example.com", "nobody@example.com"] {
        answers.push(call(&stack, Method::POST, "resend-verification", None, Some(json!({ "email": email }))).await);
    }

    for answer in &answers {
        assert_eq!(answer.status, 202, "{}", answer.body);
        assert_eq!(answer.data(), answers[0].data(), "the answer tells accounts apart");
    }
    let after: Vec<usize> =
        ["siti@example.com", "budi@example.com", "nobody@example.com"].iter().map(|a| mails_to(&stack, a)).collect();
    assert_eq!(after, vec![before[0], before[1] + 1, before[2]], "mailed someone other than the unverified owner");
    let new_link = mailed_token(&stack, "budi@example.com");
    assert_ne!(new_link, first_link);
    let answer = call(&stack, Method::POST, "verify-email", None, Some(json!({ "token": new_link }))).await;
    assert_eq!(answer.status, 200, "the resent link does not verify: {}", answer.body);
}

#[tokio::test]
async fn resending_is_refused_on_the_fourth_request_for_one_address_within_the_hour() {
    crate::helpers::inside_one_window(Duration::from_secs(3600), Duration::from_secs(120)).await;
    let stack = TestStack::start().await;
    let resend =
        |email: &'static str| call(&stack, Method::POST, "resend-verification", None, Some(json!({ "email": email })));

    for n in 1..=3 {
        assert_eq!(resend("budi@example.com").await.status, 202, "request {n}");
    }
    let fourth = resend("budi@example.com").await;
    let other = resend("ani@example.com").await;

    assert_eq!((fourth.status, fourth.error_code()), (429, "RATE_LIMITED"), "{}", fourth.body);
    assert_eq!(other.status, 202, "the limit is not per address: {}", other.body);
}
