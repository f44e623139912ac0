//! The Resend client against the Resend stand-in over real HTTP: sending, idempotency, the client's
//! own checks, keys, and each fault of reference/services.md §6.3 with the attempts it took; then
//! the stand-in's own behaviour with raw requests, and the outbox page.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use studio::ApiError;
use studio::email::{Email, EmailError, Quota, Tag};
use studio_local::faults::{Fault, Service};
use studio_local::resend::{LOCAL_API_KEY, RATE_LIMIT};
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

/// The idempotency keys of the attempts that reached `/resend`, in order.
fn attempted_keys(stack: &TestStack) -> Vec<Option<String>> {
    stack.outbox.attempts().into_iter().map(|a| a.idempotency_key).collect()
}

fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> Fault {
    let headers = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Fault::Respond { status, headers, body: body.into() }
}

fn resend_error(status: u16, name: &str, message: &str) -> Fault {
    Fault::json(status, json!({ "statusCode": status, "message": message, "name": name }))
}

#[tokio::test]
async fn sends_a_message_that_lands_in_the_outbox_with_everything_it_carried() {
    let stack = TestStack::start().await;

    let id = stack.app.email.send(&welcome(), "welcome/ada").await.expect("sent");

    assert!(uuid_like(id.as_str()), "{id}");
    let message = stack.outbox.last_to(TO).expect("a message to Ada");
    assert_eq!(message.id, id.as_str());
    assert_eq!(message.from, "AI Image Studio <studio@localhost.test>");
    assert_eq!(message.to, vec![TO.to_owned()]);
    assert_eq!(message.subject, "Welcome to AI Image Studio");
    assert_eq!(message.html.as_deref(), Some("<p>Hello <b>Ada</b></p>"));
    assert_eq!(message.text.as_deref(), Some("Hello Ada"));
    assert_eq!(message.reply_to, vec!["Support <support@studio.example>".to_owned()]);
    assert_eq!((message.tags[0].name.as_str(), message.tags[0].value.as_str()), ("category", "welcome"));
    assert_eq!(message.idempotency_key.as_deref(), Some("welcome/ada"));
    assert_eq!(stack.outbox.find_to("ADA@example.com").len(), 1, "addresses match case-insensitively");
}

#[tokio::test]
async fn replaying_an_idempotency_key_returns_the_first_id_and_sends_once() {
    let stack = TestStack::start().await;

    let first = stack.app.email.send(&welcome(), "welcome/ada").await.unwrap();
    let again = stack.app.email.send(&welcome(), "welcome/ada").await.unwrap();
    let other = stack.app.email.send(&welcome(), "welcome/ada-2").await.unwrap();

    assert_eq!(first, again);
    assert_ne!(first, other);
    assert_eq!(stack.outbox.messages().len(), 2);
}

#[tokio::test]
async fn reusing_a_key_for_a_different_message_is_an_idempotency_conflict() {
    let stack = TestStack::start().await;
    stack.app.email.send(&welcome(), "welcome/ada").await.unwrap();
    let changed = Email { subject: "Something else".into(), ..welcome() };

    let err = stack.app.email.send(&changed, "welcome/ada").await.unwrap_err();

    assert!(matches!(err, EmailError::IdempotencyConflict), "{err:?}");
    assert_eq!(stack.outbox.attempts().len(), 2, "a conflict is not retried");
    assert_eq!(stack.outbox.messages().len(), 1);
    assert_eq!(ApiError::from(err).code(), "INTERNAL");
}

