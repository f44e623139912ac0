//! Who may do what: one image with its versions for its owner; another user's image is "not
//! found" for every method (and stays as it was); API keys act within their gallery scopes.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{api_key, call, generated, ids, inserted, sql};
use crate::helpers::{request, send, signed_up};

#[tokio::test]
async fn an_image_shows_its_parent_and_its_children() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let parent = generated(&stack, &account, "kucing oren di atas genteng").await;
    let parent_id = parent["id"].as_str().unwrap();
    let edit = json!({ "image_id": parent_id, "instruction": "jadikan malam hari", "aspect_ratio": "1:1" });
    let edited =
        send(request(Method::POST, &format!("{}/api/generate/edit", stack.url), Some(&account.access), Some(edit)))
            .await;
    assert_eq!(edited.status, 201, "{}", edited.body);
    let child_id = edited.data()["images"][0]["id"].as_str().unwrap().to_owned();

    let parent = call(&stack, Method::GET, &format!("/{parent_id}"), Some(&account.access), None).await;
    let child = call(&stack, Method::GET, &format!("/{child_id}"), Some(&account.access), None).await;

    assert_eq!(parent.data()["versions"], json!({ "parent": null, "children": [child_id] }));
    assert_eq!(child.data()["versions"], json!({ "parent": parent_id, "children": [] }));
    assert_eq!(child.data()["parent_image_id"], parent_id);
    let original = reqwest::get(parent.data()["urls"]["original"].as_str().unwrap()).await.unwrap();
    assert_eq!(original.status(), 200, "the signed URL of the original does not serve it");
    for derivative in parent.data()["urls"]["derivatives"].as_array().unwrap() {
        let served = reqwest::get(derivative["url"].as_str().unwrap()).await.unwrap();
        assert_eq!(served.status(), 200, "{derivative}");
    }
}

#[tokio::test]
async fn another_users_image_is_not_found_for_every_method_even_when_public() {
    let stack = TestStack::start().await;
    let owner = signed_up(&stack, "siti@example.com").await;
    let stranger = signed_up(&stack, "budi@example.com").await;
    let image = inserted(&stack, &owner.id, "kucing oren", 1).await;
    sql(
        &stack,
        &format!(
            "update generated_images set is_public = true, published_at = now(), title = 'Milik Siti'
                           where id = '{image}'"
        ),
    )
    .await;
    let path = format!("/{image}");

    let answers = [
        ("GET", call(&stack, Method::GET, &path, Some(&stranger.access), None).await),
        (
            "PATCH",
            call(&stack, Method::PATCH, &path, Some(&stranger.access), Some(json!({ "title": "Punya Budi" }))).await,
        ),
        ("DELETE", call(&stack, Method::DELETE, &path, Some(&stranger.access), None).await),
    ];

    for (method, answer) in answers {
        assert_eq!((answer.status, answer.error_code()), (404, "NOT_FOUND"), "{method}: {}", answer.body);
    }
    let listed = call(&stack, Method::GET, "", Some(&stranger.access), None).await;
    assert_eq!(ids(&listed), Vec::<String>::new(), "the stranger lists the owner's image");
    let own = call(&stack, Method::GET, &path, Some(&owner.access), None).await;
    assert_eq!((own.data()["title"].as_str(), own.data()["is_public"].as_bool()), (Some("Milik Siti"), Some(true)));
}

#[tokio::test]
async fn api_keys_read_with_gallery_read_and_change_only_with_gallery_write() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = inserted(&stack, &account.id, "kucing oren", 1).await;
    let reader = api_key(&stack, &account, &["gallery:read"]).await;
    let generator = api_key(&stack, &account, &["generate"]).await;
    let path = format!("/{image}");

    let listed = call(&stack, Method::GET, "", Some(&reader), None).await;
    let one = call(&stack, Method::GET, &path, Some(&reader), None).await;
    let patched = call(&stack, Method::PATCH, &path, Some(&reader), Some(json!({ "is_favorite": true }))).await;
    let deleted = call(&stack, Method::DELETE, &path, Some(&reader), None).await;
    let unscoped = call(&stack, Method::GET, "", Some(&generator), None).await;
    let anonymous = call(&stack, Method::GET, "", None, None).await;

    assert_eq!(ids(&listed), vec![image.clone()]);
    assert_eq!(one.data()["id"], image.as_str());
    for (case, answer) in
        [("PATCH with read only", &patched), ("DELETE with read only", &deleted), ("list without read", &unscoped)]
    {
        assert_eq!((answer.status, answer.error_code()), (403, "FORBIDDEN"), "{case}: {}", answer.body);
    }
    assert_eq!((anonymous.status, anonymous.error_code()), (401, "UNAUTHORIZED"));
    let db = stack.db.client().await;
    let row = db.query_one("select is_favorite, count(*) over () from generated_images", &[]).await.unwrap();
    assert_eq!((row.get::<_, bool>(0), row.get::<_, i64>(1)), (false, 1), "a refused change took effect");
    let writer = api_key(&stack, &account, &["gallery:write"]).await;
    let written = call(&stack, Method::PATCH, &path, Some(&writer), Some(json!({ "is_favorite": true }))).await;
    assert_eq!(written.data()["is_favorite"], Value::Bool(true));
}
