//! The model failing: retried where Google asks for a wait that fits the deadline, otherwise mapped
//! to 503 / 504 / 422 with every unit refunded; a model that drew nothing is a 422
//! GENERATION_EMPTY, not an outage; a failed variation is refunded alone.

use serde_json::json;
use studio_local::faults::{Fault, Service};
use studio_local::gemini::answers;
use studio_local::testing::TestStack;

use super::{edit, generate, google_error, kept, ledger, nothing_kept, retry_info, square};
use crate::helpers::signed_up;

#[tokio::test]
async fn a_rate_limited_model_call_is_retried_after_its_delay_and_charged_once() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let limited = google_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted", retry_info("0.05s"));
    stack.faults.inject(Service::Gemini, limited, 1);

    let answer = generate(&stack, &account, square(1)).await;

    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(stack.faults.pending(Service::Gemini), 0, "the 429 was answered, then a retry succeeded");
    assert_eq!(answer.data()["quota"]["daily"]["used"], 1);
    assert_eq!(ledger(&stack, &account).await, kept(1, 0));
}

#[tokio::test]
async fn a_rate_limit_whose_wait_passes_the_deadline_is_503_with_retry_after_and_refunded() {
    let stack = TestStack::start_with_env(&[("GEMINI_TIMEOUT_MS", "1000"), ("GEMINI_DEADLINE_MS", "2000")]).await;
    let account = signed_up(&stack, "siti@example.com").await;
    let limited = google_error(429, "RESOURCE_EXHAUSTED", "Try again later", retry_info("30s"));
    stack.faults.inject(Service::Gemini, limited, 2);

    let answer = generate(&stack, &account, square(1)).await;

    assert_eq!((answer.status, answer.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", answer.body);
    assert_eq!(answer.header("retry-after"), "30", "Google's wait is passed on");
    assert_eq!(stack.faults.pending(Service::Gemini), 1, "one attempt: a 30 s wait cannot fit in 2 s");
    assert_eq!(ledger(&stack, &account).await, nothing_kept(1));
}

#[tokio::test]
async fn a_project_without_image_quota_is_503_after_one_attempt_and_refunded() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let message = "You exceeded your current quota, please check your plan and billing details.\n* Quota exceeded for \
                   metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: \
                   gemini-3.1-flash-image\nPlease retry in 0.05s.";
    stack.faults.inject(Service::Gemini, google_error(429, "RESOURCE_EXHAUSTED", message, retry_info("0.05s")), 2);

    let answer = generate(&stack, &account, square(1)).await;

    assert_eq!((answer.status, answer.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", answer.body);
    assert_eq!(stack.faults.pending(Service::Gemini), 1, "`limit: 0` is not retried: waiting cannot help");
    assert_eq!(ledger(&stack, &account).await, nothing_kept(1));
}

#[tokio::test]
async fn a_model_that_answers_too_late_is_504_and_refunded() {
    // The deadline equals one attempt's timeout: no time is left for a retry.
    let stack = TestStack::start_with_env(&[("GEMINI_TIMEOUT_MS", "500"), ("GEMINI_DEADLINE_MS", "500")]).await;
    let account = signed_up(&stack, "siti@example.com").await;
    stack.faults.inject(Service::Gemini, Fault::Delay { millis: 3_000 }, 1);

    let answer = generate(&stack, &account, square(1)).await;

    assert_eq!((answer.status, answer.error_code()), (504, "UPSTREAM_TIMEOUT"), "{}", answer.body);
    assert_eq!(ledger(&stack, &account).await, nothing_kept(1));
}

#[tokio::test]
async fn safety_blocks_are_422_content_rejected_with_the_reason_and_not_charged() {
    let prompt_block = Fault::json(
        200,
        json!({ "promptFeedback": { "blockReason": "PROHIBITED_CONTENT" },
                "usageMetadata": { "promptTokenCount": 9, "totalTokenCount": 9 } }),
    );
    let output_block = Fault::json(
        200,
        json!({ "candidates": [{ "content": { "role": "model", "parts": [{ "text": "I can't create that image." }] },
                                 "finishReason": "IMAGE_SAFETY", "index": 0 }] }),
    );
    let stack = TestStack::start().await;
    for (i, (reason, fault)) in
        [("PROHIBITED_CONTENT", prompt_block), ("IMAGE_SAFETY", output_block)].into_iter().enumerate()
    {
        let account = signed_up(&stack, &format!("siti{i}@example.com")).await;
        stack.faults.inject(Service::Gemini, fault, 2);

        let answer = generate(&stack, &account, square(1)).await;

        assert_eq!((answer.status, answer.error_code()), (422, "CONTENT_REJECTED"), "{reason}: {}", answer.body);
        let message = answer.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{reason}: the message names the reason: {message}");
        assert_eq!(stack.faults.pending(Service::Gemini), 1, "{reason}: a refusal is not retried");
        assert_eq!(ledger(&stack, &account).await, nothing_kept(1), "{reason}");
        stack.faults.clear();
    }
}

#[tokio::test]
async fn one_failed_variation_of_three_is_refunded_and_the_other_two_delivered() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let refused = google_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", json!([]));
    stack.faults.inject(Service::Gemini, refused, 1);

    let answer = generate(&stack, &account, square(3)).await;

    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.data()["images"].as_array().map(Vec::len), Some(2));
    assert_eq!(answer.data()["failed_variations"], 1);
    assert_eq!(answer.data()["quota"]["daily"]["used"], 2, "the answer's quota counts the refund");
    assert_eq!(ledger(&stack, &account).await, kept(2, 1));
    let client = stack.db.client().await;
    let reason: String = client
        .query_one("select details ->> 'reason' from usage_logs where action = 'quota_refund'", &[])
        .await
        .expect("one refund row")
        .get(0);
    assert_eq!(reason, "variation_failed");
}

#[tokio::test]
async fn a_model_that_drew_nothing_is_422_generation_empty_with_the_reason_and_not_charged() {
    let stack = TestStack::start().await;
    for (i, reason) in ["NO_IMAGE", "IMAGE_OTHER", "OTHER", "STOP"].into_iter().enumerate() {
        let account = signed_up(&stack, &format!("siti{i}@example.com")).await;
        stack.faults.inject(Service::Gemini, answers::drew_nothing(reason), 2);

        let answer = generate(&stack, &account, square(1)).await;

        assert_eq!((answer.status, answer.error_code()), (422, "GENERATION_EMPTY"), "{reason}: {}", answer.body);
        assert_eq!(answer.body["error"]["details"]["reason"], reason);
        let message = answer.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason) && message.contains("rephras"), "{reason}: {message}");
        assert_eq!(stack.faults.pending(Service::Gemini), 1, "{reason}: the model's answer is not retried");
        assert_eq!(ledger(&stack, &account).await, nothing_kept(1), "{reason}");
        stack.faults.clear();
    }
}

#[tokio::test]
async fn an_edit_the_model_drew_nothing_for_keeps_only_the_source() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let source = generate(&stack, &account, square(1)).await;
    let source_id = source.data()["images"][0]["id"].clone();
    stack.faults.inject(Service::Gemini, answers::thoughts_only(), 1);

    let answer = edit(&stack, &account, json!({ "image_id": source_id, "instruction": "add a kite" })).await;

    assert_eq!((answer.status, answer.error_code()), (422, "GENERATION_EMPTY"), "{}", answer.body);
    assert_eq!(answer.body["error"]["details"]["reason"], "STOP");
    assert_eq!(ledger(&stack, &account).await, kept(1, 1), "the source alone: the edit's unit given back");
}

#[tokio::test]
async fn one_variation_that_drew_nothing_is_refunded_and_the_other_delivered() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    stack.faults.inject(Service::Gemini, answers::drew_nothing("NO_IMAGE"), 1);

    let answer = generate(&stack, &account, square(2)).await;

    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.data()["failed_variations"], 1);
    assert_eq!(ledger(&stack, &account).await, kept(1, 1));
}
