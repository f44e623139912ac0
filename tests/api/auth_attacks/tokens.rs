//! Access tokens: forged, stale and revoked ones, and credentials outside a Bearer header.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::stack::LOCAL_ACCESS_TOKEN_SECRET;
use studio_local::testing::TestStack;

use super::{claims, profile, unix_now, url};
use crate::helpers::{PASSWORD, log_in, request, send, signed_up};

fn sign(claims: &Value, secret: &str, algorithm: Algorithm) -> String {
    jsonwebtoken::encode(&Header::new(algorithm), claims, &EncodingKey::from_secret(secret.as_bytes()))
        .expect("an encodable token")
}

/// `claims` with `changes` applied; a `null` change removes the claim.
fn with(claims: &Value, changes: Value) -> Value {
    let mut claims = claims.as_object().expect("claims are an object").clone();
    for (name, value) in changes.as_object().expect("an object of changes") {
        match value {
            Value::Null => claims.remove(name),
            value => claims.insert(name.clone(), value.clone()),
        };
    }
    Value::Object(claims)
}

#[tokio::test]
async fn forged_stale_and_revoked_access_tokens_are_refused() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let ended = log_in(&stack, "siti@example.com", PASSWORD).await;
    let logout = send(request(Method::POST, &url(&stack, "logout"), Some(&ended.access), None)).await;
    assert_eq!(logout.status, 200, "{}", logout.body);
    let (secret, base, now) = (LOCAL_ACCESS_TOKEN_SECRET, claims(&siti.access), unix_now());
    let control = sign(&base, secret, Algorithm::HS256);
    assert_eq!(profile(&stack, &control).await.status, 200, "the forger makes valid tokens from valid claims");
    // Budi's claims under Siti's signature: only the signature stands between Siti and Budi's account.
    let siti_parts: Vec<&str> = siti.access.split('.').collect();
    let tampered =
        format!("{}.{}.{}", siti_parts[0], URL_SAFE_NO_PAD.encode(claims(&budi.access).to_string()), siti_parts[2]);
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(base.to_string())
    );
    let cases = [
        ("payload changed to another account, signature kept", tampered),
        (
            "expired 30 s ago, beyond the 5 s leeway",
            sign(&with(&base, json!({ "exp": now - 30 })), secret, Algorithm::HS256),
        ),
        ("valid only 30 s from now", sign(&with(&base, json!({ "nbf": now + 30 })), secret, Algorithm::HS256)),
        ("alg none, unsigned", unsigned),
        ("signed with another secret", sign(&base, "another-secret-of-at-least-32-bytes!!", Algorithm::HS256)),
        ("another audience", sign(&with(&base, json!({ "aud": "someone-else" })), secret, Algorithm::HS256)),
        ("another issuer", sign(&with(&base, json!({ "iss": "evil-studio" })), secret, Algorithm::HS256)),
        ("HS512 with the right secret", sign(&base, secret, Algorithm::HS512)),
        ("no expiry", sign(&with(&base, json!({ "exp": null })), secret, Algorithm::HS256)),
        ("no session id", sign(&with(&base, json!({ "sid": null })), secret, Algorithm::HS256)),
        ("its login was ended", ended.access),
        ("garbage", "garbage".to_owned()),
        ("three empty parts", "..".to_owned()),
    ];
    for (case, token) in cases {
        let answer = profile(&stack, &token).await;

        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "UNAUTHORIZED", "{case}");
    }
}

#[tokio::test]
async fn credentials_outside_a_bearer_header_are_refused() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let cases = [
        ("Bearer with nothing", "Bearer ".to_owned()),
        ("Bearer alone", "Bearer".to_owned()),
        (
            "Basic with the right e-mail and password",
            format!("Basic {}", STANDARD.encode(format!("siti@example.com:{PASSWORD}"))),
        ),
        ("a valid token under another scheme", format!("Token {}", siti.access)),
        ("a valid token without a scheme", siti.access.clone()),
    ];
    for (case, authorization) in cases {
        let builder = reqwest::Client::new().get(url(&stack, "profile")).header("authorization", authorization);

        let answer = send(builder).await;

        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "UNAUTHORIZED", "{case}");
    }
}
