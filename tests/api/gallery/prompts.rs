//! `/api/gallery/prompts`: the prompt history, pinned first then most recent, searchable, pinnable,
//! deletable, surviving the deletion of its images, and private to its owner.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{api_key, call, generated};
use crate::helpers::signed_up;

fn prompts_of(answer: &crate::helpers::Answer) -> Vec<String> {
    answer.data().as_array().unwrap().iter().map(|p| p["prompt"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn history_lists_each_prompt_once_most_recent_first_with_its_use_count() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    generated(&stack, &siti, "kucing oren di atas batik").await;
    generated(&stack, &siti, "sunset over rice terraces").await;
    generated(&stack, &siti, "kucing oren di atas batik").await;

    let answer = call(&stack, Method::GET, "/prompts", Some(&siti.access), None).await;

    assert_eq!(prompts_of(&answer), vec!["kucing oren di atas batik", "sunset over rice terraces"]);
    assert_eq!(answer.data()[0]["use_count"], 2);
    assert_eq!(answer.data()[0]["aspect_ratio"], "1:1");
}

#[tokio::test]
async fn history_is_searched_pinned_and_deleted() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    generated(&stack, &siti, "kucing oren di atas batik").await;
    generated(&stack, &siti, "sunset over rice terraces").await;
    let listed = call(&stack, Method::GET, "/prompts", Some(&siti.access), None).await;
    let older = listed.data()[1]["id"].as_str().unwrap().to_owned();

    let searched = call(&stack, Method::GET, "/prompts?q=KUCING", Some(&siti.access), None).await;
    let pinned = call(
        &stack,
        Method::PATCH,
        &format!("/prompts/{older}"),
        Some(&siti.access),
        Some(json!({ "is_pinned": true })),
    )
    .await;
    let after_pin = call(&stack, Method::GET, "/prompts", Some(&siti.access), None).await;
    let deleted = call(&stack, Method::DELETE, &format!("/prompts/{older}"), Some(&siti.access), None).await;
    let after_delete = call(&stack, Method::GET, "/prompts", Some(&siti.access), None).await;

    assert_eq!(prompts_of(&searched), vec!["kucing oren di atas batik"]);
    assert_eq!(pinned.data()["is_pinned"], true);
    assert_eq!(prompts_of(&after_pin)[0], "kucing oren di atas batik", "a pinned prompt comes first");
    assert_eq!(deleted.data()["deleted"], true);
    assert_eq!(prompts_of(&after_delete), vec!["sunset over rice terraces"]);
}

#[tokio::test]
async fn history_survives_deleting_the_image_it_made() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &siti, "kucing oren di atas batik").await;

    let removed =
        call(&stack, Method::DELETE, &format!("/{}", image["id"].as_str().unwrap()), Some(&siti.access), None).await;
    let answer = call(&stack, Method::GET, "/prompts", Some(&siti.access), None).await;

    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(prompts_of(&answer), vec!["kucing oren di atas batik"]);
}

#[tokio::test]
async fn another_users_prompt_is_not_found_and_keys_need_their_scopes() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    generated(&stack, &siti, "kucing oren di atas batik").await;
    let listed = call(&stack, Method::GET, "/prompts", Some(&siti.access), None).await;
    let id = listed.data()[0]["id"].as_str().unwrap().to_owned();
    let read_only = api_key(&stack, &siti, &["gallery:read"]).await;

    let budi_list = call(&stack, Method::GET, "/prompts", Some(&budi.access), None).await;
    let budi_pin =
        call(&stack, Method::PATCH, &format!("/prompts/{id}"), Some(&budi.access), Some(json!({ "is_pinned": true })))
            .await;
    let budi_delete = call(&stack, Method::DELETE, &format!("/prompts/{id}"), Some(&budi.access), None).await;
    let key_list = call(&stack, Method::GET, "/prompts", Some(&read_only), None).await;
    let key_delete = call(&stack, Method::DELETE, &format!("/prompts/{id}"), Some(&read_only), None).await;
    let bad_id = call(&stack, Method::DELETE, "/prompts/not-a-uuid", Some(&siti.access), None).await;
    let bad_limit = call(&stack, Method::GET, "/prompts?limit=0", Some(&siti.access), None).await;

    assert!(budi_list.data().as_array().unwrap().is_empty());
    assert_eq!((budi_pin.status, budi_delete.status), (404, 404));
    assert_eq!(key_list.status, 200);
    assert_eq!((key_delete.status, key_delete.error_code()), (403, "FORBIDDEN"));
    assert_eq!((bad_id.status, bad_id.body["error"]["details"]["field"].as_str()), (400, Some("id")));
    assert_eq!((bad_limit.status, bad_limit.body["error"]["details"]["field"].as_str()), (400, Some("limit")));
    let still = call(&stack, Method::GET, "/prompts", Some(&siti.access), None).await;
    assert_eq!(still.data()[0]["is_pinned"], false, "another user changed it");
}
