//! The library's Resend client against the stand-in: what it sends (its `User-Agent` included),
//! what it refuses before sending, and how it rides out or reports each fault.

use std::time::{Duration, Instant};

use serde_json::json;
use studio::ApiError;
use studio::app::USER_AGENT;
use studio::email::{Email, EmailError, Quota, Tag};
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{TO, uuid_like, welcome};

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
async fn every_attempt_names_the_studio_so_resends_edge_lets_it_through() {
    let stack = TestStack::start().await;
    stack.faults.inject(Service::Resend, resend_error(500, "application_error", "An unexpected error occurred."), 1);

    let sent = stack.app.email.send(&welcome(), "welcome/ada").await;

    assert!(sent.is_ok(), "{sent:?}");
    let agents: Vec<_> = stack.outbox.attempts().into_iter().map(|a| a.user_agent).collect();
    assert_eq!(agents, vec![Some(USER_AGENT.to_owned()); 2], "the first attempt and its retry");
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
    let many_tags = (0..76).map(|i| Tag { name: format!("t{i}"), value: "v".into() }).collect();
    let long_key = "k".repeat(257);
    let cases: [(&str, Email, &str, &str); 11] = [
        ("no recipient", Email { to: vec![], ..welcome() }, "k", "missing_required_field"),
        ("51 recipients", Email { to: many, ..welcome() }, "k", "validation_error"),
        ("recipient without address", Email { to: vec!["Ada".into()], ..welcome() }, "k", "validation_error"),
        ("bad reply-to", Email { reply_to: Some("support".into()), ..welcome() }, "k", "validation_error"),
        ("blank subject", Email { subject: " ".into(), ..welcome() }, "k", "missing_required_field"),
        ("no body", Email { html: String::new(), text: String::new(), ..welcome() }, "k", "missing_required_field"),
        ("tag with a space", Email { tags: bad_tag, ..welcome() }, "k", "validation_error"),
        ("76 tags", Email { tags: many_tags, ..welcome() }, "k", "validation_error"),
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
async fn an_edge_refusal_is_reported_as_our_bug_after_one_attempt() {
    let stack = TestStack::start().await;
    let edge = respond(403, &[("content-type", "text/plain; charset=UTF-8")], "error code: 1010");
    stack.faults.inject(Service::Resend, edge, 2);

    let err = stack.app.email.send(&welcome(), "welcome/ada").await.unwrap_err();

    assert!(matches!(&err, EmailError::EdgeRefused(text) if text == "error code: 1010"), "{err:?}");
    assert_eq!((stack.outbox.attempts().len(), stack.faults.pending(Service::Resend)), (1, 1));
    assert_eq!(ApiError::from(err).code(), "INTERNAL");
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
