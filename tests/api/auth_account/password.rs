//! Passwords: changing one (knowing the current one), and forgetting one (a mailed, single-use,
//! one-hour link). Each ends the logins it should and no others.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{access_works, call, logs_in, mails_to, refresh_works, refused_field};
use crate::helpers::{PASSWORD, log_in, mailed_token, signed_up};

const NEW_PASSWORD: &str = "teh-manis-sore-hari";

async fn forgot(stack: &TestStack, email: &str) -> crate::helpers::Answer {
    call(stack, Method::POST, "password/forgot", None, Some(json!({ "email": email }))).await
}

async fn reset(stack: &TestStack, token: &str, password: &str) -> crate::helpers::Answer {
    call(stack, Method::POST, "password/reset", None, Some(json!({ "token": token, "password": password }))).await
}

#[tokio::test]
async fn a_password_change_is_refused_without_the_current_password_or_with_a_weak_new_one() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let cases = [
        ("wrong current password", "not-my-password-at-all", NEW_PASSWORD, "current_password"),
        ("new password of 9 characters", PASSWORD, "kopi-susu", "new_password"),
        ("new password is the e-mail", PASSWORD, "SITI@example.com", "new_password"),
        ("new password is common", PASSWORD, "password123", "new_password"),
    ];

    for (case, current, new, field) in cases {
        let body = json!({ "current_password": current, "new_password": new });
        let answer = call(&stack, Method::POST, "password/change", Some(&account.access), Some(body)).await;
        assert_eq!(refused_field(&answer), field, "{case}");
    }

    assert!(logs_in(&stack, &account.email, PASSWORD).await, "a refused change changed the password");
    assert!(refresh_works(&stack, &account.refresh).await, "a refused change ended the login");
}

#[tokio::test]
async fn changing_the_password_ends_the_other_logins_and_keeps_this_one() {
    let stack = TestStack::start().await;
    let here = signed_up(&stack, "siti@example.com").await;
    let elsewhere = log_in(&stack, &here.email, PASSWORD).await;

    let body = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
    let answer = call(&stack, Method::POST, "password/change", Some(&here.access), Some(body)).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(!refresh_works(&stack, &elsewhere.refresh).await, "the other login can still refresh");
    assert!(!access_works(&stack, &elsewhere.access).await, "the other login's access token still works");
    assert!(access_works(&stack, &here.access).await, "this login's access token stopped working");
    assert!(refresh_works(&stack, &here.refresh).await, "this login can no longer refresh");
    assert!(logs_in(&stack, &here.email, NEW_PASSWORD).await, "the new password does not log in");
    assert!(!logs_in(&stack, &here.email, PASSWORD).await, "the old password still logs in");
}

#[tokio::test]
async fn forgetting_a_password_answers_alike_but_mails_only_a_known_address() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let mails_before = mails_to(&stack, &account.email);

    let known = forgot(&stack, "  SITI@example.com ").await;
    let unknown = forgot(&stack, "nobody@example.com").await;

    assert_eq!((known.status, unknown.status), (202, 202));
    assert_eq!(known.data(), unknown.data(), "the answer tells who has an account");
    assert_eq!(mails_to(&stack, &account.email), mails_before + 1);
    assert_eq!(mails_to(&stack, "nobody@example.com"), 0, "an address without an account was mailed");
    let mail = stack.outbox.last_to(&account.email).unwrap();
    assert_eq!(mail.subject, "Atur ulang kata sandi Anda");
    assert!(mail.text.as_deref().unwrap_or_default().contains("/#/reset-password?token="), "no reset link");
    let db = stack.db.client().await;
    let token = mailed_token(&stack, &account.email);
    let lifetime: i64 = db
        .query_one(
            "select extract(epoch from expires_at - created_at)::bigint from email_tokens
              where purpose = 'reset_password' and token_hash = sha256(convert_to($1, 'UTF8'))",
            &[&token],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(lifetime, 60 * 60, "a reset link lives one hour");
}

#[tokio::test]
async fn the_mailed_link_resets_the_password_once_and_ends_every_login() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let other = log_in(&stack, &account.email, PASSWORD).await;
    forgot(&stack, &account.email).await;
    let token = mailed_token(&stack, &account.email);

    let answer = reset(&stack, &token, NEW_PASSWORD).await;
    let again = reset(&stack, &token, "yet-another-long-secret").await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(refused_field(&again), "token", "the link worked twice");
    assert!(logs_in(&stack, &account.email, NEW_PASSWORD).await, "the new password does not log in");
    assert!(!logs_in(&stack, &account.email, PASSWORD).await, "the old password still logs in");
    for (login, who) in [(&account, "first"), (&other, "second")] {
        assert!(!refresh_works(&stack, &login.refresh).await, "the {who} login can still refresh");
        assert!(!access_works(&stack, &login.access).await, "the {who} login's access token still works");
    }
}

#[tokio::test]
async fn a_weak_password_is_refused_without_using_up_the_link() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    forgot(&stack, &account.email).await;
    let token = mailed_token(&stack, &account.email);

    for (case, password) in [("short", "kopi-susu"), ("the e-mail", "siti@example.com"), ("common", "password123")] {
        assert_eq!(refused_field(&reset(&stack, &token, password).await), "password", "{case}");
    }
    let answer = reset(&stack, &token, NEW_PASSWORD).await;

    assert_eq!(answer.status, 200, "the refused attempts used up the link: {}", answer.body);
}

#[tokio::test]
async fn an_expired_or_made_up_reset_link_is_refused() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    forgot(&stack, &account.email).await;
    let token = mailed_token(&stack, &account.email);
    let db = stack.db.client().await;
    db.execute(
        "update email_tokens set created_at = now() - interval '61 minutes', expires_at = now() - interval '1 minute'
          where purpose = 'reset_password'",
        &[],
    )
    .await
    .unwrap();
    let register = json!({ "email": "budi@example.com", "password": PASSWORD, "name": "Budi" });
    call(&stack, Method::POST, "register", None, Some(register)).await;
    let verification_link = mailed_token(&stack, "budi@example.com");

    for (case, token) in [
        ("expired", token.as_str()),
        ("a verification link", verification_link.as_str()),
        ("made up", "bm90LWEtcmVhbC10b2tlbi1mb3ItcmVzZXR0aW5nLWl0"),
        ("empty", ""),
    ] {
        assert_eq!(refused_field(&reset(&stack, token, NEW_PASSWORD).await), "token", "{case}");
    }

    assert!(logs_in(&stack, &account.email, PASSWORD).await, "a refused link changed the password");
    assert!(logs_in(&stack, "budi@example.com", PASSWORD).await, "a verification link changed a password");
    assert!(refresh_works(&stack, &account.refresh).await, "a refused link ended the login");
}

#[tokio::test]
async fn of_two_reset_links_the_newest_works_and_then_voids_the_older() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    forgot(&stack, &account.email).await;
    let older = mailed_token(&stack, &account.email);
    forgot(&stack, &account.email).await;
    let newest = mailed_token(&stack, &account.email);
    assert_ne!(older, newest);

    let answer = reset(&stack, &newest, NEW_PASSWORD).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        refused_field(&reset(&stack, &older, "yet-another-long-secret").await),
        "token",
        "the older link still works"
    );
    assert!(logs_in(&stack, &account.email, NEW_PASSWORD).await);
}