#[tokio::test]
async fn the_client_refuses_what_resend_would_refuse_before_any_request() {
    let stack = TestStack::start().await;
    let many: Vec<String> = (0..51).map(|i| format!("user{i}@example.com")).collect();
    let bad_tag = vec![Tag { name: "kind".into(), value: "password reset".into() }];
    let long_key = "k".repeat(257);
    let cases: [(&str, Email, &str, &str); 10] = [
        ("no recipient", Email { to: vec![], ..welcome() }, "k", "missing_required_field"),
        ("51 recipients", Email { to: many, ..welcome() }, "k", "validation_error"),
        ("recipient without address", Email { to: vec!["Ada".into()], ..welcome() }, "k", "validation_error"),
        ("bad reply-to", Email { reply_to: Some("support".into()), ..welcome() }, "k", "validation_error"),
        ("blank subject", Email { subject: " ".into(), ..welcome() }, "k", "missing_required_field"),
        ("no body", Email { html: String::new(), text: String::new(), ..welcome() }, "k", "missing_required_field"),
        ("tag with a space", Email { tags: bad_tag, ..welcome() }, "k", "validation_error"),
        ("empty key", welcome(), "", "invalid_idempotency_key"),
        ("257-character key", welcome(), &long_key, "invalid_idempotency_key"),
        ("non-ASCII key", welcome(), "grüße", "invalid_idempotency_key"),
    ];
    for (case, email, key, expected) in cases {
        let err = stack.app.email.send(&email, key).await.unwrap_err();
        assert!(matches!(&err, EmailError::Validation { name, .. } if name == expected), "{case}: {err:?}");
    }
    assert_eq!(stack.outbox.attempts(), vec![], "a refused message never reaches Resend");
}

#[tokio::test]
async fn a_256_character_key_and_50_recipients_are_accepted() {
    let stack = TestStack::start().await;
    let fifty = (0..50).map(|i| format!("user{i}@example.com")).collect();

    let sent = stack.app.email.send(&Email { to: fifty, ..welcome() }, &"k".repeat(256)).await;

    assert!(sent.is_ok(), "{sent:?}");
    assert_eq!(stack.outbox.messages()[0].to.len(), 50);
}

#[tokio::test]
async fn a_wrong_api_key_is_an_operator_error_sent_once() {
    let stack = TestStack::start_with_env(&[("RESEND_API_KEY", "re_wrong")]).await;

    let err = stack.app.email.send(&welcome(), "welcome/ada").await.unwrap_err();

    assert!(matches!(err, EmailError::InvalidApiKey), "{err:?}");
    assert_eq!(stack.outbox.attempts().len(), 1);
    assert_eq!(ApiError::from(err).code(), "INTERNAL");
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_retried_once_with_the_same_key() {
    let stack = TestStack::start().await;
    let limited = r#"{"statusCode":429,"message":"Too many requests","name":"rate_limit_exceeded"}"#;
    stack.faults.inject(Service::Resend, respond(429, &[("retry-after", "1")], limited), 1);
    let started = Instant::now();

    let sent = stack.app.email.send(&welcome(), "welcome/ada").await;

    assert!(sent.is_ok(), "{sent:?}");
    assert!(started.elapsed() >= Duration::from_secs(1), "retry-after was not honoured");
    assert_eq!(attempted_keys(&stack), vec![Some("welcome/ada".to_owned()); 2]);
    assert_eq!(stack.outbox.messages().len(), 1);
}

#[tokio::test]
async fn a_rate_limit_longer_than_the_cap_is_reported_not_waited_for() {
    let stack = TestStack::start().await;
    let limited = r#"{"statusCode":429,"message":"Too many requests","name":"rate_limit_exceeded"}"#;
    stack.faults.inject(Service::Resend, respond(429, &[("retry-after", "30")], limited), 1);
    let started = Instant::now();

    let err = stack.app.email.send(&welcome(), "welcome/ada").await.unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, EmailError::RateLimited { retry_after: Some(wait) } if wait == Duration::from_secs(30)));
    let api = ApiError::from(err);
    assert_eq!((api.code(), api.retry_after_secs()), ("UPSTREAM_UNAVAILABLE", Some(30)));
}

#[tokio::test]
async fn refusals_are_final_after_one_attempt() {
    let cases = [
        ("daily quota", resend_error(429, "daily_quota_exceeded", "You have reached your daily email sending quota.")),
        ("monthly quota", resend_error(429, "monthly_quota_exceeded", "You have reached your monthly quota.")),
        (
            "unverified domain",
            resend_error(
                403,
                "validation_error",
                "You can only send testing emails to your own email address (owner@example.com).",
            ),
        ),
        ("restricted key", resend_error(401, "restricted_api_key", "This API key is restricted to only send emails.")),
    ];
    for (case, fault) in cases {
        let stack = TestStack::start().await;
        stack.faults.inject(Service::Resend, fault, 2);

        let err = stack.app.email.send(&welcome(), "welcome/ada").await.unwrap_err();

        assert_eq!((stack.outbox.attempts().len(), stack.faults.pending(Service::Resend)), (1, 1), "{case}");
        let expected = match case {
            "daily quota" => matches!(err, EmailError::QuotaExceeded(Quota::Daily)),
            "monthly quota" => matches!(err, EmailError::QuotaExceeded(Quota::Monthly)),
            "unverified domain" => matches!(&err, EmailError::Validation { name, .. } if name == "validation_error"),
            _ => matches!(err, EmailError::RestrictedApiKey),
        };
        assert!(expected, "{case}: {err:?}");
    }
}

