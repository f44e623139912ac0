//! The Resend client against the Resend stand-in over real HTTP (`client`: sending, idempotency,
//! the client's own checks, keys, each fault of reference/services.md §6.3); the stand-in's own
//! behaviour with raw requests: its edge and body checks, table-driven against Resend's documented
//! refusals (`standin`), and the rest of its API (`api`); and the outbox page (`page`). Shared
//! helpers live here.

mod api;
mod client;
mod page;
mod standin;

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use studio::email::{Email, Tag};
use studio_local::resend::LOCAL_API_KEY;
use studio_local::testing::TestStack;

const TO: &str = "ada@example.com";

fn welcome() -> Email {
    Email {
        to: vec![TO.into()],
        subject: "Welcome to AI Image Studio".into(),
        html: "<p>Hello <b>Ada</b></p>".into(),
        text: "Hello Ada".into(),
        reply_to: Some("Support <support@studio.example>".into()),
        tags: vec![Tag { name: "category".into(), value: "welcome".into() }],
    }
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

// Raw requests to the stand-in.

/// What a test's requests call themselves.
const AGENT: &str = "studio-local-tests/1";

struct Raw {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
    /// The body as JSON, or `Null` when it is not JSON.
    body: Value,
}

/// A request to `/resend{path}` as any HTTP library sends it once it names itself.
fn request(stack: &TestStack, method: Method, path: &str) -> RequestBuilder {
    reqwest::Client::new().request(method, format!("{}/resend{path}", stack.url)).header("user-agent", AGENT)
}

async fn answer(request: RequestBuilder) -> Raw {
    let response = request.send().await.expect("the stand-in answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Raw { status, headers, text, body }
}

async fn raw(
    stack: &TestStack,
    method: Method,
    path: &str,
    auth: Option<&str>,
    key: Option<&str>,
    body: Option<Value>,
) -> Raw {
    let mut request = request(stack, method, path);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    answer(request).await
}

async fn post(stack: &TestStack, body: Value) -> Raw {
    raw(stack, Method::POST, "/emails", Some(&bearer()), None, Some(body)).await
}

fn bearer() -> String {
    format!("Bearer {LOCAL_API_KEY}")
}

fn minimal() -> Value {
    json!({ "from": "Studio <studio@localhost.test>", "to": TO, "subject": "Hi", "text": "Hello" })
}

fn with(field: &str, value: Value) -> Value {
    let mut body = minimal();
    body[field] = value;
    body
}

fn without(field: &str) -> Value {
    let mut body = minimal();
    body.as_object_mut().expect("an object").remove(field);
    body
}
