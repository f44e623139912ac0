//! Login: the tokens it answers with, by transport; who may log in; bad input named by field.

use std::collections::BTreeSet;

use serde_json::json;
use studio_local::testing::TestStack;

use super::{login, post, profile_status, refresh_cookie, unix_now, url};
use crate::helpers::{PASSWORD, send, signed_up};

#[tokio::test]
async fn login_answers_a_bearer_access_token_and_the_refresh_token_in_the_body() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let before = unix_now();

    let answer = login(&stack, "siti@example.com", "body").await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("cache-control"), "private, no-store", "tokens must never be cached");
    let data = answer.data();
    let ttl = stack.app.config.auth.access_ttl_secs;
    assert_eq!(data["token_type"], "Bearer");
    assert_eq!(data["expires_in"], ttl);
    let expires_at = data["expires_at"].as_i64().expect("expires_at in unix seconds");
    assert!((before + ttl..=unix_now() + ttl).contains(&expires_at), "expires_at {expires_at}");
    assert_eq!(
        data["user"],
        json!({ "id": account.id, "email": "siti@example.com", "locale": "id", "email_verified": true })
    );
    let refresh_token = data["refresh_token"].as_str().expect("the refresh token in the body");
    assert_eq!(refresh_token.len(), 43, "a 256-bit refresh token");
    assert_ne!(refresh_token, account.refresh, "each login has its own refresh token");
    let access = data["access_token"].as_str().expect("an access token");
    assert_eq!(profile_status(&stack, access).await, 200);
}

#[tokio::test]
async fn login_for_the_web_app_sets_a_strict_http_only_cookie_scoped_to_the_auth_routes() {
    let stack = TestStack::start().await;
    signed_up(&stack, "siti@example.com").await;

    let answer = login(&stack, "siti@example.com", "cookie").await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.data().get("refresh_token").is_none(), "no refresh token in the body: {}", answer.body);
    assert!(answer.data()["access_token"].is_string());
    let (token, attributes) = refresh_cookie(&answer);
    assert_eq!(token.len(), 43, "a 256-bit refresh token in the cookie");
    let max_age = format!("Max-Age={}", stack.app.config.auth.refresh_ttl_days * 24 * 60 * 60);
    let expected: BTreeSet<String> =
        ["Path=/api/auth", "HttpOnly", "Secure", "SameSite=Strict", &max_age].into_iter().map(String::from).collect();
    assert_eq!(attributes, expected, "exactly these attributes (no Domain, no wider Path)");
}

#[tokio::test]
async fn an_unverified_account_can_log_in_and_is_told_it_is_unverified() {
    let stack = TestStack::start().await;
    let body = json!({ "email": "budi@example.com", "password": PASSWORD, "name": "Budi" });
    assert_eq!(post(&stack, "register", None, Some(body)).await.status, 202);

    let answer = login(&stack, "budi@example.com", "body").await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.data()["user"]["email_verified"], false);
}

#[tokio::test]
async fn login_normalises_the_case_and_spaces_of_the_email() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    let answer = login(&stack, "  SITI@Example.COM ", "body").await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.data()["user"]["id"].as_str(), Some(account.id.as_str()));
    assert_eq!(answer.data()["user"]["email"], "siti@example.com");
}

#[tokio::test]
async fn login_names_the_field_of_bad_input() {
    let stack = TestStack::start().await;
    let cases = [
        ("missing email", json!({ "password": PASSWORD }), "email"),
        ("malformed email", json!({ "email": "siti-at-example.com", "password": PASSWORD }), "email"),
        ("blank email", json!({ "email": "   ", "password": PASSWORD }), "email"),
        ("email not a string", json!({ "email": 42, "password": PASSWORD }), "email"),
        ("missing password", json!({ "email": "siti@example.com" }), "password"),
        ("password not a string", json!({ "email": "siti@example.com", "password": null }), "password"),
        (
            "unknown transport",
            json!({ "email": "siti@example.com", "password": PASSWORD, "transport": "pigeon" }),
            "transport",
        ),
        ("unknown field", json!({ "email": "siti@example.com", "password": PASSWORD, "remember": true }), "remember"),
        ("a string instead of an object", json!("siti@example.com"), "body"),
    ];
    for (case, body, field) in cases {
        let answer = post(&stack, "login", None, Some(body)).await;

        assert_eq!(answer.status, 400, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "VALIDATION_ERROR", "{case}");
        assert_eq!(answer.body["error"]["details"]["field"], field, "{case}: {}", answer.body);
    }
}

#[tokio::test]
async fn login_refuses_a_body_that_is_not_json() {
    let stack = TestStack::start().await;
    let cases = [
        ("form-encoded", Some("application/x-www-form-urlencoded"), "email=siti%40example.com&password=x"),
        ("plain text", Some("text/plain"), r#"{"email":"siti@example.com","password":"x"}"#),
        ("no content type", None, r#"{"email":"siti@example.com","password":"x"}"#),
    ];
    for (case, content_type, body) in cases {
        let mut builder = reqwest::Client::new().post(url(&stack, "login")).body(body);
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }

        let answer = send(builder).await;

        assert_eq!(answer.status, 415, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "UNSUPPORTED_MEDIA_TYPE", "{case}");
    }
}
