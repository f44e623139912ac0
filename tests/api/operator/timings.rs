//! What each generation leaves for the report: its usage rows carry the model's wall time and the
//! whole request's; a request the studio failed leaves one failure row of its route (with the
//! variations it asked for), and a request refused for the caller's own mistake leaves none.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use crate::generate_faults::{edit, generate, google_error, retry_info, square};
use crate::helpers::{request, send, signed_up};

/// `(action, status, details)` of every generation row, oldest first.
async fn rows(stack: &TestStack) -> Vec<(String, String, Value)> {
    let db = stack.db.client().await;
    let found = db
        .query(
            "select action, status, details from usage_logs where action in ('generate', 'edit', 'download')
              order by id",
            &[],
        )
        .await
        .unwrap();
    found.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect()
}

fn millis(details: &Value, name: &str) -> u64 {
    details[name].as_u64().unwrap_or_else(|| panic!("{name} in {details}"))
}

#[tokio::test]
async fn each_generated_and_edited_image_records_the_model_time_and_the_request_time() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    // The first model call is held 400 ms, the other variation's is not: the model's wall time is
    // the slower one.
    stack.faults.inject(Service::Gemini, Fault::Delay { millis: 400 }, 1);

    let made = generate(&stack, &siti, square(2)).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let source = made.data()["images"][0]["id"].clone();
    let edited = edit(&stack, &siti, json!({ "image_id": source, "instruction": "tambahkan bulan purnama" })).await;
    assert_eq!(edited.status, 201, "{}", edited.body);

    let rows = rows(&stack).await;
    let kinds: Vec<(&str, &str)> = rows.iter().map(|(a, s, _)| (a.as_str(), s.as_str())).collect();
    assert_eq!(kinds, vec![("generate", "success"), ("generate", "success"), ("edit", "success")]);
    for (action, _, details) in &rows {
        let (model, whole) = (millis(details, "model_ms"), millis(details, "request_ms"));
        assert!(model <= whole, "{action}: the model's time is part of the request's: {details}");
        assert!(whole < 60_000, "{action}: {details}");
    }
    assert!(millis(&rows[0].2, "model_ms") >= 400, "the held call: {}", rows[0].2);
    assert_eq!(rows[0].2, rows[1].2, "one request, one time for both of its images");
}

#[tokio::test]
async fn a_request_the_studio_failed_is_one_failure_row_of_its_route_and_the_callers_mistakes_none() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    // A Google project without image quota: one attempt per variation, no retry, both fail.
    let message = "You exceeded your current quota.\n* Quota exceeded for metric: \
                   generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0";
    stack.faults.inject(Service::Gemini, google_error(429, "RESOURCE_EXHAUSTED", message, retry_info("0.05s")), 2);

    let failed = generate(&stack, &siti, square(2)).await;
    let invalid = generate(&stack, &siti, json!({ "prompt": "", "variations": 2 })).await;
    let missing = edit(
        &stack,
        &siti,
        json!({ "image_id": "3b241101-e2bb-4255-8caf-4136c566a962",
                                              "instruction": "lebih terang" }),
    )
    .await;
    let url = format!("{}/api/gallery/3b241101-e2bb-4255-8caf-4136c566a962/download", stack.url);
    let not_found = send(request(Method::GET, &url, Some(&siti.access), None)).await;

    assert!(failed.status >= 500, "{}", failed.body);
    assert_eq!((invalid.status, missing.status, not_found.status), (400, 404, 404));
    let rows = rows(&stack).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (action, status, details) = &rows[0];
    assert_eq!((action.as_str(), status.as_str()), ("generate", "failure"));
    assert_eq!(details["failed"], 2, "both variations asked for failed: {details}");
    assert_eq!(details["code"], failed.error_code(), "{details}");
    assert!(details["request_ms"].is_u64(), "{details}");
}
