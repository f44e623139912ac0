//! API keys as credentials: within their reach only, and refused once revoked, expired or altered.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{claims, profile, url};
use crate::helpers::{PASSWORD, request, send, signed_up};

/// A new `gallery:read` key of `account`: its id and the key itself.
async fn read_only_key(stack: &TestStack, access: &str) -> (String, String) {
    let body = json!({ "name": "gallery bot", "scopes": ["gallery:read"] });
    let answer = send(request(Method::POST, &url(stack, "api-keys"), Some(access), Some(body))).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let data = answer.data();
    (data["id"].as_str().unwrap().to_owned(), data["key"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn an_api_key_reads_the_profile_but_cannot_manage_the_account() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let (id, key) = read_only_key(&stack, &siti.access).await;
    assert_eq!(profile(&stack, &key).await.status, 200, "any principal may read its profile");
    let cases = [
        (Method::PATCH, "profile", Some(json!({ "name": "Mallory" }))),
        (Method::PATCH, "settings", Some(json!({ "default_quality": "high" }))),
        (Method::POST, "api-keys", Some(json!({ "name": "more", "scopes": ["generate"] }))),
        (Method::GET, "api-keys", None),
        (Method::DELETE, &format!("api-keys/{id}"), None),
        (Method::PUT, "gemini-key", Some(json!({ "api_key": "AIzaSyD-not-a-real-key-000000000000000" }))),
        (Method::DELETE, "gemini-key", None),
        (Method::GET, "sessions", None),
        (Method::DELETE, &format!("sessions/{}", claims(&siti.access)["sid"].as_str().unwrap()), None),
        (Method::POST, "logout", None),
        (Method::POST, "logout-all", None),
        (
            Method::POST,
            "password/change",
            Some(json!({ "current_password": PASSWORD, "new_password": "another-long-pass" })),
        ),
        (Method::DELETE, "account", Some(json!({ "password": PASSWORD }))),
    ];
    for (method, path, body) in cases {
        let case = format!("{method} {path}");

        let answer = send(request(method, &url(&stack, path), Some(&key), body)).await;

        assert_eq!(answer.status, 403, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "FORBIDDEN", "{case}");
    }
    let keys = send(request(Method::GET, &url(&stack, "api-keys"), Some(&siti.access), None)).await;
    assert_eq!(keys.data().as_array().map(Vec::len), Some(1), "no key was minted or revoked: {}", keys.body);
    assert_eq!(profile(&stack, &siti.access).await.status, 200, "the login is still live");
}

#[tokio::test]
async fn a_revoked_or_expired_api_key_is_refused() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let (revoked_id, revoked) = read_only_key(&stack, &siti.access).await;
    let (expired_id, expired) = read_only_key(&stack, &siti.access).await;
    for key in [&revoked, &expired] {
        assert_eq!(profile(&stack, key).await.status, 200, "the key works before");
    }
    let revoke =
        send(request(Method::DELETE, &url(&stack, &format!("api-keys/{revoked_id}")), Some(&siti.access), None));
    assert_eq!(revoke.await.status, 200);
    let client = stack.db.client().await;
    let expire = "update api_keys set expires_at = now() - interval '1 minute' where id = $1::text::uuid";
    client.execute(expire, &[&expired_id]).await.unwrap();

    for (case, key) in [("revoked", revoked), ("expired", expired)] {
        let answer = profile(&stack, &key).await;

        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "UNAUTHORIZED", "{case}");
    }
}

#[tokio::test]
async fn a_malformed_or_altered_api_key_is_refused() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let (_, key) = read_only_key(&stack, &siti.access).await;
    let last = if key.ends_with('A') { 'B' } else { 'A' };
    let cases = [
        ("one character changed", format!("{}{last}", &key[..key.len() - 1])),
        ("well-formed but never issued", format!("ais_{}", "A".repeat(43))),
        ("too short", "ais_short".to_owned()),
        ("one character too many", format!("{key}A")),
        ("not base64url", format!("ais_{}!", "A".repeat(42))),
        ("the prefix alone", "ais_".to_owned()),
    ];
    for (case, credential) in cases {
        let answer = profile(&stack, &credential).await;

        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "UNAUTHORIZED", "{case}");
    }
}

#[tokio::test]
async fn an_api_key_is_held_to_its_own_request_budget() {
    let stack = TestStack::start_with_env(&[("API_KEY_RATE_PER_MINUTE", "3")]).await;
    let account = signed_up(&stack, "siti@example.com").await;
    let (_, key) = read_only_key(&stack, &account.access).await;

    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(profile(&stack, &key).await.status);
    }
    let owner = profile(&stack, &account.access).await;

    assert_eq!(statuses, vec![200, 200, 200, 429], "the fourth request in the minute is over the budget");
    assert_eq!(owner.status, 200, "the key's budget is its own, not its owner's");
}

#[tokio::test]
async fn the_api_key_budget_fails_open_when_the_limiter_is_down() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let (_, key) = read_only_key(&stack, &account.access).await;
    let down = studio_local::faults::Fault::Respond { status: 503, headers: vec![], body: String::new() };
    stack.faults.inject(studio_local::faults::Service::Upstash, down, 1);

    let answer = profile(&stack, &key).await;

    assert_eq!(answer.status, 200, "reading with a key costs nothing, so an Upstash outage does not stop it");
    assert_eq!(stack.faults.pending(studio_local::faults::Service::Upstash), 0, "the limiter was asked");
}
