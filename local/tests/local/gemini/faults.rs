//! Each fault the real API is known to produce, injected in front of the stand-in, and what the
//! client does: retried and succeeded, or the right typed error after the right number of attempts.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use studio::gemini::{GeminiError, ImageRequest};
use studio_local::faults::Fault;
use studio_local::gemini::answers;

use super::{answer_with, attempts, generate, google_error, inject, retry_info, solid_png, stack_with};

/// Whether an error is the one a case expects.
type Expected = fn(&GeminiError) -> bool;

const OVERLOADED: &str = "The model is overloaded. Please try again later.";

fn kite() -> ImageRequest {
    ImageRequest::new("a kite over rice fields")
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_for_its_retry_delay_then_succeeds() {
    let stack = stack_with(&[]).await;
    inject(&stack, google_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted", retry_info("1s")), 1);

    let started = Instant::now();
    let result = generate(&stack, &kite()).await;

    assert!(result.is_ok(), "{result:?}");
    assert_eq!(attempts(&stack, 1), 1, "the 429 was consumed, then one more call succeeded");
    assert!(started.elapsed() >= Duration::from_secs(1), "waited the server's retryDelay: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_rate_limit_whose_wait_passes_the_deadline_is_rate_limited_at_once() {
    let stack = stack_with(&[("GEMINI_TIMEOUT_MS", "1000"), ("GEMINI_DEADLINE_MS", "2000")]).await;
    inject(&stack, google_error(429, "RESOURCE_EXHAUSTED", "Try again later", retry_info("30s")), 2);

    let started = Instant::now();
    let result = generate(&stack, &kite()).await;

    assert!(
        matches!(result, Err(GeminiError::RateLimited { retry_after: Some(d) }) if d == Duration::from_secs(30)),
        "{result:?}"
    );
    assert_eq!(attempts(&stack, 2), 1);
    assert!(started.elapsed() < Duration::from_secs(1), "did not sleep towards a wait it could not use");
}

#[tokio::test]
async fn a_zero_quota_limit_is_quota_unavailable_after_one_attempt() {
    let stack = stack_with(&[]).await;
    let message = "You exceeded your current quota, please check your plan and billing details.\n* Quota exceeded for \
                   metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: \
                   gemini-3.1-flash-image\nPlease retry in 0.05s.";
    inject(&stack, google_error(429, "RESOURCE_EXHAUSTED", message, retry_info("0.05s")), 2);

    let result = generate(&stack, &kite()).await;

    assert!(matches!(result, Err(GeminiError::QuotaUnavailable(_))), "{result:?}");
    assert_eq!(attempts(&stack, 2), 1);
}

#[tokio::test]
async fn transient_failures_are_retried_until_an_answer_arrives() {
    let html = Fault::Respond {
        status: 500,
        headers: vec![("content-type".into(), "text/html".into())],
        body: "<html><body><h1>500 Internal Server Error</h1></body></html>".into(),
    };
    let cases = [
        ("503 overloaded, no retry info (backoff)", google_error(503, "UNAVAILABLE", OVERLOADED, json!([]))),
        ("500 with an HTML body", html),
        ("504 deadline exceeded", google_error(504, "DEADLINE_EXCEEDED", "Deadline exceeded", retry_info("0.05s"))),
        ("connection dropped mid-body", Fault::Drop),
    ];
    for (case, fault) in cases {
        let stack = stack_with(&[]).await;
        inject(&stack, fault, 1);

        let result = generate(&stack, &kite()).await;

        assert!(result.is_ok(), "{case}: {result:?}");
        assert_eq!(attempts(&stack, 1), 1, "{case}");
    }
}

#[tokio::test]
async fn an_outage_that_outlasts_the_retries_is_upstream_after_five_attempts() {
    let stack = stack_with(&[]).await;
    inject(&stack, google_error(503, "UNAVAILABLE", OVERLOADED, retry_info("0.05s")), 8);

    let result = generate(&stack, &kite()).await;

    assert!(
        matches!(&result, Err(GeminiError::Upstream { status: 503, message, .. }) if message == OVERLOADED),
        "{result:?}"
    );
    assert_eq!(attempts(&stack, 8), 5, "attempts are capped even when every wait is short");
}

#[tokio::test]
async fn answers_slower_than_the_attempt_timeout_are_retried_then_time_out() {
    let stack = stack_with(&[("GEMINI_TIMEOUT_MS", "300"), ("GEMINI_DEADLINE_MS", "2000")]).await;
    inject(&stack, Fault::Delay { millis: 5_000 }, 5);

    let started = Instant::now();
    let result = generate(&stack, &kite()).await;

    assert!(matches!(result, Err(GeminiError::Timeout)), "{result:?}");
    let tries = attempts(&stack, 5);
    assert!((2..=3).contains(&tries), "{tries} attempts");
    assert!(started.elapsed() < Duration::from_millis(2_500), "the deadline holds: {:?}", started.elapsed());
}

#[tokio::test]
async fn permanent_refusals_are_not_retried() {
    let cases: [(&str, Fault, Expected); 4] = [
        ("404 model", google_error(404, "NOT_FOUND", "models/x is not found", json!([])), |e| {
            matches!(e, GeminiError::ModelNotFound(_))
        }),
        (
            "400 billing",
            google_error(400, "FAILED_PRECONDITION", "Enable billing", json!([])),
            |e| matches!(e, GeminiError::BadRequest(m) if m.contains("FAILED_PRECONDITION")),
        ),
        ("403 permission", google_error(403, "PERMISSION_DENIED", "Denied", json!([])), |e| {
            matches!(e, GeminiError::PermissionDenied(_))
        }),
        (
            "prompt block",
            Fault::json(
                200,
                json!({ "promptFeedback": { "blockReason": "PROHIBITED_CONTENT" },
                                                   "usageMetadata": { "promptTokenCount": 9, "totalTokenCount": 9 } }),
            ),
            |e| matches!(e, GeminiError::ContentRejected { reason } if reason == "PROHIBITED_CONTENT"),
        ),
    ];
    let stack = stack_with(&[]).await;
    for (case, fault, expected) in cases {
        inject(&stack, fault, 2);

        let result = generate(&stack, &kite()).await;

        assert!(result.as_ref().is_err_and(expected), "{case}: {result:?}");
        assert_eq!(attempts(&stack, 2), 1, "{case}");
        stack.faults.clear();
    }
}

#[tokio::test]
async fn output_blocks_are_content_rejections() {
    let stack = stack_with(&[]).await;
    let cases = [
        ("IMAGE_SAFETY", answer_with(json!([{ "text": "I can't create that image." }]), "IMAGE_SAFETY")),
        (
            "IMAGE_PROHIBITED_CONTENT",
            Fault::json(200, json!({ "candidates": [{ "finishReason": "IMAGE_PROHIBITED_CONTENT" }] })),
        ),
    ];
    for (reason, fault) in cases {
        inject(&stack, fault, 1);
        let result = generate(&stack, &kite()).await;
        assert!(
            matches!(&result, Err(GeminiError::ContentRejected { reason: r }) if r == reason),
            "{reason}: {result:?}"
        );
    }
}

#[tokio::test]
async fn answers_where_the_model_drew_nothing_are_no_image_after_one_attempt() {
    let stack = stack_with(&[]).await;
    let thought = json!({ "inlineData": { "mimeType": "image/png", "data": STANDARD.encode(solid_png(256, 256, [1, 2, 3])) },
                          "thought": true });
    let cases = [
        ("NO_IMAGE", answers::drew_nothing("NO_IMAGE"), Some("I was unable to generate an image for this request.")),
        ("IMAGE_OTHER", answers::drew_nothing("IMAGE_OTHER"), None),
        ("OTHER", answers::drew_nothing("OTHER"), Some("I was unable to generate an image for this request.")),
        ("STOP", answers::drew_nothing("STOP"), Some("I was unable to generate an image for this request.")),
        ("STOP", answers::thoughts_only(), None),
        ("STOP", answer_with(json!([thought, { "text": "Here you go" }]), "STOP"), Some("Here you go")),
    ];
    for (reason, fault, words) in cases {
        inject(&stack, fault, 2);
        let result = generate(&stack, &kite()).await;
        assert!(
            matches!(&result, Err(GeminiError::NoImage { finish_reason, text })
                if finish_reason == reason && text.as_deref() == words),
            "{reason}: {result:?}"
        );
        assert_eq!(attempts(&stack, 2), 1, "{reason}: the model's answer is not retried");
        stack.faults.clear();
    }
}

#[tokio::test]
async fn answers_with_nothing_to_read_are_decode_errors() {
    let stack = stack_with(&[]).await;
    let cases = [
        ("empty candidates", Fault::json(200, json!({ "candidates": [] }))),
        ("empty object", Fault::json(200, json!({}))),
        ("MAX_TOKENS without an image", answer_with(json!([{ "text": "..." }]), "MAX_TOKENS")),
    ];
    for (case, fault) in cases {
        inject(&stack, fault, 1);
        let result = generate(&stack, &kite()).await;
        assert!(matches!(result, Err(GeminiError::Decode(_))), "{case}: {result:?}");
        assert_eq!(stack.faults.pending(studio_local::faults::Service::Gemini), 0, "{case}");
    }
}

#[tokio::test]
async fn unusable_images_are_invalid_images() {
    let stack = stack_with(&[]).await;
    let image =
        |data: String| answer_with(json!([{ "inlineData": { "mimeType": "image/png", "data": data } }]), "STOP");
    let cases = [
        ("invalid base64", image("***not base64***".into())),
        ("not an image", image(STANDARD.encode(b"GIF89a but not really"))),
        ("a 1x1 image", image(STANDARD.encode(solid_png(1, 1, [0, 0, 0])))),
        ("a 60000x60000 bomb header", image(STANDARD.encode(bomb_header(60_000, 60_000)))),
    ];
    for (case, fault) in cases {
        inject(&stack, fault, 1);
        let result = generate(&stack, &kite()).await;
        assert!(matches!(result, Err(GeminiError::InvalidImage(_))), "{case}: {result:?}");
    }
}

/// A PNG whose header claims `width`×`height` over a few bytes of (valid) compressed data.
fn bomb_header(width: u32, height: u32) -> Vec<u8> {
    let mut real = solid_png(64, 64, [0, 0, 0]);
    // IHDR's width and height sit right after the 8-byte signature, the length and the type.
    real[16..20].copy_from_slice(&width.to_be_bytes());
    real[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&real[12..29]);
    real[29..33].copy_from_slice(&crc.to_be_bytes());
    real
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
