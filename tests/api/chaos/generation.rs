//! Generation under outages: a generation or an edit killed at any step of the database, Storage
//! or Redis charges nothing and keeps no object or row; the quota read fails cleanly.

use reqwest::Method;
use serde_json::json;
use studio_local::faults::Service::{Postgrest, Redis, Storage};
use studio_local::testing::TestStack;

use super::{Case, for_each};
use crate::gallery::generated;
use crate::helpers::signed_up;

#[tokio::test]
async fn a_generation_killed_at_any_step_charges_nothing_and_keeps_nothing() {
    let stack = TestStack::start_with_private_redis(&[]).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let body = json!({ "prompt": "perahu nelayan di pantai", "aspect_ratio": "1:1" });

    for_each(&stack, &[Postgrest, Storage, Redis], || async {
        Case::new("POST /api/generate", Method::POST, "/api/generate", Some(&siti.access)).json(body.clone())
    })
    .await;
}

#[tokio::test]
async fn a_generation_with_an_idempotency_key_killed_at_any_step_is_all_or_nothing() {
    let stack = TestStack::start_with_private_redis(&[]).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let body = json!({ "prompt": "pasar terapung", "aspect_ratio": "1:1" });
    let mut attempt = 0;

    for_each(&stack, &[Postgrest, Storage, Redis], || {
        attempt += 1;
        let case = Case::new("POST /api/generate (Idempotency-Key)", Method::POST, "/api/generate", Some(&siti.access))
            .header("idempotency-key", format!("chaos-{attempt}"))
            .json(body.clone());
        async move { case }
    })
    .await;
}

#[tokio::test]
async fn an_edit_killed_at_any_step_charges_nothing_and_keeps_nothing() {
    let stack = TestStack::start_with_private_redis(&[]).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let source = generated(&stack, &siti, "rumah panggung").await["id"].as_str().unwrap().to_owned();
    let body = json!({ "image_id": source, "instruction": "tambahkan pelangi", "aspect_ratio": "1:1" });

    for_each(&stack, &[Postgrest, Storage, Redis], || async {
        Case::new("POST /api/generate/edit", Method::POST, "/api/generate/edit", Some(&siti.access)).json(body.clone())
    })
    .await;
}

#[tokio::test]
async fn the_quota_read_fails_cleanly_without_its_database() {
    let stack = TestStack::start_with_private_redis(&[]).await;
    let siti = signed_up(&stack, "siti@example.com").await;

    for_each(&stack, &[Postgrest], || async {
        Case::new("GET /api/generate/quota", Method::GET, "/api/generate/quota", Some(&siti.access))
    })
    .await;
}
