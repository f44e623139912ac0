//! `/api/gallery/collections`: create, list with counts, rename, describe, cover, publish, delete
//! (images stay), add and remove images, list a collection's images through the gallery; private to
//! their owner.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{api_key, call, generated, ids, refused_field};
use crate::helpers::signed_up;

fn id_of(answer: &crate::helpers::Answer) -> String {
    answer.data()["id"].as_str().unwrap_or_else(|| panic!("no id: {}", answer.body)).to_owned()
}

#[tokio::test]
async fn a_collection_gathers_images_that_stay_when_it_is_deleted() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let first = generated(&stack, &siti, "kucing oren").await["id"].as_str().unwrap().to_owned();
    let second = generated(&stack, &siti, "sawah senja").await["id"].as_str().unwrap().to_owned();
    let body = json!({ "name": "Favorit", "description": "yang paling bagus" });
    let created = call(&stack, Method::POST, "/collections", Some(&siti.access), Some(body)).await;
    let id = id_of(&created);

    let added = call(
        &stack,
        Method::POST,
        &format!("/collections/{id}/images"),
        Some(&siti.access),
        Some(json!({ "image_ids": [first, second, first] })),
    )
    .await;
    let listed = call(&stack, Method::GET, &format!("?collection={id}"), Some(&siti.access), None).await;
    let removed = call(
        &stack,
        Method::DELETE,
        &format!("/collections/{id}/images"),
        Some(&siti.access),
        Some(json!({ "image_ids": [first] })),
    )
    .await;
    let covered = call(
        &stack,
        Method::PATCH,
        &format!("/collections/{id}"),
        Some(&siti.access),
        Some(json!({ "name": "Terbaik", "cover_image_id": second, "is_public": true })),
    )
    .await;
    let all = call(&stack, Method::GET, "/collections", Some(&siti.access), None).await;
    let deleted = call(&stack, Method::DELETE, &format!("/collections/{id}"), Some(&siti.access), None).await;
    let gallery = call(&stack, Method::GET, "", Some(&siti.access), None).await;

    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!((created.data()["name"].as_str(), created.data()["image_count"].as_i64()), (Some("Favorit"), Some(0)));
    assert_eq!(added.data()["image_count"], 2, "a repeated id is added once");
    let mut listed_ids = ids(&listed);
    listed_ids.sort();
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(listed_ids, expected, "the gallery lists the collection's images");
    assert_eq!(removed.data()["image_count"], 1);
    assert_eq!((covered.data()["name"].as_str(), covered.data()["is_public"].as_bool()), (Some("Terbaik"), Some(true)));
    assert_eq!(covered.data()["cover_image_id"].as_str(), Some(second.as_str()));
    assert_eq!(all.data().as_array().unwrap().len(), 1);
    assert_eq!(deleted.data()["deleted"], true);
    assert_eq!(ids(&gallery).len(), 2, "deleting a collection keeps its images");
}

#[tokio::test]
async fn collection_input_is_checked_field_by_field() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let budis = generated(&stack, &budi, "rumah joglo").await["id"].as_str().unwrap().to_owned();
    let id = id_of(
        &call(&stack, Method::POST, "/collections", Some(&siti.access), Some(json!({ "name": "Perjalanan" }))).await,
    );
    let too_many: Vec<String> = (0..101).map(|i| format!("00000000-0000-4000-8000-{i:012}")).collect();
    let cases: Vec<(&str, Method, String, Value, &str)> = vec![
        ("no name", Method::POST, "/collections".into(), json!({ "description": "x" }), "name"),
        ("blank name", Method::POST, "/collections".into(), json!({ "name": "  " }), "name"),
        ("long name", Method::POST, "/collections".into(), json!({ "name": "n".repeat(101) }), "name"),
        ("unknown field", Method::POST, "/collections".into(), json!({ "name": "a", "owner": "b" }), "owner"),
        (
            "another user's cover",
            Method::PATCH,
            format!("/collections/{id}"),
            json!({ "cover_image_id": budis }),
            "cover_image_id",
        ),
        ("nothing to change", Method::PATCH, format!("/collections/{id}"), json!({}), "body"),
        (
            "another user's image",
            Method::POST,
            format!("/collections/{id}/images"),
            json!({ "image_ids": [budis] }),
            "image_ids",
        ),
        ("no images", Method::POST, format!("/collections/{id}/images"), json!({ "image_ids": [] }), "image_ids"),
        (
            "too many images",
            Method::POST,
            format!("/collections/{id}/images"),
            json!({ "image_ids": too_many }),
            "image_ids",
        ),
        ("malformed id", Method::GET, "/collections/not-a-uuid".into(), Value::Null, "id"),
    ];
    for (case, method, path, body, field) in cases {
        let body = (!body.is_null()).then_some(body);
        let answer = call(&stack, method, &path, Some(&siti.access), body).await;
        assert_eq!(refused_field(&answer), field, "{case}");
    }
    let duplicate =
        call(&stack, Method::POST, "/collections", Some(&siti.access), Some(json!({ "name": "Perjalanan" }))).await;
    assert_eq!((duplicate.status, duplicate.error_code()), (409, "CONFLICT"));
}

#[tokio::test]
async fn another_users_collection_is_not_found_and_keys_need_their_scopes() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let id = id_of(
        &call(&stack, Method::POST, "/collections", Some(&siti.access), Some(json!({ "name": "Pribadi" }))).await,
    );
    let read_only = api_key(&stack, &siti, &["gallery:read"]).await;

    let budi_list = call(&stack, Method::GET, "/collections", Some(&budi.access), None).await;
    let mut budi_statuses = Vec::new();
    for (method, path, body) in [
        (Method::GET, format!("/collections/{id}"), None),
        (Method::PATCH, format!("/collections/{id}"), Some(json!({ "name": "diambil" }))),
        (Method::DELETE, format!("/collections/{id}"), None),
    ] {
        budi_statuses.push(call(&stack, method, &path, Some(&budi.access), body).await.status);
    }
    let key_list = call(&stack, Method::GET, "/collections", Some(&read_only), None).await;
    let key_create = call(&stack, Method::POST, "/collections", Some(&read_only), Some(json!({ "name": "x" }))).await;
    let still = call(&stack, Method::GET, &format!("/collections/{id}"), Some(&siti.access), None).await;

    assert!(budi_list.data().as_array().unwrap().is_empty());
    assert_eq!(budi_statuses, vec![404, 404, 404]);
    assert_eq!(key_list.status, 200);
    assert_eq!((key_create.status, key_create.error_code()), (403, "FORBIDDEN"));
    assert_eq!(still.data()["name"], "Pribadi", "another user changed it");
}
