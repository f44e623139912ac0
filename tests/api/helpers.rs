//! One request helper for every test: sends, then returns status, headers and the JSON body.

use reqwest::header::HeaderMap;
use serde_json::Value;

pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The envelope's `data`, after checking the envelope says success.
    pub fn data(&self) -> &Value {
        assert_eq!(self.body["success"], true, "expected a success envelope, got {}", self.body);
        &self.body["data"]
    }

    /// The envelope's `error.code`, after checking the envelope says failure.
    pub fn error_code(&self) -> &str {
        assert_eq!(self.body["success"], false, "expected an error envelope, got {}", self.body);
        assert!(self.body["meta"]["requestId"].is_string(), "error without a request id: {}", self.body);
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// The field a 400 validation error names; for any other answer its status and body, so that the
/// failed comparison shows what came back next to the case's name.
pub fn refused_field(answer: &Answer) -> String {
    if answer.status == 400 && answer.body["error"]["code"] == "VALIDATION_ERROR" {
        answer.body["error"]["details"]["field"].as_str().unwrap_or_default().to_owned()
    } else {
        format!("not a validation error: {} {}", answer.status, answer.body)
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a readable body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("a JSON body, got {status}: {text}"));
    Answer { status, headers, body }
}

pub async fn get(url: &str) -> Answer {
    send(reqwest::Client::new().get(url)).await
}

/// A signed-in account made through the API itself: registered, verified from the e-mail in the
/// Resend stand-in's outbox, and logged in with the refresh token in the body.
pub struct Account {
    pub id: String,
    pub email: String,
    pub password: String,
    pub access: String,
    pub refresh: String,
}

pub const PASSWORD: &str = "kopi-tubruk-pagi-hari";

/// A JSON request with an optional bearer credential.
pub fn request(
    method: reqwest::Method,
    url: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> reqwest::RequestBuilder {
    let mut builder = reqwest::Client::new().request(method, url);
    if let Some(token) = bearer {
        builder = builder.bearer_auth(token);
    }
    if let Some(body) = body {
        builder = builder.json(&body);
    }
    builder
}

/// The token in the newest link mailed to `email` (links carry it as `…?token=<token>`).
pub fn mailed_token(stack: &studio_local::testing::TestStack, email: &str) -> String {
    let message = stack.outbox.last_to(email).unwrap_or_else(|| panic!("no mail to {email}"));
    let text = message.text.clone().unwrap_or_default();
    let start = text.find("token=").unwrap_or_else(|| panic!("no token in {text}")) + "token=".len();
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

pub async fn signed_up(stack: &studio_local::testing::TestStack, email: &str) -> Account {
    let url = |path: &str| format!("{}/api/auth/{path}", stack.url);
    let registered = send(request(
        reqwest::Method::POST,
        &url("register"),
        None,
        Some(serde_json::json!({ "email": email, "password": PASSWORD, "name": "Siti Rahma" })),
    ))
    .await;
    assert_eq!(registered.status, 202, "{}", registered.body);
    let token = mailed_token(stack, email);
    let verified =
        send(request(reqwest::Method::POST, &url("verify-email"), None, Some(serde_json::json!({ "token": token }))))
            .await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    log_in(stack, email, PASSWORD).await
}

pub async fn log_in(stack: &studio_local::testing::TestStack, email: &str, password: &str) -> Account {
    let answer = send(request(
        reqwest::Method::POST,
        &format!("{}/api/auth/login", stack.url),
        None,
        Some(serde_json::json!({ "email": email, "password": password, "transport": "body" })),
    ))
    .await;
    assert_eq!(answer.status, 200, "login: {}", answer.body);
    let data = answer.data();
    Account {
        id: data["user"]["id"].as_str().unwrap().to_owned(),
        email: email.to_owned(),
        password: password.to_owned(),
        access: data["access_token"].as_str().unwrap().to_owned(),
        refresh: data["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// Waits, if fewer than `needed` seconds are left in the current window of `window` seconds, for the
/// next one to start. The limiter counts in windows that start at multiples of their length since
/// the Unix epoch, and a count is exact only inside one: a test whose requests straddle a boundary
/// would see the count restart (fixed window) or carry over only in part (sliding window).
pub async fn inside_one_window(window: std::time::Duration, needed: std::time::Duration) {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("a clock after 1970");
    let into = since_epoch.as_millis() % window.as_millis();
    let left = std::time::Duration::from_millis(u64::try_from(window.as_millis() - into).unwrap_or(u64::MAX));
    if left < needed {
        tokio::time::sleep(left + std::time::Duration::from_millis(50)).await;
    }
}
