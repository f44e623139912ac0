//! The limits, checked before anything is charged or stored: a full account is told what to do
//! (409 STORAGE_FULL) by every route that would store more, the studio stops at 95 % of its plan
//! (503 STORAGE_EXHAUSTED), and twenty generations at once near the limit leave exact counters.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{assert_exact, counters, filler, save_version};
use crate::gallery::call;
use crate::generate_faults::{edit, generate, ledger, square};
use crate::helpers::{Answer, request, send, signed_up};

/// Asserts a 409 STORAGE_FULL that names both figures and says what to do.
fn assert_full(answer: &Answer, used: i64, limit: i64, what: &str) {
    assert_eq!((answer.status, answer.error_code()), (409, "STORAGE_FULL"), "{what}: {}", answer.body);
    assert_eq!(answer.body["error"]["details"], json!({ "usedBytes": used, "limitBytes": limit }), "{what}");
    let message = answer.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("delete images") && message.contains("unpublish"), "{what}: {message}");
    assert!(answer.header("retry-after").is_empty(), "{what}: waiting frees nothing");
}

#[tokio::test]
async fn a_full_account_is_refused_storage_full_with_nothing_charged_or_stored() {
    let stack = TestStack::start_with_env(&[("USER_STORAGE_LIMIT_BYTES", "1000")]).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let made = generate(&stack, &siti, square(1)).await;
    let image = made.data()["images"][0]["id"].as_str().expect("an id").to_owned();
    let (used, _) = counters(&stack, &siti).await;
    assert!(used > 1000, "one image takes the account past 1000 bytes: {used}");
    let ledger_before = ledger(&stack, &siti).await;

    let refused = [
        ("generate", generate(&stack, &siti, square(1)).await),
        ("edit", edit(&stack, &siti, json!({ "image_id": image, "instruction": "tambahkan bulan" })).await),
        ("version", save_version(&stack, &siti, &image).await),
        (
            "publish",
            call(&stack, Method::PATCH, &format!("/{image}"), Some(&siti.access), Some(json!({ "is_public": true })))
                .await,
        ),
        (
            "bulk publish",
            call(
                &stack,
                Method::POST,
                "/bulk",
                Some(&siti.access),
                Some(json!({ "ids": [image], "action": "publish" })),
            )
            .await,
        ),
    ];

    for (what, answer) in &refused {
        assert_full(answer, used, 1000, what);
    }
    assert_eq!(ledger(&stack, &siti).await, ledger_before, "no quota charged, no row, no object");
    assert_eq!(counters(&stack, &siti).await.0, used);
    let public: bool = stack
        .db
        .client()
        .await
        .query_one("select is_public from generated_images where id = $1::text::uuid", &[&image])
        .await
        .expect("the image")
        .get(0);
    assert!(!public, "not published");
    // Unpublishing, changing and deleting stay open: they are how a full account makes room.
    let title = json!({ "title": "Bulan" });
    call(&stack, Method::PATCH, &format!("/{image}"), Some(&siti.access), Some(title)).await.data();
    call(&stack, Method::DELETE, &format!("/{image}"), Some(&siti.access), None).await.data();
    assert_eq!(generate(&stack, &siti, square(1)).await.status, 201, "room again once the image is deleted");
    assert_exact(&stack, "after making room").await;
}

#[tokio::test]
async fn the_studio_stops_at_95_percent_of_the_plan_for_everyone() {
    let stack = TestStack::start_with_env(&[("STORAGE_LIMIT_BYTES", "1000000000")]).await;
    let (siti, budi) = (signed_up(&stack, "siti@example.com").await, signed_up(&stack, "budi@example.com").await);
    let made = generate(&stack, &siti, square(1)).await;
    let image = made.data()["images"][0]["id"].as_str().expect("an id").to_owned();
    let studio = counters(&stack, &siti).await.1;
    // Another account's earlier images take the studio to one byte under 95 %: still open.
    filler(&stack, &budi, 950_000_000 - 1 - studio).await;
    assert_eq!(generate(&stack, &siti, square(1)).await.status, 201, "under 95 %");
    assert!(counters(&stack, &siti).await.1 >= 950_000_000);
    let ledger_before = ledger(&stack, &siti).await;

    let refused = [
        ("generate", generate(&stack, &siti, square(1)).await),
        ("version", save_version(&stack, &siti, &image).await),
        (
            "publish",
            call(&stack, Method::PATCH, &format!("/{image}"), Some(&siti.access), Some(json!({ "is_public": true })))
                .await,
        ),
    ];

    for (what, answer) in &refused {
        assert_eq!((answer.status, answer.error_code()), (503, "STORAGE_EXHAUSTED"), "{what}: {}", answer.body);
        let message = answer.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("full for everyone") && message.contains("operator"), "{what}: {message}");
    }
    assert_eq!(ledger(&stack, &siti).await, ledger_before, "no quota charged, no row, no object");
    assert_exact(&stack, "at the studio's stop").await;
}

#[tokio::test]
async fn twenty_generations_at_once_near_the_limit_leave_the_counters_exact() {
    let limit: i64 = 50_000_000;
    let env = [
        ("USER_STORAGE_LIMIT_BYTES", "50000000"),
        ("GENERATE_RATE_PER_MINUTE", "100"),
        ("DATABASE_TIMEOUT_MS", "60000"),
    ];
    let stack = TestStack::start_with_env(&env).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let one = generate(&stack, &siti, square(1)).await;
    assert_eq!(one.status, 201, "{}", one.body);
    let image_bytes = counters(&stack, &siti).await.0;
    // Room for about three more images.
    filler(&stack, &siti, limit - image_bytes * 4 - 1).await;

    let url = format!("{}/api/generate", stack.url);
    let requests: Vec<_> =
        (0..20).map(|_| tokio::spawn(send(request(Method::POST, &url, Some(&siti.access), Some(square(1)))))).collect();
    let mut answers = Vec::new();
    for handle in requests {
        answers.push(handle.await.expect("a request task"));
    }

    let made = answers.iter().filter(|a| a.status == 201).count() as i64;
    for refused in answers.iter().filter(|a| a.status != 201) {
        assert_eq!((refused.status, refused.error_code()), (409, "STORAGE_FULL"), "{}", refused.body);
    }
    assert!(made >= 3, "at least the room there was: {made}");
    assert_exact(&stack, "after twenty at once").await;
    let used = counters(&stack, &siti).await.0;
    // Each request that passed the check stores one image: at most one image per request past.
    assert!(used < limit + made * image_bytes * 2, "{used} bytes for {made} images");
    let ledger = ledger(&stack, &siti).await;
    assert_eq!((ledger.daily_used as i64, ledger.images), (1 + made, 2 + made), "only stored images are charged");
}
