//! Signed URLs over raw HTTP: download tokens (`storage/object.ts signObjectUrl`,
//! `getSignedObject.ts`) and upload tokens (`signUploadObjectUrl`, `uploadSignedObject.ts`), each
//! bound to its object, its scope and its expiry.

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::stack::LOCAL_JWT_SECRET;
use studio_local::testing::TestStack;

use super::{call, now, read, token};
use crate::storage::{PNG, put};

#[tokio::test]
async fn signed_url_tokens_name_the_object_the_scope_and_the_expiry_asked_for() {
    let stack = TestStack::start().await;
    put(&stack, "u/a.png", PNG).await;
    let service = stack.keys.service_key.clone();

    let signed =
        call(&stack, Method::POST, "/object/sign/images/u/a.png", Some(&service), Some(json!({ "expiresIn": 90 })))
            .await;

    let url = signed.json()["signedURL"].as_str().unwrap().to_owned();
    let token = url.strip_prefix("/object/sign/images/u/a.png?token=").unwrap_or_else(|| panic!("{url}"));
    let mut validation = jsonwebtoken::Validation::default();
    validation.required_spec_claims.clear();
    let key = jsonwebtoken::DecodingKey::from_secret(LOCAL_JWT_SECRET.as_bytes());
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation).unwrap().claims;
    assert_eq!((claims["url"].as_str(), claims["scope"].as_str()), (Some("images/u/a.png"), Some("download")));
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 90);
    let fetched = call(&stack, Method::GET, &url, None, None).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.bytes, PNG);
    let expires = httpdate::parse_http_date(fetched.header("expires")).unwrap();
    let exp = std::time::UNIX_EPOCH + std::time::Duration::from_secs(claims["exp"].as_u64().unwrap());
    assert_eq!(expires, exp);
    assert_eq!(fetched.header("cache-control"), "", "signed downloads carry Expires instead");
}

#[tokio::test]
async fn signed_urls_are_refused_for_another_path_expired_tampered_or_missing_tokens() {
    let stack = TestStack::start().await;
    put(&stack, "a.png", PNG).await;
    put(&stack, "b.png", PNG).await;
    let sign = |claims: Value| token(claims, LOCAL_JWT_SECRET);
    let valid_a = sign(json!({ "url": "images/a.png", "scope": "download", "iat": now(), "exp": now() + 600 }));
    let valid_b = sign(json!({ "url": "images/b.png", "scope": "download", "iat": now(), "exp": now() + 600 }));
    let [_, payload_b, _]: [&str; 3] = valid_b.split('.').collect::<Vec<_>>().try_into().unwrap();
    let [header_a, _, signature_a]: [&str; 3] = valid_a.split('.').collect::<Vec<_>>().try_into().unwrap();
    let cases = [
        ("token for a.png used on b.png", "b.png", valid_a.clone(), "InvalidSignature"),
        ("b's payload under a's signature", "b.png", format!("{header_a}.{payload_b}.{signature_a}"), "InvalidJWT"),
        (
            "expired",
            "a.png",
            sign(json!({ "url": "images/a.png", "scope": "download", "iat": now() - 120, "exp": now() - 60 })),
            "InvalidJWT",
        ),
        (
            "signed with another secret",
            "a.png",
            token(json!({ "url": "images/a.png", "scope": "download", "exp": now() + 60 }), "other"),
            "InvalidJWT",
        ),
        (
            "upload scope",
            "a.png",
            sign(json!({ "url": "images/a.png", "scope": "upload", "exp": now() + 60 })),
            "InvalidSignature",
        ),
        ("the service key itself", "a.png", stack.keys.service_key.clone(), "InvalidSignature"),
        ("garbage", "a.png", "not-a-jwt".into(), "InvalidJWT"),
    ];
    for (case, path, token, code) in cases {
        let reply = call(&stack, Method::GET, &format!("/object/sign/images/{path}?token={token}"), None, None).await;
        let body = reply.json();
        assert_eq!((reply.status, body["code"].as_str()), (400, Some(code)), "{case}: {body}");
    }
    let expired = call(
        &stack,
        Method::GET,
        &format!("/object/sign/images/a.png?token={}", sign(json!({ "url": "images/a.png", "exp": now() - 1 }))),
        None,
        None,
    )
    .await;
    assert_eq!(expired.json()["message"], "\"exp\" claim timestamp check failed");
    let missing = call(&stack, Method::GET, "/object/sign/images/a.png", None, None).await;
    missing.assert_error("400", "InvalidRequest");
    let legacy = call(
        &stack,
        Method::GET,
        &format!("/object/sign/images/a.png?token={}", sign(json!({ "url": "images/a.png", "exp": now() + 60 }))),
        None,
        None,
    )
    .await;
    assert_eq!(legacy.status, 200, "tokens without a scope (older servers) still download");
}

