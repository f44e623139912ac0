//! Bad input: each field's bad value is a 400 naming it, a body that is not JSON a 415, one too
//! large a 413; none of them is charged or reaches the model.

use serde_json::json;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{count, generate, used};
use crate::helpers::refused_field;
use crate::helpers::{send, signed_up};

#[tokio::test]
async fn each_bad_field_is_refused_by_name_without_charge_or_model_call() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    stack.faults.inject(Service::Gemini, Fault::json(500, json!({ "error": { "code": 500 } })), 1);
    let cases = [
        ("empty prompt", json!({ "prompt": "" }), "prompt"),
        ("blank prompt", json!({ "prompt": "   " }), "prompt"),
        ("prompt of 1001 characters", json!({ "prompt": "a".repeat(1001) }), "prompt"),
        ("control character in the prompt", json!({ "prompt": "kucing\u{0007}oren" }), "prompt"),
        ("missing prompt", json!({ "aspect_ratio": "1:1" }), "prompt"),
        ("negative prompt of 501", json!({ "prompt": "ok", "negative_prompt": "x".repeat(501) }), "negative_prompt"),
        ("unoffered ratio", json!({ "prompt": "ok", "aspect_ratio": "2:1" }), "aspect_ratio"),
        ("unknown quality", json!({ "prompt": "ok", "quality": "ultra" }), "quality"),
        ("no variations", json!({ "prompt": "ok", "variations": 0 }), "variations"),
        ("five variations", json!({ "prompt": "ok", "variations": 5 }), "variations"),
        ("negative seed", json!({ "prompt": "ok", "seed": -1 }), "seed"),
        ("seed past int32", json!({ "prompt": "ok", "seed": 2_147_483_648_u64 }), "seed"),
        ("seed of u32::MAX", json!({ "prompt": "ok", "seed": 4_294_967_295_u64 }), "seed"),
        ("seed past i64", json!({ "prompt": "ok", "seed": 1e20 }), "seed"),
        ("fractional seed", json!({ "prompt": "ok", "seed": 1.5 }), "seed"),
        ("template not a slug", json!({ "prompt": "ok", "template": "Not A Slug" }), "template"),
        ("unknown template slug", json!({ "prompt": "ok", "template": "no-such-style" }), "template"),
        (
            "unknown template id",
            json!({ "prompt": "ok", "template": "00000000-0000-4000-8000-000000000000" }),
            "template",
        ),
        ("collection not a UUID", json!({ "prompt": "ok", "collection_id": "batik" }), "collection_id"),
        ("unknown field", json!({ "prompt": "ok", "style": "noir" }), "style"),
    ];

    for (case, body, field) in cases {
        let answer = generate(&stack, &account, body).await;

        assert_eq!(refused_field(&answer), field, "{case}");
    }

    assert_eq!(used(&stack, &account).await, (0, 0), "a refused request was charged");
    assert_eq!(stack.faults.pending(Service::Gemini), 1, "a refused request reached the model");
    assert_eq!(count(&stack, "select count(*) from usage_logs where action <> 'login'").await, 0);
}

#[tokio::test]
async fn a_body_that_is_not_json_or_too_large_is_refused_without_charge() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let url = format!("{}/api/generate", stack.url);
    let client = reqwest::Client::new();
    let huge = json!({ "prompt": "ok", "negative_prompt": "x".repeat(65 * 1024) }).to_string();
    let cases = [
        ("form body", "application/x-www-form-urlencoded", "prompt=kucing".to_owned(), 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("plain text", "text/plain", r#"{"prompt":"kucing"}"#.to_owned(), 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("JSON over 64 KiB", "application/json", huge, 413, "PAYLOAD_TOO_LARGE"),
        ("broken JSON", "application/json", r#"{"prompt":"#.to_owned(), 400, "VALIDATION_ERROR"),
        ("a JSON array", "application/json", r#"["kucing"]"#.to_owned(), 400, "VALIDATION_ERROR"),
    ];

    for (case, content_type, body, status, code) in cases {
        let builder = client.post(&url).bearer_auth(&account.access).header("content-type", content_type).body(body);
        let answer = send(builder).await;

        assert_eq!((answer.status, answer.error_code()), (status, code), "{case}: {}", answer.body);
    }

    assert_eq!(used(&stack, &account).await, (0, 0), "a refused body was charged");
}