#[tokio::test]
async fn server_errors_are_retried_twice_with_the_same_key_then_reported() {
    let cases = [
        ("JSON application_error", resend_error(500, "application_error", "An unexpected error occurred.")),
        ("HTML 500", respond(500, &[("content-type", "text/html")], "<html><body>Internal Server Error</body></html>")),
        ("HTML 503", respond(503, &[("content-type", "text/html")], "<html><body>Service Unavailable</body></html>")),
    ];
    for (case, fault) in cases {
        let stack = TestStack::start().await;
        stack.faults.inject(Service::Resend, fault, 4);

        let err = stack.app.email.send(&welcome(), "welcome/ada").await.unwrap_err();

        assert!(matches!(err, EmailError::Upstream { status: 500 | 503, .. }), "{case}: {err:?}");
        assert_eq!(attempted_keys(&stack), vec![Some("welcome/ada".to_owned()); 3], "{case}");
        assert_eq!(stack.faults.pending(Service::Resend), 1, "{case}");
        assert_eq!(ApiError::from(err).code(), "UPSTREAM_UNAVAILABLE", "{case}");
    }
}

#[tokio::test]
async fn transient_failures_are_retried_until_the_message_is_sent_once() {
    let cases = [
        (
            "concurrent request with the same key",
            resend_error(
                409,
                "concurrent_idempotent_requests",
                "Same idempotency key used while original request is still in progress.",
            ),
        ),
        ("dropped connection", Fault::Drop),
        ("application_error", resend_error(500, "application_error", "An unexpected error occurred.")),
    ];
    for (case, fault) in cases {
        let stack = TestStack::start().await;
        stack.faults.inject(Service::Resend, fault, 1);

        let sent = stack.app.email.send(&welcome(), "welcome/ada").await;

        assert!(sent.is_ok(), "{case}: {sent:?}");
        assert_eq!(attempted_keys(&stack), vec![Some("welcome/ada".to_owned()); 2], "{case}");
        assert_eq!(stack.outbox.messages().len(), 1, "{case}");
    }
}

