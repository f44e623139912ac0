//! The bucket routes over raw HTTP, checked against Storage's `src/http/routes/bucket/*` and its
//! own tests (`src/test/bucket.test.ts`): create, get, list options, update, empty, delete.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::storage::object_file;
use studio_local::testing::TestStack;

use super::{call, now, read, token};
use crate::storage::{PNG, put};

async fn create(stack: &TestStack, body: Value) -> super::Reply {
    call(stack, Method::POST, "/bucket", Some(&stack.keys.service_key), Some(body)).await
}

#[tokio::test]
async fn create_records_the_owner_and_validates_names_limits_and_types() {
    let stack = TestStack::start().await;
    let owner = "6f1c3a52-6b55-4b8e-9d0a-3f3c1d2e4b5a";
    let as_owner = token(json!({ "role": "service_role", "sub": owner, "exp": now() + 60 }), &stack.keys.jwt_secret);

    let made = call(
        &stack,
        Method::POST,
        "/bucket",
        Some(&as_owner),
        Some(json!({ "name": "owned", "file_size_limit": "1.5KB" })),
    )
    .await;
    assert_eq!((made.status, made.json()), (200, json!({ "name": "owned" })));
    let row = stack
        .db
        .client()
        .await
        .query_one("select owner::text, owner_id, file_size_limit, public from storage.buckets where id = 'owned'", &[])
        .await
        .unwrap();
    let (owner_uuid, owner_id): (Option<String>, Option<String>) = (row.get(0), row.get(1));
    assert_eq!((owner_uuid.as_deref(), owner_id.as_deref()), (Some(owner), Some(owner)));
    assert_eq!((row.get::<_, i64>(2), row.get::<_, bool>(3)), (1500, false));

    create(&stack, json!({ "name": " lead" })).await.assert_error("400", "InvalidBucketName");
    create(&stack, json!({ "name": "x--table-s3" })).await.assert_error("400", "InvalidBucketName");
    create(&stack, json!({ "public": true })).await.assert_error("400", "InvalidRequest");
    let unit = create(&stack, json!({ "name": "u", "file_size_limit": "5XB" })).await;
    unit.assert_error("400", "InvalidRequest");
    assert!(unit.json()["message"].as_str().unwrap().contains("20MB"), "{}", unit.json());
    create(&stack, json!({ "name": "u", "file_size_limit": "100GB" })).await.assert_error("413", "EntityTooLarge");
    let mime = create(&stack, json!({ "name": "u", "allowed_mime_types": ["image"] })).await;
    mime.assert_error("415", "InvalidMimeType");
    assert_eq!(mime.json()["message"], "mime type image is not supported");
    let anon = call(&stack, Method::POST, "/bucket", Some(&stack.keys.anon_key), Some(json!({ "name": "u" }))).await;
    anon.assert_error("403", "AccessDenied");
    let count =
        stack.db.client().await.query_one("select count(*) from storage.buckets where id = 'u'", &[]).await.unwrap();
    assert_eq!(count.get::<_, i64>(0), 0, "a refused bucket was created");
}

#[tokio::test]
async fn list_takes_limit_offset_sort_and_search_and_get_renders_the_row() {
    let stack = TestStack::start().await;
    for name in ["pick-a", "pick-b", "pick-c"] {
        assert_eq!(create(&stack, json!({ "name": name })).await.status, 200);
    }
    let service = stack.keys.service_key.clone();
    let get = |path: &'static str, key: String| {
        let stack = &stack;
        async move { call(stack, Method::GET, path, Some(&key), None).await }
    };

    let page = get("/bucket?search=PICK&sortColumn=name&sortOrder=desc&limit=1&offset=1", service.clone()).await.json();
    assert_eq!(page.as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!((page[0]["id"].as_str(), page[0]["type"].as_str()), (Some("pick-b"), Some("STANDARD")));
    get("/bucket?limit=0", service.clone()).await.assert_error("400", "InvalidRequest");
    get("/bucket?offset=-1", service.clone()).await.assert_error("400", "InvalidRequest");
    get("/bucket?sortColumn=owner", service.clone()).await.assert_error("400", "InvalidRequest");

    let one = get("/bucket/images", service.clone()).await.json();
    let mut keys: Vec<&str> = one.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let expected =
        ["allowed_mime_types", "created_at", "file_size_limit", "id", "name", "owner", "public", "updated_at"];
    assert_eq!(keys, expected);
    assert_eq!((one["file_size_limit"].as_i64(), one["public"].as_bool()), (Some(10_485_760), Some(false)));
    // No policies on storage.buckets: other roles see none.
    assert_eq!(get("/bucket", stack.keys.anon_key.clone()).await.json(), json!([]));
    get("/bucket/images", stack.keys.anon_key.clone()).await.assert_error("404", "NoSuchBucket");
}

