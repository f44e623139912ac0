//! Confirming the address from the mailed link (once, within 24 hours; the first confirmation ends
//! every other login), and asking for the link again: the same answer for every address, a mail
//! only to an unverified account, a limit per address.

use reqwest::Method;
use serde_json::json;
use std::time::Duration;
use studio_local::testing::TestStack;

use super::signup::{register, registration};
use super::{access_works, call, mails_to, refresh_works, refused_field};
use crate::helpers::{PASSWORD, log_in, mailed_token, signed_up};

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

#[tokio::test]
async fn the_first_confirmation_ends_every_other_login_and_keeps_the_one_that_sent_it() {
    let stack = TestStack::start().await;
    register(&stack, registration("budi@example.com")).await;
    let first_link = mailed_token(&stack, "budi@example.com");
    call(&stack, Method::POST, "resend-verification", None, Some(json!({ "email": "budi@example.com" }))).await;
    let second_link = mailed_token(&stack, "budi@example.com");
    let here = log_in(&stack, "budi@example.com", PASSWORD).await;
    let elsewhere = log_in(&stack, "budi@example.com", PASSWORD).await;
    let third = log_in(&stack, "budi@example.com", PASSWORD).await;

    let first =
        call(&stack, Method::POST, "verify-email", Some(&here.access), Some(json!({ "token": first_link }))).await;

    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        (first.data()["sessions_ended"].as_i64(), first.data()["api_keys_revoked"].as_i64()),
        (Some(2), Some(0))
    );
    assert!(access_works(&stack, &here.access).await, "the login that confirmed was ended");
    assert!(refresh_works(&stack, &here.refresh).await, "the confirming login's refresh token was ended");
    for (case, other) in [("second", &elsewhere), ("third", &third)] {
        assert!(!access_works(&stack, &other.access).await, "the {case} login's access token still works");
        assert!(!refresh_works(&stack, &other.refresh).await, "the {case} login's refresh token still works");
    }
    // A later link of the same account confirms nothing new and ends nothing.
    let later = log_in(&stack, "budi@example.com", PASSWORD).await;
    let again = call(&stack, Method::POST, "verify-email", None, Some(json!({ "token": second_link }))).await;
    assert_eq!(again.data()["sessions_ended"], 0, "{}", again.body);
    assert!(access_works(&stack, &later.access).await, "a second confirmation ended a login");
}

#[tokio::test]
async fn a_confirmation_sent_with_an_ended_login_is_refused_and_uses_up_nothing() {
    let stack = TestStack::start().await;
    register(&stack, registration("budi@example.com")).await;
    let link = mailed_token(&stack, "budi@example.com");
    let ended = log_in(&stack, "budi@example.com", PASSWORD).await;
    call(&stack, Method::POST, "logout", Some(&ended.access), None).await;

    let dead = call(&stack, Method::POST, "verify-email", Some(&ended.access), Some(json!({ "token": link }))).await;

    assert_eq!((dead.status, dead.error_code()), (401, "UNAUTHORIZED"), "{}", dead.body);
    let db = stack.db.client().await;
    let verified: bool = db.query_one("select email_verified_at is not null from users", &[]).await.unwrap().get(0);
    assert!(!verified, "a refused request confirmed the address");
    let answer = call(&stack, Method::POST, "verify-email", None, Some(json!({ "token": link }))).await;
    assert_eq!(answer.status, 200, "the link was used up by the refused request: {}", answer.body);
}

#[tokio::test]
async fn before_confirming_an_account_may_sign_in_and_out_see_and_change_itself_ask_again_and_delete_itself() {
    let stack = TestStack::start().await;
    register(&stack, registration("budi@example.com")).await;
    let budi = log_in(&stack, "budi@example.com", PASSWORD).await;
    log_in(&stack, "budi@example.com", PASSWORD).await;
    let refreshed = call(&stack, Method::POST, "refresh", None, Some(json!({ "refresh_token": budi.refresh }))).await;
    assert_eq!(refreshed.status, 200, "refresh: {}", refreshed.body);
    let access = refreshed.data()["access_token"].as_str().unwrap().to_owned();
    let sessions = call(&stack, Method::GET, "sessions", Some(&access), None).await;
    let other = sessions.data().as_array().unwrap().iter().find(|s| s["current"] == false).expect("the other login");
    let other = format!("sessions/{}", other["id"].as_str().unwrap());
    let allowed = [
        (Method::GET, "profile", None),
        (Method::PATCH, "profile", Some(json!({ "name": "Budi S.", "locale": "en" }))),
        (Method::GET, "settings", None),
        (Method::PATCH, "settings", Some(json!({ "default_quality": "high" }))),
        (Method::DELETE, other.as_str(), None),
        (Method::POST, "logout-all", None),
    ];

    for (method, path, body) in allowed {
        let case = format!("{method} {path}");

        let answer = call(&stack, method, path, Some(&access), body).await;

        assert!((200..300).contains(&answer.status), "{case}: {} {}", answer.status, answer.body);
    }
    let resend = call(&stack, Method::POST, "resend-verification", None, Some(json!({ "email": budi.email }))).await;
    assert_eq!(resend.status, 202, "{}", resend.body);
    assert!(!access_works(&stack, &access).await, "logout-all left this login live");
    let again = log_in(&stack, "budi@example.com", PASSWORD).await;
    let profile = call(&stack, Method::GET, "profile", Some(&again.access), None).await;
    assert_eq!(profile.data()["email_verified"], false);
    assert_eq!(call(&stack, Method::POST, "logout", Some(&again.access), None).await.status, 200);
    let last = log_in(&stack, "budi@example.com", PASSWORD).await;
    let deleted =
        call(&stack, Method::DELETE, "account", Some(&last.access), Some(json!({ "password": PASSWORD }))).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
}
