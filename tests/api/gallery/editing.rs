//! Editing an image: texts and tags normalised and limited, unknown fields named; publishing makes
//! public URLs that serve the image, unpublishing makes them stop and removes the copies.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{call, files_of, generated_at, inserted, refused_field};
use crate::helpers::signed_up;

#[tokio::test]
async fn a_change_is_normalised_stored_and_answered() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = inserted(&stack, &account.id, "kucing oren", 1).await;
    let change = json!({ "title": "  Kucing Oren  ", "alt_text": "Seekor kucing oranye tidur.",
                         "tags": [" Kucing", "BATIK", "kucing"], "is_favorite": true });

    let answer = call(&stack, Method::PATCH, &format!("/{image}"), Some(&account.access), Some(change)).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = answer.data();
    assert_eq!((&data["title"], &data["tags"]), (&json!("Kucing Oren"), &json!(["kucing", "batik"])));
    assert_eq!((&data["alt_text"], &data["is_favorite"]), (&json!("Seekor kucing oranye tidur."), &json!(true)));
    let db = stack.db.client().await;
    let row = db.query_one("select title, tags, is_favorite from generated_images", &[]).await.unwrap();
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some("Kucing Oren"));
    assert_eq!(row.get::<_, Vec<String>>(1), vec!["kucing", "batik"]);
    assert!(row.get::<_, bool>(2));
    let cleared =
        call(&stack, Method::PATCH, &format!("/{image}"), Some(&account.access), Some(json!({ "title": "" }))).await;
    assert_eq!(cleared.data()["title"], Value::Null);
}

#[tokio::test]
async fn a_bad_change_is_refused_naming_the_field_and_changes_nothing() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = inserted(&stack, &account.id, "kucing oren", 1).await;
    let thirty_one: Vec<String> = (0..31).map(|n| format!("tag {n}")).collect();
    let cases = [
        ("title too long", json!({ "title": "a".repeat(201), "is_favorite": true }), "title"),
        ("alt text too long", json!({ "alt_text": "a".repeat(1001) }), "alt_text"),
        ("31 tags", json!({ "tags": thirty_one }), "tags"),
        ("an empty tag", json!({ "tags": ["kucing", "  "] }), "tags[1]"),
        ("a tag too long", json!({ "tags": ["a".repeat(51)] }), "tags[0]"),
        ("tags not a list", json!({ "tags": "kucing" }), "tags"),
        ("favourite not a boolean", json!({ "is_favorite": "yes" }), "is_favorite"),
        ("show_prompt not a boolean", json!({ "show_prompt": 1 }), "show_prompt"),
        ("an unknown field", json!({ "title": "x", "user_id": account.id }), "user_id"),
        ("nothing to change", json!({}), "body"),
    ];
    for (case, body, field) in cases {
        let answer = call(&stack, Method::PATCH, &format!("/{image}"), Some(&account.access), Some(body)).await;
        assert_eq!(refused_field(&answer), field, "{case}");
    }
    let bad_id = call(&stack, Method::PATCH, "/kucing", Some(&account.access), Some(json!({ "title": "x" }))).await;
    assert_eq!(refused_field(&bad_id), "id");
    let db = stack.db.client().await;
    let row = db
        .query_one("select title is null and not is_favorite and tags = '{}' from generated_images", &[])
        .await
        .unwrap();
    assert!(row.get::<_, bool>(0), "a refused change took effect");
}

#[tokio::test]
async fn publishing_serves_public_urls_and_unpublishing_removes_them() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = generated_at(&stack, &account, "kucing oren di atas genteng", "high").await;
    let id = image["id"].as_str().unwrap();
    let private_files = files_of(&stack.storage_dir, id).len();
    let public_dir = stack.storage_dir.join("objects").join("public-images");

    let published =
        call(&stack, Method::PATCH, &format!("/{id}"), Some(&account.access), Some(json!({ "is_public": true }))).await;

    assert_eq!(published.status, 200, "{}", published.body);
    let urls = published.data()["public_urls"].as_object().unwrap().clone();
    let mut names: Vec<&str> = urls.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, vec!["150", "2048", "300", "800"], "one public URL per size, the original standing in for 1920");
    for (name, url) in &urls {
        let served = reqwest::get(url.as_str().unwrap()).await.unwrap();
        assert_eq!(served.status(), 200, "public {name} is not served: {url}");
    }
    // The original's XMP carries the prompt and seed: it never becomes public as such, and the
    // size it stands in for is published from its image data alone.
    let beside = urls["150"].as_str().unwrap().rsplit_once('/').unwrap().0.to_owned();
    for file in ["original.webp", "original.png"] {
        let original = reqwest::get(format!("{beside}/{file}")).await.unwrap();
        assert!(original.status().is_client_error(), "the original is public: {}", original.status());
    }
    let stand_in = reqwest::get(urls["2048"].as_str().unwrap()).await.unwrap().bytes().await.unwrap();
    assert!(!stand_in.windows(14).any(|w| w == b"kucing oren di"), "the prompt went public");
    assert_eq!(files_of(&public_dir, "").len(), 4, "no public copies on disk");
    let db = stack.db.client().await;
    let row = db.query_one("select is_public, published_at is not null from generated_images", &[]).await.unwrap();
    assert!(row.get::<_, bool>(0) && row.get::<_, bool>(1));

    let unpublished =
        call(&stack, Method::PATCH, &format!("/{id}"), Some(&account.access), Some(json!({ "is_public": false })))
            .await;

    assert_eq!(unpublished.status, 200, "{}", unpublished.body);
    assert_eq!(unpublished.data()["public_urls"], Value::Null);
    for (name, url) in &urls {
        let served = reqwest::get(url.as_str().unwrap()).await.unwrap();
        assert_ne!(served.status(), 200, "public {name} is still served after unpublishing");
    }
    assert_eq!(files_of(&stack.storage_dir, id).len(), private_files, "private objects changed");
    assert_eq!(files_of(&public_dir, ""), Vec::<std::path::PathBuf>::new(), "public copies left on disk");
    let row = db
        .query_one("select is_public, published_at is null and public_paths is null from generated_images", &[])
        .await
        .unwrap();
    assert!(!row.get::<_, bool>(0) && row.get::<_, bool>(1));
}
