//! Least exposure of the profile: an API key, whatever its scopes, reads the profile without the
//! e-mail address and the Gemini key's last four characters; a signed-in session sees both.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{profile, url};
use crate::auth_keys::{GEMINI_KEY, set_gemini_key};
use crate::helpers::{request, send, signed_up};

#[tokio::test]
async fn an_api_key_reads_the_profile_without_the_email_or_the_gemini_key_tail() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    assert_eq!(set_gemini_key(&stack, &siti.access, GEMINI_KEY).await.status, 200);
    let body = json!({ "name": "every scope", "scopes": ["generate", "gallery:read", "gallery:write"] });
    let minted = send(request(Method::POST, &url(&stack, "api-keys"), Some(&siti.access), Some(body))).await;
    assert_eq!(minted.status, 201, "{}", minted.body);
    let key = minted.data()["key"].as_str().unwrap().to_owned();

    let by_key = profile(&stack, &key).await;
    let by_session = profile(&stack, &siti.access).await;

    let read = by_key.data();
    assert_eq!(read.get("email"), None, "{read}");
    assert_eq!(read["gemini_key"], json!({ "present": true }));
    assert_eq!((&read["id"], &read["name"]), (&json!(siti.id), &json!("Siti Rahma")));
    assert!(read["quota"]["monthly"]["limit"].is_number(), "the quota is still there: {read}");
    let text = by_key.body.to_string();
    assert!(!text.contains("siti@example.com") && !text.contains("7Qx9"), "{text}");
    let own = by_session.data();
    assert_eq!(own["email"], "siti@example.com");
    assert_eq!(own["gemini_key"], json!({ "present": true, "last4": "7Qx9" }));
}
