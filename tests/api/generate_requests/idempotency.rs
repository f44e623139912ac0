//! `Idempotency-Key`: a retry with the same key and body gets the first answer (no second model
//! call, charge or rows); another body under the key is a 409; a failed request frees the key.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{count, images, used};
use crate::helpers::refused_field;
use crate::helpers::{Account, Answer, request, send, signed_up};

async fn generate_with_key(stack: &TestStack, account: &Account, key: &str, body: Value) -> Answer {
    let url = format!("{}/api/generate", stack.url);
    send(request(Method::POST, &url, Some(&account.access), Some(body)).header("Idempotency-Key", key)).await
}

fn ids(answer: &Answer) -> Vec<Value> {
    images(answer).iter().map(|i| i["id"].clone()).collect()
}

#[tokio::test]
async fn a_retry_with_the_same_key_and_body_gets_the_first_images_without_a_second_charge() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let body = json!({ "prompt": "candi Borobudur berkabut", "variations": 2 });

    let first = generate_with_key(&stack, &account, "order-7f3a", body.clone()).await;
    let retry = generate_with_key(&stack, &account, "order-7f3a", body).await;

    assert_eq!((first.status, retry.status), (201, 201), "{}", retry.body);
    assert_eq!(ids(&retry), ids(&first), "the retry made other images");
    assert_eq!(first.header("idempotent-replayed"), "", "the first answer is not a replay");
    assert_eq!(retry.header("idempotent-replayed"), "true");
    assert_eq!(used(&stack, &account).await, (2, 2), "charged twice");
    assert_eq!(count(&stack, "select count(*) from generated_images").await, 2);
    assert_eq!(count(&stack, "select count(*) from usage_logs where action = 'generate'").await, 2);
    assert_eq!(count(&stack, "select use_count::bigint from prompt_history").await, 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_conflict() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    generate_with_key(&stack, &account, "order-7f3a", json!({ "prompt": "candi Prambanan" })).await.data();

    let other = generate_with_key(&stack, &account, "order-7f3a", json!({ "prompt": "candi Mendut" })).await;

    assert_eq!((other.status, other.error_code()), (409, "CONFLICT"), "{}", other.body);
    assert_eq!(used(&stack, &account).await, (1, 1));
}

#[tokio::test]
async fn a_failed_request_frees_its_key_for_a_retry() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let refusal = json!({ "error": { "code": 400, "message": "User location is not supported for the API use.",
                                     "status": "FAILED_PRECONDITION" } });
    stack.faults.inject(Service::Gemini, Fault::json(400, refusal), 1);
    let body = json!({ "prompt": "danau Toba dari udara" });

    let failed = generate_with_key(&stack, &account, "order-9c1d", body.clone()).await;
    let retry = generate_with_key(&stack, &account, "order-9c1d", body).await;

    assert_eq!(failed.status, 500, "{}", failed.body);
    assert_eq!(stack.faults.pending(Service::Gemini), 0, "the fault was not served");
    assert_eq!(images(&retry).len(), 1, "the retry did not run");
    assert_eq!(retry.header("idempotent-replayed"), "");
    assert_eq!(used(&stack, &account).await, (1, 1), "the failure was charged");
}

#[tokio::test]
async fn a_malformed_key_is_refused_by_name() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let cases = [("256 characters", "k".repeat(256)), ("a space inside", "order 7f3a".to_owned())];

    for (case, key) in cases {
        let answer = generate_with_key(&stack, &account, &key, json!({ "prompt": "kopi tubruk" })).await;

        assert_eq!(refused_field(&answer), "Idempotency-Key", "{case}");
    }

    assert_eq!(used(&stack, &account).await, (0, 0));
}
