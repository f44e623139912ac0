//! The account's lifecycle over HTTP: registering and confirming the address, passwords, the profile
//! and settings, and deleting the account. E-mails are read from the Resend stand-in's outbox and
//! stored rows with SQL, so each test checks what the user sees and what the database keeps.

pub(crate) mod deletion;
mod password;
mod profile;
mod signup;
mod verification;

use serde_json::Value;
use studio_local::testing::TestStack;

pub use crate::helpers::refused_field;
use crate::helpers::{Answer, request, send};

/// One call to `/api/auth/{path}`.
pub async fn call(
    stack: &TestStack,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> Answer {
    send(request(method, &format!("{}/api/auth/{path}", stack.url), bearer, body)).await
}

/// How many mails the Resend stand-in accepted for `address`.
pub fn mails_to(stack: &TestStack, address: &str) -> usize {
    stack.outbox.find_to(address).len()
}

/// Whether a refresh token can still be exchanged.
pub async fn refresh_works(stack: &TestStack, refresh: &str) -> bool {
    let body = serde_json::json!({ "refresh_token": refresh });
    let answer = call(stack, reqwest::Method::POST, "refresh", None, Some(body)).await;
    assert!(matches!(answer.status, 200 | 401), "refresh: {} {}", answer.status, answer.body);
    answer.status == 200
}

/// Whether an access token (or API key) still reads the profile.
pub async fn access_works(stack: &TestStack, bearer: &str) -> bool {
    let answer = call(stack, reqwest::Method::GET, "profile", Some(bearer), None).await;
    assert!(matches!(answer.status, 200 | 401), "profile: {} {}", answer.status, answer.body);
    answer.status == 200
}

/// Whether `email` and `password` log in.
pub async fn logs_in(stack: &TestStack, email: &str, password: &str) -> bool {
    let body = serde_json::json!({ "email": email, "password": password, "transport": "body" });
    let answer = call(stack, reqwest::Method::POST, "login", None, Some(body)).await;
    assert!(matches!(answer.status, 200 | 401), "login: {} {}", answer.status, answer.body);
    answer.status == 200
}