#[tokio::test]
async fn update_changes_only_what_the_body_names() {
    let stack = TestStack::start().await;
    let body = json!({ "name": "edit", "file_size_limit": 100, "allowed_mime_types": ["image/png"] });
    assert_eq!(create(&stack, body).await.status, 200);
    let service = stack.keys.service_key.clone();
    let update = |id: &'static str, key: String, body: Value| {
        let stack = &stack;
        async move { call(stack, Method::PUT, &format!("/bucket/{id}"), Some(&key), Some(body)).await }
    };
    let row = || async {
        let sql = "select public, file_size_limit, allowed_mime_types from storage.buckets where id = 'edit'";
        let row = stack.db.client().await.query_one(sql, &[]).await.unwrap();
        (row.get::<_, bool>(0), row.get::<_, Option<i64>>(1), row.get::<_, Option<Vec<String>>>(2))
    };

    let public = update("edit", service.clone(), json!({ "public": true })).await;
    assert_eq!((public.status, public.json()), (200, json!({ "message": "Successfully updated" })));
    assert_eq!(row().await, (true, Some(100), Some(vec!["image/png".to_owned()])));
    update("edit", service.clone(), json!({ "file_size_limit": null, "allowed_mime_types": null })).await;
    assert_eq!(row().await, (true, None, None));

    update("edit", service.clone(), json!({})).await.assert_error("400", "InvalidRequest");
    update("edit", service.clone(), json!({ "file_size_limit": "100GB" })).await.assert_error("413", "EntityTooLarge");
    update("edit", service.clone(), json!({ "allowed_mime_types": ["png"] }))
        .await
        .assert_error("415", "InvalidMimeType");
    update("nope", service.clone(), json!({ "public": true })).await.assert_error("404", "NoSuchBucket");
    update("edit", stack.keys.anon_key.clone(), json!({ "public": false })).await.assert_error("404", "NoSuchBucket");
    assert_eq!(row().await, (true, None, None), "a refused update changed the bucket");
}

#[tokio::test]
async fn delete_needs_an_empty_bucket_and_empty_is_for_the_service_role_only() {
    let stack = TestStack::start().await;
    assert_eq!(create(&stack, json!({ "name": "bin" })).await.status, 200);
    let service = stack.keys.service_key.clone();
    let upload = reqwest::Client::new()
        .post(format!("{}/storage/v1/object/bin/a/b.png", stack.url))
        .bearer_auth(&service)
        .header("content-type", "image/png")
        .body(PNG);
    assert_eq!(upload.send().await.unwrap().status(), 200);
    put(&stack, "kept.png", PNG).await;

    call(&stack, Method::DELETE, "/bucket/bin", Some(&service), None).await.assert_error("409", "ResourceNotEmpty");
    let anon = call(&stack, Method::POST, "/bucket/bin/empty", Some(&stack.keys.anon_key), None).await;
    assert_eq!((anon.status, anon.json()["code"].as_str()), (403, Some("AccessDenied")));
    assert_eq!(anon.json()["message"], "Access denied: Invalid role");
    call(&stack, Method::POST, "/bucket/bin/empty", None, None).await.assert_error("403", "AccessDenied");
    call(&stack, Method::POST, "/bucket/nope/empty", Some(&service), None).await.assert_error("404", "NoSuchBucket");

    let emptied = call(&stack, Method::POST, "/bucket/bin/empty", Some(&service), None).await;
    let queued = "Empty bucket has been queued. Completion may take up to an hour.";
    assert_eq!((emptied.status, emptied.json()), (200, json!({ "message": queued })));
    assert!(!object_file(&stack.storage_dir, "bin", "a/b.png").exists());
    assert!(object_file(&stack.storage_dir, "images", "kept.png").exists(), "another bucket was emptied");
    let rows =
        stack.db.client().await.query_one("select count(*) from storage.objects where bucket_id = 'bin'", &[]).await;
    assert_eq!(rows.unwrap().get::<_, i64>(0), 0);

    let anon = call(&stack, Method::DELETE, "/bucket/bin", Some(&stack.keys.anon_key), None).await;
    anon.assert_error("404", "NoSuchBucket");
    let deleted = call(&stack, Method::DELETE, "/bucket/bin", Some(&service), Some(json!({}))).await;
    assert_eq!((deleted.status, deleted.json()), (200, json!({ "message": "Successfully deleted" })));
    call(&stack, Method::DELETE, "/bucket/bin", Some(&service), None).await.assert_error("404", "NoSuchBucket");
    call(&stack, Method::GET, "/bucket/bin", Some(&service), None).await.assert_error("404", "NoSuchBucket");
}

#[tokio::test]
async fn buckets_come_from_the_database_and_new_ones_apply_their_limits() {
    let stack = TestStack::start().await;
    let service = stack.keys.service_key.clone();
    let bucket =
        json!({ "name": "avatars", "public": true, "file_size_limit": "1KB", "allowed_mime_types": ["image/*"] });

    let created = call(&stack, Method::POST, "/bucket", Some(&service), Some(bucket.clone())).await;
    let again = call(&stack, Method::POST, "/bucket", Some(&service), Some(bucket)).await;
    let invalid = call(&stack, Method::POST, "/bucket", Some(&service), Some(json!({ "name": "a/b" }))).await;
    let listed = call(&stack, Method::GET, "/bucket", Some(&service), None).await;

    assert_eq!((created.status, created.json()), (200, json!({ "name": "avatars" })));
    again.assert_error("409", "BucketAlreadyExists");
    invalid.assert_error("400", "InvalidBucketName");
    let listed = listed.json();
    let names: Vec<&str> = listed.as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert!(names.contains(&"images") && names.contains(&"public-images") && names.contains(&"avatars"), "{names:?}");
    let row = stack
        .db
        .client()
        .await
        .query_one("select file_size_limit, public from storage.buckets where id = 'avatars'", &[])
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, bool>(1)), (1000, true));
    let upload = |size: usize, mime: &'static str| {
        reqwest::Client::new()
            .post(format!("{}/storage/v1/object/avatars/x", stack.url))
            .bearer_auth(&stack.keys.service_key)
            .header("content-type", mime)
            .body(vec![0u8; size])
    };
    read(upload(1001, "image/gif")).await.assert_error("413", "EntityTooLarge");
    read(upload(10, "text/plain")).await.assert_error("415", "InvalidMimeType");
    assert_eq!(read(upload(1000, "image/gif")).await.status, 200);
}
