//! Signing in and staying signed in: login and its answers, refresh-token rotation (body and
//! cookie) with reuse revoking the whole login, logout, logout everywhere, and the list of logins.

mod login;
mod logout;
mod refresh;

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use crate::helpers::{Answer, PASSWORD, request, send};

fn url(stack: &TestStack, path: &str) -> String {
    format!("{}/api/auth/{path}", stack.url)
}

async fn post(stack: &TestStack, path: &str, bearer: Option<&str>, body: Option<Value>) -> Answer {
    send(request(Method::POST, &url(stack, path), bearer, body)).await
}

async fn login(stack: &TestStack, email: &str, transport: &str) -> Answer {
    post(stack, "login", None, Some(json!({ "email": email, "password": PASSWORD, "transport": transport }))).await
}

async fn refresh(stack: &TestStack, token: &str) -> Answer {
    post(stack, "refresh", None, Some(json!({ "refresh_token": token }))).await
}

/// The status `GET /api/auth/profile` answers with this access token.
async fn profile_status(stack: &TestStack, access: &str) -> u16 {
    send(request(Method::GET, &url(stack, "profile"), Some(access), None)).await.status
}

/// The login (refresh-token family) an access token belongs to: its `sid` claim.
pub fn family(access: &str) -> String {
    let payload = access.split('.').nth(1).expect("a JWT has a payload");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON");
    claims["sid"].as_str().expect("a sid claim").to_owned()
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The `Set-Cookie` refresh token's value and its attributes.
fn refresh_cookie(answer: &Answer) -> (String, BTreeSet<String>) {
    let cookie = answer.header("set-cookie");
    let mut parts = cookie.split("; ");
    let (name, value) = parts.next().and_then(|p| p.split_once('=')).unwrap_or_default();
    assert_eq!(name, "studio_refresh", "cookie {cookie:?}");
    (value.to_owned(), parts.map(str::to_owned).collect())
}
