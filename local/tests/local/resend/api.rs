//! The stand-in's API beyond the body checks: idempotency keys, rate-limit headers on every
//! answer, retrieving a sent e-mail, and the endpoint it does not implement.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::resend::RATE_LIMIT;
use studio_local::testing::TestStack;

use super::{TO, bearer, minimal, raw, welcome, with, without};

#[tokio::test]
async fn the_stand_in_checks_idempotency_keys() {
    let stack = TestStack::start().await;
    let long = "k".repeat(257);
    for (case, key) in [("empty", ""), ("257 characters", long.as_str())] {
        let answer = raw(&stack, Method::POST, "/emails", Some(&bearer()), Some(key), Some(minimal())).await;
        assert_eq!((answer.status, answer.body["name"].as_str()), (400, Some("invalid_idempotency_key")), "{case}");
        assert_eq!(answer.body["message"], "The key must be between 1-256 chars.", "{case}");
    }
    let longest = raw(&stack, Method::POST, "/emails", Some(&bearer()), Some(&"k".repeat(256)), Some(minimal())).await;
    assert_eq!(longest.status, 200, "a 256-character key: {}", longest.text);

    let first = raw(&stack, Method::POST, "/emails", Some(&bearer()), Some("k1"), Some(minimal())).await;
    let replay = raw(&stack, Method::POST, "/emails", Some(&bearer()), Some("k1"), Some(minimal())).await;
    let changed =
        raw(&stack, Method::POST, "/emails", Some(&bearer()), Some("k1"), Some(with("subject", json!("Bye")))).await;

    assert_eq!((first.status, replay.status), (200, 200));
    assert_eq!(first.body["id"], replay.body["id"]);
    assert_eq!((changed.status, changed.body["name"].as_str()), (409, Some("invalid_idempotent_request")));
    assert_eq!(stack.outbox.messages().len(), 2);
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
async fn batch_sending_is_refused_by_name_not_mistaken_for_another_route() {
    let stack = TestStack::start().await;
    let batch = json!([minimal(), minimal()]);

    let answer = raw(&stack, Method::POST, "/emails/batch", Some(&bearer()), None, Some(batch.clone())).await;
    let anonymous = raw(&stack, Method::POST, "/emails/batch", None, None, Some(batch)).await;

    assert_eq!((answer.status, answer.body["name"].as_str()), (404, Some("not_found")), "{}", answer.text);
    assert!(answer.body["message"].as_str().unwrap_or_default().contains("/emails/batch"), "{}", answer.text);
    assert_eq!((anonymous.status, anonymous.body["name"].as_str()), (401, Some("missing_api_key")));
    assert_eq!(stack.outbox.messages(), vec![]);
}
