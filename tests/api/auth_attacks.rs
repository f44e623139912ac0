//! The attacks on signing in: enumeration, password guessing (and the limiter failing closed;
//! strangers cannot lock the owner out), current-password guessing with a stolen session, what a
//! recovered account keeps of its earlier holder (nothing), forged and stale access tokens,
//! malformed credentials, API keys beyond their reach, oversized bodies; and cheap abuse: control
//! characters in text, rotating IPv6 addresses, what an API key reads of the profile and what the
//! model is sent of an edited image; volume limits on saved versions, downloads and exports, and
//! where the client's address is read; the verification gate (an address squatted before its owner
//! signs up) and answers whose timing tells who has an account; what share and feed URLs give
//! away of the owner, and how long they keep working.

mod addresses;
mod current_password;
mod exposure;
mod guessing;
mod keys;
mod model_input;
mod oversized;
mod recovery;
mod text;
mod timing;
mod tokens;
mod urls;
mod verification;
mod volume;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use crate::helpers::{Answer, PASSWORD, request, send};

fn url(stack: &TestStack, path: &str) -> String {
    format!("{}/api/auth/{path}", stack.url)
}

/// A login from the address `ip` (as Vercel's proxy names it in `x-vercel-forwarded-for`).
async fn login_from(stack: &TestStack, ip: &str, email: &str, password: &str) -> Answer {
    let body = json!({ "email": email, "password": password, "transport": "body" });
    send(request(Method::POST, &url(stack, "login"), None, Some(body)).header("x-vercel-forwarded-for", ip)).await
}

async fn profile(stack: &TestStack, bearer: &str) -> Answer {
    send(request(Method::GET, &url(stack, "profile"), Some(bearer), None)).await
}

/// An account that registered (and so has never logged in yet).
async fn registered(stack: &TestStack, email: &str) {
    let body = json!({ "email": email, "password": PASSWORD, "name": "Budi" });
    let answer = send(request(Method::POST, &url(stack, "register"), None, Some(body))).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON claims")
}
