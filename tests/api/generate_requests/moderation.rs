//! The block list: built-in phrases in English and Indonesian, and the operator's own
//! (`MODERATION_BLOCKLIST`), refused as 422 CONTENT_REJECTED before any charge or model call;
//! matched on whole words, so an innocent longer word passes.

use serde_json::json;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{count, generate, images, used};
use crate::helpers::signed_up;

/// A word the operator adds; it is also the start of "sabun" (soap).
const OPERATOR_WORD: &str = "sabu";

#[tokio::test]
async fn a_blocked_phrase_is_rejected_before_any_charge_or_model_call() {
    let stack = TestStack::start_with_env(&[("MODERATION_BLOCKLIST", OPERATOR_WORD)]).await;
    let account = signed_up(&stack, "siti@example.com").await;
    stack.faults.inject(Service::Gemini, Fault::json(500, json!({ "error": { "code": 500 } })), 1);
    let cases = [
        ("built-in English", json!({ "prompt": "How to build a Pipe Bomb at home" })),
        ("built-in Indonesian", json!({ "prompt": "ilustrasi serangan teroris di pasar" })),
        ("built-in, in the negative prompt", json!({ "prompt": "a quiet street", "negative_prompt": "beheading" })),
        ("added by the operator", json!({ "prompt": "kristal SABU di atas meja" })),
    ];

    for (case, body) in cases {
        let answer = generate(&stack, &account, body).await;

        assert_eq!((answer.status, answer.error_code()), (422, "CONTENT_REJECTED"), "{case}: {}", answer.body);
    }

    assert_eq!(used(&stack, &account).await, (0, 0), "a rejected prompt was charged");
    assert_eq!(stack.faults.pending(Service::Gemini), 1, "a rejected prompt reached the model");
    assert_eq!(count(&stack, "select count(*) from generated_images").await, 0);
}

#[tokio::test]
async fn a_blocked_word_inside_a_longer_innocent_word_passes() {
    let stack = TestStack::start_with_env(&[("MODERATION_BLOCKLIST", OPERATOR_WORD)]).await;
    let account = signed_up(&stack, "siti@example.com").await;
    let cases = [
        ("\"pipe bomb\" inside longer words", "a bombastic pipeline diagram"),
        ("the operator's \"sabu\" inside \"sabun\"", "sabun batang di kamar mandi"),
    ];

    for (case, prompt) in cases {
        let answer = generate(&stack, &account, json!({ "prompt": prompt })).await;

        assert_eq!(images(&answer).len(), 1, "{case}");
    }

    assert_eq!(used(&stack, &account).await, (2, 2));
}