#[tokio::test]
async fn a_reply_slower_than_the_budget_is_a_timeout() {
    let stack = TestStack::start_with_env(&[("RESEND_TIMEOUT_MS", "300")]).await;
    stack.faults.inject(Service::Resend, Fault::Delay { millis: 1_500 }, 1);
    let started = Instant::now();

    let err = stack.app.email.send(&welcome(), "welcome/ada").await.unwrap_err();

    assert!(matches!(err, EmailError::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1_000), "{:?}", started.elapsed());
    assert_eq!(stack.outbox.attempts().len(), 1, "no time was left for a retry");
    assert_eq!(ApiError::from(err).code(), "UPSTREAM_TIMEOUT");
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

// The stand-in itself, with raw requests.

struct Raw {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn raw(
    stack: &TestStack,
    method: Method,
    path: &str,
    auth: Option<&str>,
    key: Option<&str>,
    body: Option<Value>,
) -> Raw {
    let mut request = reqwest::Client::new().request(method, format!("{}/resend{path}", stack.url));
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the stand-in answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.expect("a JSON body");
    Raw { status, headers, body }
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
    body.as_object_mut().unwrap().remove(field);
    body
}

#[tokio::test]
async fn the_stand_in_requires_its_bearer_key() {
    let stack = TestStack::start().await;
    let cases = [
        (None, 401, "missing_api_key"),
        (Some("Bearer re_wrong"), 403, "invalid_api_key"),
        (Some(LOCAL_API_KEY), 403, "invalid_api_key"),
    ];
    for (auth, status, name) in cases {
        let answer = raw(&stack, Method::POST, "/emails", auth, None, Some(minimal())).await;
        assert_eq!((answer.status, answer.body["name"].as_str()), (status, Some(name)), "{auth:?}");
        assert_eq!(answer.body["statusCode"], status, "{auth:?}");
        assert!(answer.body["message"].is_string(), "{auth:?}");
    }
    assert_eq!(stack.outbox.messages(), vec![]);
}

#[tokio::test]
async fn the_stand_in_validates_bodies_like_resend() {
    let stack = TestStack::start().await;
    let many: Vec<String> = (0..51).map(|i| format!("user{i}@example.com")).collect();
    let cases = [
        ("no from", without("from"), 422, "missing_required_field"),
        ("no to", without("to"), 422, "missing_required_field"),
        ("empty to", with("to", json!([])), 422, "missing_required_field"),
        ("no subject", without("subject"), 422, "missing_required_field"),
        ("from without address", with("from", json!("Studio")), 422, "invalid_from_address"),
        ("from without domain dot", with("from", json!("Studio <studio@localhost>")), 422, "invalid_from_address"),
        ("51 recipients", with("to", json!(many)), 400, "validation_error"),
        ("bad recipient", with("to", json!(["ada"])), 422, "validation_error"),
        ("bad cc", with("cc", json!("not an address")), 422, "validation_error"),
        ("subject not a string", with("subject", json!(5)), 422, "validation_error"),
        ("no html or text", without("text"), 422, "missing_required_field"),
        ("tag with a space", with("tags", json!([{ "name": "a b", "value": "c" }])), 422, "validation_error"),
        (
            "attachments",
            with("attachments", json!([{ "filename": "a.txt", "content": "aGk=" }])),
            422,
            "validation_error",
        ),
        ("scheduled_at", with("scheduled_at", json!("2030-01-01T00:00:00Z")), 422, "validation_error"),
        ("not an object", json!(["to"]), 422, "validation_error"),
    ];
    for (case, body, status, name) in cases {
        let answer = raw(&stack, Method::POST, "/emails", Some(&bearer()), None, Some(body)).await;
        assert_eq!((answer.status, answer.body["name"].as_str()), (status, Some(name)), "{case}: {}", answer.body);
        assert_eq!(answer.body["statusCode"], status, "{case}");
    }
    assert_eq!(stack.outbox.messages(), vec![]);
}

#[tokio::test]
async fn the_stand_in_ignores_unknown_fields_and_accepts_html_alone() {
    let stack = TestStack::start().await;
    let mut body = without("text");
    body["html"] = json!("<p>Hi</p>");
    body["x_unknown"] = json!({ "any": 1 });

    let answer = raw(&stack, Method::POST, "/emails", Some(&bearer()), None, Some(body)).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(uuid_like(answer.body["id"].as_str().unwrap()));
    assert_eq!(stack.outbox.messages()[0].text, None);
}

#[tokio::test]
async fn the_stand_in_checks_idempotency_keys() {
    let stack = TestStack::start().await;
    let long = "k".repeat(257);
    for (case, key) in [("empty", ""), ("257 characters", long.as_str())] {
        let answer = raw(&stack, Method::POST, "/emails", Some(&bearer()), Some(key), Some(minimal())).await;
        assert_eq!((answer.status, answer.body["name"].as_str()), (400, Some("invalid_idempotency_key")), "{case}");
    }

    let first = raw(&stack, Method::POST, "/emails", Some(&bearer()), Some("k1"), Some(minimal())).await;
    let replay = raw(&stack, Method::POST, "/emails", Some(&bearer()), Some("k1"), Some(minimal())).await;
    let changed =
        raw(&stack, Method::POST, "/emails", Some(&bearer()), Some("k1"), Some(with("subject", json!("Bye")))).await;

    assert_eq!((first.status, replay.status), (200, 200));
    assert_eq!(first.body["id"], replay.body["id"]);
    assert_eq!((changed.status, changed.body["name"].as_str()), (409, Some("invalid_idempotent_request")));
    assert_eq!(stack.outbox.messages().len(), 1);
}

#[tokio::test]
async fn every_answer_carries_rate_limit_headers() {
    let stack = TestStack::start().await;
    let answers = [
        raw(&stack, Method::POST, "/emails", Some(&bearer()), None, Some(minimal())).await,
        raw(&stack, Method::POST, "/emails", None, None, Some(minimal())).await,
        raw(&stack, Method::POST, "/emails", Some(&bearer()), None, Some(without("to"))).await,
        raw(&stack, Method::GET, "/emails/00000000-0000-4000-8000-000000000000", Some(&bearer()), None, None).await,
    ];
    for answer in &answers {
        for header in ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"] {
            let value = answer.headers.get(header).and_then(|v| v.to_str().ok()).unwrap_or_default();
            assert!(value.parse::<u64>().is_ok(), "{} without {header}: {:?}", answer.status, answer.headers);
        }
    }
    for answer in &answers {
        let limit: u32 = answer.headers["ratelimit-limit"].to_str().unwrap().parse().unwrap();
        let remaining: u32 = answer.headers["ratelimit-remaining"].to_str().unwrap().parse().unwrap();
        assert_eq!(limit, RATE_LIMIT);
        assert!(remaining < limit, "this answer's own request is not counted: {remaining}");
    }
}

#[tokio::test]
async fn the_stand_in_retrieves_a_sent_email_like_resend() {
    let stack = TestStack::start().await;
    let id = stack.app.email.send(&welcome(), "welcome/ada").await.unwrap();

    let found = raw(&stack, Method::GET, &format!("/emails/{id}"), Some(&bearer()), None, None).await;
    let unknown =
        raw(&stack, Method::GET, "/emails/00000000-0000-4000-8000-000000000000", Some(&bearer()), None, None).await;
    let malformed = raw(&stack, Method::GET, "/emails/not-a-uuid", Some(&bearer()), None, None).await;
    let anonymous = raw(&stack, Method::GET, &format!("/emails/{id}"), None, None, None).await;

    assert_eq!(found.status, 200);
    assert_eq!(found.body["object"], "email");
    assert_eq!(found.body["id"], id.as_str());
    assert_eq!(found.body["to"], json!([TO]));
    assert_eq!(found.body["from"], "AI Image Studio <studio@localhost.test>");
    assert_eq!(found.body["subject"], "Welcome to AI Image Studio");
    assert_eq!(found.body["html"], "<p>Hello <b>Ada</b></p>");
    assert_eq!(found.body["last_event"], "delivered");
    assert_eq!(found.body["cc"], Value::Null);
    assert!(found.body["created_at"].as_str().unwrap().starts_with("20"));
    assert_eq!((unknown.status, unknown.body["name"].as_str()), (404, Some("not_found")));
    assert_eq!((malformed.status, malformed.body["name"].as_str()), (422, Some("invalid_parameter")));
    assert_eq!((anonymous.status, anonymous.body["name"].as_str()), (401, Some("missing_api_key")));
}

#[tokio::test]
async fn the_outbox_page_lists_mail_newest_first_and_escapes_everything() {
    let stack = TestStack::start().await;
    stack.app.email.send(&welcome(), "first").await.unwrap();
    let hostile = Email {
        subject: "<script>alert(1)</script>".into(),
        html: r#"<p onclick="x()">Reset</p><script>alert(2)</script>"#.into(),
        text: "a < b & c".into(),
        ..welcome()
    };
    stack.app.email.send(&hostile, "second").await.unwrap();

    let response = reqwest::get(format!("{}/__outbox", stack.url)).await.unwrap();
    let headers = response.headers().clone();
    let page = response.text().await.unwrap();
    let json: Value = reqwest::get(format!("{}/__outbox.json", stack.url)).await.unwrap().json().await.unwrap();

    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    assert!(!page.to_ascii_lowercase().contains("<script"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
    assert!(page.contains(r#"srcdoc="&lt;p onclick=&quot;x()&quot;&gt;Reset"#), "{page}");
    assert!(page.contains(r#"<iframe sandbox="""#), "{page}");
    assert!(page.contains("a &lt; b &amp; c"), "{page}");
    assert!(page.contains(TO));
    let newer = page.find("&lt;script&gt;alert(1)").unwrap();
    let older = page.find("Welcome to AI Image Studio").unwrap();
    assert!(newer < older, "not newest first");
    assert_eq!(json[0]["subject"], "<script>alert(1)</script>");
    assert_eq!(json[1]["subject"], "Welcome to AI Image Studio");
}