#[tokio::test]
async fn signed_upload_tokens_are_scoped_bound_to_their_path_and_carry_upsert() {
    let stack = TestStack::start().await;
    let service = stack.keys.service_key.clone();
    let signed = call(&stack, Method::POST, "/object/upload/sign/images/s/a.png", Some(&service), None).await.json();
    let token = signed["token"].as_str().unwrap().to_owned();
    assert_eq!(signed["url"], format!("/object/upload/sign/images/s/a.png?token={token}"));
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(
        (&claims["url"], &claims["scope"], &claims["upsert"]),
        (&json!("images/s/a.png"), &json!("upload"), &json!(false))
    );
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 7200);

    let put_with = |path: &str, token: &str| {
        let url = format!("{}/storage/v1/object/upload/sign/images/{path}?token={token}", stack.url);
        read(reqwest::Client::new().put(url).header("content-type", "image/png").body(PNG))
    };
    let uploaded = put_with("s/a.png", &token).await;
    assert_eq!((uploaded.status, uploaded.json()), (200, json!({ "Key": "images/s/a.png" })));
    put_with("s/a.png", &token).await.assert_error("409", "KeyAlreadyExists");
    put_with("s/b.png", &token).await.assert_error("400", "InvalidSignature");
    let download =
        call(&stack, Method::POST, "/object/sign/images/s/a.png", Some(&service), Some(json!({ "expiresIn": 60 })))
            .await;
    let download_token = download.json()["signedURL"].as_str().unwrap().split("token=").nth(1).unwrap().to_owned();
    let wrong = put_with("s/a.png", &download_token).await;
    wrong.assert_error("400", "InvalidSignature");
    assert_eq!(wrong.json()["message"], "Token is not scoped for upload");
    let as_download =
        call(&stack, Method::GET, &format!("/object/sign/images/s/a.png?token={token}"), None, None).await;
    assert_eq!(as_download.json()["message"], "Token is not scoped for download");
    let expired = super::token(
        json!({ "url": "images/s/a.png", "scope": "upload", "upsert": true, "exp": now() - 10 }),
        &stack.keys.jwt_secret,
    );
    put_with("s/a.png", &expired).await.assert_error("400", "InvalidJWT");

    call(&stack, Method::POST, "/object/upload/sign/images/s/a.png", Some(&service), None)
        .await
        .assert_error("409", "KeyAlreadyExists");
    call(&stack, Method::POST, "/object/upload/sign/nope/a.png", Some(&service), None)
        .await
        .assert_error("404", "NoSuchBucket");
    call(&stack, Method::POST, "/object/upload/sign/images/t.png", Some(&stack.keys.anon_key), None)
        .await
        .assert_error("403", "AccessDenied");
    let upsert = reqwest::Client::new()
        .post(format!("{}/storage/v1/object/upload/sign/images/s/a.png", stack.url))
        .bearer_auth(&service)
        .header("x-upsert", "true");
    let upsert_token = read(upsert).await.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(put_with("s/a.png", &upsert_token).await.status, 200);
}
