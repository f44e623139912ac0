//! Refresh: rotation in the body and in the cookie, reuse ending the whole login, and refusals.

use serde_json::json;
use studio_local::testing::TestStack;

use super::{family, login, post, profile_status, refresh, refresh_cookie, url};
use crate::helpers::{PASSWORD, log_in, send, signed_up};

#[tokio::test]
async fn refresh_in_the_body_rotates_the_refresh_token() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    let rotated = refresh(&stack, &account.refresh).await;

    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let data = rotated.data();
    let next = data["refresh_token"].as_str().expect("a new refresh token in the body");
    assert_ne!(next, account.refresh);
    let access = data["access_token"].as_str().expect("a new access token");
    assert_eq!(family(access), family(&account.access), "the same login");
    assert_eq!(profile_status(&stack, access).await, 200);
    let old = refresh(&stack, &account.refresh).await;
    assert_eq!((old.status, old.error_code()), (401, "UNAUTHORIZED"), "the replaced token: {}", old.body);
}

#[tokio::test]
async fn refresh_with_the_cookie_rotates_it_and_sets_the_new_one() {
    let stack = TestStack::start().await;
    signed_up(&stack, "siti@example.com").await;
    let (first, _) = refresh_cookie(&login(&stack, "siti@example.com", "cookie").await);

    let cookie = format!("theme=dark; studio_refresh={first}");
    let rotated = send(reqwest::Client::new().post(url(&stack, "refresh")).header("cookie", &cookie)).await;

    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert!(rotated.data().get("refresh_token").is_none(), "no refresh token in the body: {}", rotated.body);
    let (next, attributes) = refresh_cookie(&rotated);
    assert_eq!(next.len(), 43);
    assert_ne!(next, first);
    assert!(attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict"), "{attributes:?}");
    let access = rotated.data()["access_token"].as_str().expect("an access token");
    assert_eq!(profile_status(&stack, access).await, 200);
}

#[tokio::test]
async fn a_cookie_that_can_no_longer_refresh_is_cleared() {
    let stack = TestStack::start().await;
    signed_up(&stack, "siti@example.com").await;
    let (first, _) = refresh_cookie(&login(&stack, "siti@example.com", "cookie").await);
    let cookie = format!("studio_refresh={first}");
    let rotated = send(reqwest::Client::new().post(url(&stack, "refresh")).header("cookie", &cookie)).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);

    let reused = send(reqwest::Client::new().post(url(&stack, "refresh")).header("cookie", &cookie)).await;

    assert_eq!((reused.status, reused.error_code()), (401, "UNAUTHORIZED"));
    let (value, attributes) = refresh_cookie(&reused);
    assert!(value.is_empty() && attributes.contains("Max-Age=0"), "cookie not cleared: {attributes:?}");
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_ends_the_whole_login() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let other_login = log_in(&stack, &account.email, PASSWORD).await;
    let rotated = refresh(&stack, &account.refresh).await;
    let newest_refresh = rotated.data()["refresh_token"].as_str().unwrap().to_owned();
    let newest_access = rotated.data()["access_token"].as_str().unwrap().to_owned();

    let reused = refresh(&stack, &account.refresh).await;

    assert_eq!((reused.status, reused.error_code()), (401, "UNAUTHORIZED"), "{}", reused.body);
    let newest = refresh(&stack, &newest_refresh).await;
    assert_eq!(newest.status, 401, "the newest refresh token of the family: {}", newest.body);
    assert_eq!(profile_status(&stack, &newest_access).await, 401, "the newest access token of the family");
    assert_eq!(profile_status(&stack, &account.access).await, 401, "the first access token of the family");
    assert_eq!(profile_status(&stack, &other_login.access).await, 200, "another login of the account");
    let rows = stack
        .db
        .client()
        .await
        .query(
            "select revoked_at is not null as revoked, revoked_reason, replaced_by is null as newest
               from sessions where family_id = $1::text::uuid",
            &[&family(&account.access)],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "the login and its one rotation");
    for row in rows {
        let (revoked, reason, newest): (bool, Option<String>, bool) = (row.get(0), row.get(1), row.get(2));
        assert!(revoked, "every row of the family is revoked");
        let expected = if newest { "reuse_detected" } else { "rotated" };
        assert_eq!(reason.as_deref(), Some(expected), "newest row: {newest}");
    }
}

#[tokio::test]
async fn refresh_refuses_unknown_tokens() {
    let stack = TestStack::start().await;
    signed_up(&stack, "siti@example.com").await;
    let cases = [
        ("garbage", "garbage".to_owned()),
        ("well-formed but never issued", "A".repeat(43)),
        ("an empty string", String::new()),
        ("an access token", log_in(&stack, "siti@example.com", PASSWORD).await.access),
    ];
    for (case, token) in cases {
        let answer = refresh(&stack, &token).await;

        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "UNAUTHORIZED", "{case}");
    }
}

#[tokio::test]
async fn an_expired_login_can_no_longer_refresh_or_act() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let client = stack.db.client().await;
    let expire = "update sessions set created_at = now() - interval '31 days', expires_at = now() - interval '1 day'
                   where user_id = $1::text::uuid";
    client.execute(expire, &[&account.id]).await.unwrap();

    let answer = refresh(&stack, &account.refresh).await;

    assert_eq!((answer.status, answer.error_code()), (401, "UNAUTHORIZED"), "{}", answer.body);
    assert_eq!(profile_status(&stack, &account.access).await, 401, "an access token of the expired login");
}

#[tokio::test]
async fn refresh_without_a_token_names_refresh_token() {
    let stack = TestStack::start().await;
    let cases = [
        ("no body and no cookie", None),
        ("an empty object", Some(json!({}))),
        ("a null token", Some(json!({ "refresh_token": null }))),
        ("a number", Some(json!({ "refresh_token": 42 }))),
    ];
    for (case, body) in cases {
        let answer = post(&stack, "refresh", None, body).await;

        assert_eq!(answer.status, 400, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "VALIDATION_ERROR", "{case}");
        assert_eq!(answer.body["error"]["details"]["field"], "refresh_token", "{case}");
    }
}
