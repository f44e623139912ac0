//! Deleting an image: its objects (private and published copies) and its row go, its collection
//! links with it; the prompt history stays. A storage failure keeps the row for a retry.

use reqwest::Method;
use serde_json::json;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{call, files_of, generated};
use crate::helpers::signed_up;

async fn counts(stack: &TestStack, id: &str) -> (i64, i64, i64) {
    let db = stack.db.client().await;
    let row = db
        .query_one(
            "select (select count(*) from generated_images where id::text = $1),
                    (select count(*) from collection_images where image_id::text = $1),
                    (select count(*) from prompt_history)",
            &[&id],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

#[tokio::test]
async fn deleting_leaves_no_object_and_no_row_but_keeps_the_prompt_history() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &account, "kucing oren di atas genteng").await;
    let id = image["id"].as_str().unwrap();
    let publish = json!({ "is_public": true });
    call(&stack, Method::PATCH, &format!("/{id}"), Some(&account.access), Some(publish)).await.data();
    stack.db.client().await.batch_execute(&format!(
        "insert into collections (id, user_id, name) values ('00000000-0000-4000-8000-00000000c011', '{}', 'Kucing');
         insert into collection_images (collection_id, image_id) values ('00000000-0000-4000-8000-00000000c011', '{id}');",
        account.id
    )).await.unwrap();
    assert_eq!(counts(&stack, id).await, (1, 1, 1));

    let answer = call(&stack, Method::DELETE, &format!("/{id}"), Some(&account.access), None).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(counts(&stack, id).await, (0, 0, 1), "row, collection link, prompt history");
    assert_eq!(files_of(&stack.storage_dir, id), Vec::<std::path::PathBuf>::new(), "objects left in storage");
    let again = call(&stack, Method::GET, &format!("/{id}"), Some(&account.access), None).await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn a_storage_failure_keeps_the_image_and_a_retry_deletes_it() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &account, "kucing oren di atas genteng").await;
    let id = image["id"].as_str().unwrap();
    let objects = files_of(&stack.storage_dir, id).len();
    let outage = json!({ "statusCode": "503", "error": "Service Unavailable", "message": "storage is down" });
    stack.faults.inject(Service::Storage, Fault::json(503, outage), 1);

    let failed = call(&stack, Method::DELETE, &format!("/{id}"), Some(&account.access), None).await;

    assert_eq!((failed.status, failed.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", failed.body);
    assert_eq!(stack.faults.pending(Service::Storage), 0);
    assert_eq!(counts(&stack, id).await.0, 1, "the row went although its objects stayed");
    assert_eq!(files_of(&stack.storage_dir, id).len(), objects);

    let retried = call(&stack, Method::DELETE, &format!("/{id}"), Some(&account.access), None).await;

    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(counts(&stack, id).await.0, 0);
    assert_eq!(files_of(&stack.storage_dir, id), Vec::<std::path::PathBuf>::new());
}
