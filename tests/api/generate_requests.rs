//! What a generation or edit request does when it goes right, and what bad input gets: sizes and
//! derivatives, variations, templates, defaults, stored parameters and rows; every validation and
//! moderation refusal (free of charge, no model call); edits; idempotent retries; API keys; BYOK;
//! and what reaches the model (`wire`).

mod credentials;
mod edit;
mod idempotency;
mod moderation;
mod parameters;
mod sizes;
mod validation;
mod wire;

use reqwest::Method;
use serde_json::Value;
use studio_local::testing::TestStack;

use crate::helpers::{Account, Answer, request, send};

/// `POST /api/generate` as `account`.
pub async fn generate(stack: &TestStack, account: &Account, body: Value) -> Answer {
    generate_as(stack, &account.access, body).await
}

/// `POST /api/generate` with any bearer credential (an access token or an API key).
pub async fn generate_as(stack: &TestStack, bearer: &str, body: Value) -> Answer {
    send(request(Method::POST, &format!("{}/api/generate", stack.url), Some(bearer), Some(body))).await
}

/// `POST /api/generate/edit` as `account`.
pub async fn edit(stack: &TestStack, account: &Account, body: Value) -> Answer {
    send(request(Method::POST, &format!("{}/api/generate/edit", stack.url), Some(&account.access), Some(body))).await
}

/// `GET /api/generate/quota`.
pub async fn quota(stack: &TestStack, bearer: &str) -> Answer {
    send(request(Method::GET, &format!("{}/api/generate/quota", stack.url), Some(bearer), None)).await
}

/// Units used today and this month, as the quota endpoint reports them.
pub async fn used(stack: &TestStack, account: &Account) -> (i64, i64) {
    let answer = quota(stack, &account.access).await;
    let data = answer.data();
    (data["daily"]["used"].as_i64().unwrap(), data["monthly"]["used"].as_i64().unwrap())
}

/// The answer's images.
pub fn images(answer: &Answer) -> Vec<Value> {
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.data()["images"].as_array().expect("an images array").clone()
}

/// A count from SQL run as the superuser.
pub async fn count(stack: &TestStack, sql: &str) -> i64 {
    stack.db.client().await.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

/// The bytes behind a signed URL, after checking it answers 200 with `content_type`.
pub async fn download(url: &str, content_type: &str) -> Vec<u8> {
    let response = reqwest::get(url).await.expect("the signed URL answers");
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.headers()["content-type"], content_type, "{url}");
    response.bytes().await.expect("a readable body").to_vec()
}

/// Width and height of an encoded image in `format`, decoded from its bytes.
pub fn decoded_size(bytes: &[u8], format: image::ImageFormat) -> (u32, u32) {
    let decoded = image::load_from_memory_with_format(bytes, format).expect("decodable image bytes");
    (decoded.width(), decoded.height())
}
