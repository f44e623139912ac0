//! The user's own Gemini key: set, replace and delete; sealed with AES-256-GCM at rest, shown only
//! by its last four characters, and lifting the daily limit while present.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{GEMINI_KEY, set_gemini_key};
use crate::auth_account::{call, refused_field};
use crate::helpers::{Answer, signed_up};

const OTHER_GEMINI_KEY: &str = "AIzaSyB-kunci-pengganti-milik-siti-Lm3Z";

#[tokio::test]
async fn an_own_gemini_key_is_sealed_at_rest_and_shown_only_by_its_last_four_characters() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    let set = set_gemini_key(&stack, &account.access, GEMINI_KEY).await;
    let read = call(&stack, Method::GET, "gemini-key", Some(&account.access), None).await;
    let profile = call(&stack, Method::GET, "profile", Some(&account.access), None).await;

    assert_eq!(set.data(), &json!({ "present": true, "last4": "7Qx9" }));
    assert_eq!(read.data(), &json!({ "present": true, "last4": "7Qx9" }));
    assert_eq!(profile.data()["gemini_key"], json!({ "present": true, "last4": "7Qx9" }));
    for answer in [&set, &read, &profile] {
        assert!(!answer.body.to_string().contains("kunci-rahasia"), "the key came back: {}", answer.body);
    }
    let db = stack.db.client().await;
    let row = db
        .query_one(
            "select position(convert_to($1, 'UTF8') in gemini_key_ciphertext), octet_length(gemini_key_ciphertext),
                    octet_length(gemini_key_nonce), gemini_key_last4
               from users",
            &[&GEMINI_KEY],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i32>(0), 0, "the key is stored in clear");
    assert_eq!(row.get::<_, i32>(1), GEMINI_KEY.len() as i32 + 16, "not AES-GCM: ciphertext plus a 16-byte tag");
    assert_eq!(row.get::<_, i32>(2), 12, "not a 96-bit nonce");
    assert_eq!(row.get::<_, String>(3), "7Qx9");
}

#[tokio::test]
async fn an_own_gemini_key_lifts_the_daily_limit_until_it_is_deleted() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let quota = |answer: &Answer| {
        (answer.data()["quota"]["daily"]["limit"].clone(), answer.data()["quota"]["monthly"]["limit"].clone())
    };

    set_gemini_key(&stack, &account.access, GEMINI_KEY).await.data();
    let with_key = call(&stack, Method::GET, "profile", Some(&account.access), None).await;
    let deleted = call(&stack, Method::DELETE, "gemini-key", Some(&account.access), None).await;
    let without_key = call(&stack, Method::GET, "profile", Some(&account.access), None).await;

    assert_eq!(quota(&with_key), (Value::Null, json!(1500)), "a user paying the model still has a daily limit");
    assert_eq!(deleted.data(), &json!({ "present": false, "last4": null }));
    assert_eq!(quota(&without_key), (json!(50), json!(1500)));
    assert_eq!(without_key.data()["gemini_key"], json!({ "present": false, "last4": null }));
    let db = stack.db.client().await;
    let cleared: bool = db
        .query_one("select num_nulls(gemini_key_ciphertext, gemini_key_nonce, gemini_key_last4) = 3 from users", &[])
        .await
        .unwrap()
        .get(0);
    assert!(cleared, "the deleted key is still stored");
}

#[tokio::test]
async fn replacing_the_gemini_key_stores_the_new_one() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    set_gemini_key(&stack, &account.access, GEMINI_KEY).await.data();
    let db = stack.db.client().await;
    let sealed = "select gemini_key_ciphertext, gemini_key_nonce from users";
    let before = db.query_one(sealed, &[]).await.unwrap();

    let replaced = set_gemini_key(&stack, &account.access, OTHER_GEMINI_KEY).await;

    assert_eq!(replaced.data(), &json!({ "present": true, "last4": "Lm3Z" }));
    let after = db.query_one(sealed, &[]).await.unwrap();
    assert_ne!(before.get::<_, Vec<u8>>(0), after.get::<_, Vec<u8>>(0), "the old ciphertext is kept");
    assert_ne!(before.get::<_, Vec<u8>>(1), after.get::<_, Vec<u8>>(1), "a nonce was used twice");
    let read = call(&stack, Method::GET, "gemini-key", Some(&account.access), None).await;
    assert_eq!(read.data()["last4"], "Lm3Z");
}

#[tokio::test]
async fn a_bad_gemini_key_is_refused_naming_api_key() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let too_long = "A".repeat(201);
    let cases = [
        ("empty", json!({ "api_key": "" })),
        ("19 characters", json!({ "api_key": "AIzaSyD-0123456789a" })),
        ("201 characters", json!({ "api_key": too_long })),
        ("inner space", json!({ "api_key": "AIzaSyD-kunci rahasia-0123456789" })),
        ("control character", json!({ "api_key": "AIzaSyD-kunci\u{7}rahasia-0123456789" })),
        ("not text", json!({ "api_key": 12345678901234567890u64 })),
        ("missing", json!({})),
    ];

    for (case, body) in cases {
        let answer = call(&stack, Method::PUT, "gemini-key", Some(&account.access), Some(body)).await;
        assert_eq!(refused_field(&answer), "api_key", "{case}");
    }

    let read = call(&stack, Method::GET, "gemini-key", Some(&account.access), None).await;
    assert_eq!(read.data()["present"], false, "a refused key was stored");
}
