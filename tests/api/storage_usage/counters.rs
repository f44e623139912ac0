//! The counters follow every write of an image row, in the same transaction: generate, edit, a
//! saved version, publish and unpublish (one and in bulk), delete, retention and account deletion.
//! The profile shows the account's figure and limit for the Dashboard.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{assert_exact, counters, save_version};
use crate::gallery::call;
use crate::generate_faults::{edit, generate, square};
use crate::helpers::{Account, PASSWORD, signed_up};

/// The account's bytes as the profile shows them (the Dashboard's figure), with its limit.
async fn shown(stack: &TestStack, account: &Account) -> (i64, i64) {
    let url = format!("{}/api/auth/profile", stack.url);
    let answer = crate::helpers::send(crate::helpers::request(Method::GET, &url, Some(&account.access), None)).await;
    let storage = &answer.data()["storage"];
    (storage["used_bytes"].as_i64().expect("used_bytes"), storage["limit_bytes"].as_i64().expect("limit_bytes"))
}

/// The bytes each stored object of `image` takes in Storage's catalogue.
async fn object_bytes(stack: &TestStack, image: &str) -> i64 {
    let db = stack.db.client().await;
    let query = "select coalesce(sum((o.metadata ->> 'size')::bigint), 0)::bigint from storage.objects o
                  where o.name like (select user_id::text || '/' || id::text || '/%' from generated_images
                                      where id = $1::text::uuid)";
    db.query_one(query, &[&image]).await.expect("the image's objects").get(0)
}

#[tokio::test]
async fn the_counters_follow_generate_edit_versions_publishing_and_deleting() {
    let stack = TestStack::start_with_env(&[("USER_STORAGE_LIMIT_BYTES", "250000000")]).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    assert_eq!(shown(&stack, &siti).await, (0, 250_000_000), "a new account");

    let made = generate(&stack, &siti, square(2)).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let first = made.data()["images"][0]["id"].as_str().expect("an id").to_owned();
    assert!(made.data()["images"][0].get("stored_bytes").is_none(), "bookkeeping is not answered");
    generate(&stack, &budi, square(1)).await.data();
    assert_exact(&stack, "after generating").await;
    let stored: i64 = stack
        .db
        .client()
        .await
        .query_one("select stored_bytes from generated_images where id = $1::text::uuid", &[&first])
        .await
        .expect("the row")
        .get(0);
    assert_eq!(stored, object_bytes(&stack, &first).await, "the row records every object of the image");
    assert!(stored > 0);

    let edited = edit(&stack, &siti, json!({ "image_id": first, "instruction": "jadikan malam hari" })).await;
    assert_eq!(edited.status, 201, "{}", edited.body);
    assert_exact(&stack, "after an edit").await;
    let version = save_version(&stack, &siti, &first).await;
    assert_eq!(version.status, 201, "{}", version.body);
    assert_exact(&stack, "after a saved version").await;

    let before = counters(&stack, &siti).await;
    let publish = json!({ "is_public": true });
    call(&stack, Method::PATCH, &format!("/{first}"), Some(&siti.access), Some(publish)).await.data();
    let after = counters(&stack, &siti).await;
    assert!(after.0 > before.0 && after.1 - before.1 == after.0 - before.0, "publishing adds its copies");
    assert_exact(&stack, "after publishing").await;
    call(&stack, Method::PATCH, &format!("/{first}"), Some(&siti.access), Some(json!({ "title": "Malam" })))
        .await
        .data();
    assert_eq!(counters(&stack, &siti).await, after, "a title moves no bytes");

    let ids: Vec<String> = stack
        .db
        .client()
        .await
        .query("select id::text from generated_images where user_id = $1::text::uuid", &[&siti.id])
        .await
        .expect("siti's images")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let bulk = |action: &str| json!({ "ids": ids, "action": action });
    call(&stack, Method::POST, "/bulk", Some(&siti.access), Some(bulk("publish"))).await.data();
    assert_exact(&stack, "after publishing in bulk").await;
    call(&stack, Method::PATCH, &format!("/{first}"), Some(&siti.access), Some(json!({ "is_public": false })))
        .await
        .data();
    assert_exact(&stack, "after unpublishing").await;
    call(&stack, Method::POST, "/bulk", Some(&siti.access), Some(bulk("unpublish"))).await.data();
    assert_exact(&stack, "after unpublishing in bulk").await;
    assert_eq!(shown(&stack, &siti).await.0, counters(&stack, &siti).await.0, "the Dashboard's figure");

    call(&stack, Method::DELETE, &format!("/{first}"), Some(&siti.access), None).await.data();
    assert_exact(&stack, "after deleting one").await;
    call(&stack, Method::POST, "/bulk", Some(&siti.access), Some(bulk("delete"))).await.data();
    assert_exact(&stack, "after deleting in bulk").await;
    assert_eq!(counters(&stack, &siti).await.0, 0, "nothing left of siti's");
    assert_eq!(shown(&stack, &siti).await.0, 0);
    assert!(counters(&stack, &budi).await.0 > 0, "budi's image stays counted");
}

#[tokio::test]
async fn retention_and_account_deletion_give_the_bytes_back() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    generate(&stack, &siti, square(2)).await.data();
    let kept = generate(&stack, &budi, square(1)).await;
    let kept = kept.data()["images"][0]["id"].as_str().expect("an id").to_owned();
    let due = generate(&stack, &budi, square(1)).await;
    let due = due.data()["images"][0]["id"].as_str().expect("an id").to_owned();
    let budi_before = counters(&stack, &budi).await.0;
    let due_bytes = object_bytes(&stack, &due).await;
    crate::cron::sql(
        &stack,
        &format!("update generated_images set created_at = now() - interval '100 days' where id = '{due}'"),
    )
    .await;

    crate::cron::run(&stack).await;

    assert_exact(&stack, "after retention").await;
    assert_eq!(counters(&stack, &budi).await.0, budi_before - due_bytes, "the due image's bytes are given back");
    let answer = crate::auth_account::call(
        &stack,
        Method::DELETE,
        "account",
        Some(&siti.access),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_exact(&stack, "after deleting an account").await;
    let (budi_bytes, studio) = counters(&stack, &budi).await;
    assert_eq!((budi_bytes, studio), (object_bytes(&stack, &kept).await, budi_bytes), "only budi's image is left");
}
