//! The object routes added to the stand-in, over raw HTTP, checked against Storage's
//! `src/http/routes/object/*`, `storage/object.ts`, `storage/uploader.ts` and its own tests
//! (`src/test/object.test.ts`): the rows it writes, multipart forms, move, copy, info, HEAD,
//! signed uploads, and who may delete.

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{call, read};
use crate::storage::{PNG, put};

pub(super) fn upload(stack: &TestStack, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new().post(format!("{}/storage/v1/object/{path}", stack.url))
}

pub(super) async fn row(stack: &TestStack, name: &str) -> Value {
    let sql = "select jsonb_build_object('id', id, 'owner', owner, 'owner_id', owner_id, 'version', version,
                      'metadata', metadata, 'user_metadata', user_metadata)
                 from storage.objects where bucket_id = 'images' and name = $1";
    stack.db.client().await.query_opt(sql, &[&name]).await.unwrap().map_or(Value::Null, |r| r.get(0))
}

#[tokio::test]
async fn move_keeps_the_row_and_refuses_an_existing_destination() {
    let stack = TestStack::start().await;
    put(&stack, "m/a.png", PNG).await;
    put(&stack, "taken.png", PNG).await;
    let service = stack.keys.service_key.clone();
    let id = row(&stack, "m/a.png").await["id"].clone();
    let r#move = |source: &str, destination: &str, bucket: Option<&str>| {
        let body = json!({ "bucketId": "images", "sourceKey": source, "destinationKey": destination, "destinationBucket": bucket });
        call(&stack, Method::POST, "/object/move", Some(&service), Some(body))
    };

    let moved = r#move("m/a.png", "n/b.png", None).await;
    assert_eq!(
        (moved.status, moved.json()),
        (200, json!({ "message": "Successfully moved", "Id": id, "Key": "n/b.png" }))
    );
    assert_eq!((row(&stack, "m/a.png").await, row(&stack, "n/b.png").await["id"].clone()), (Value::Null, id));
    let served = call(&stack, Method::GET, "/object/images/n/b.png", Some(&service), None).await;
    assert_eq!(served.bytes, PNG);

    r#move("n/b.png", "taken.png", None).await.assert_error("409", "ResourceAlreadyExists");
    r#move("gone.png", "x.png", None).await.assert_error("404", "NoSuchKey");
    r#move("n/b.png", "../x.png", None).await.assert_error("400", "InvalidKey");
    r#move("n/b.png", "x.png", Some("nope")).await.assert_error("404", "InvalidRequest");
    let anon = call(
        &stack,
        Method::POST,
        "/object/move",
        Some(&stack.keys.anon_key),
        Some(json!({ "bucketId": "images", "sourceKey": "n/b.png", "destinationKey": "y.png" })),
    )
    .await;
    anon.assert_error("404", "NoSuchKey");
    assert!(row(&stack, "n/b.png").await.is_object(), "a refused move moved the object");
}

#[tokio::test]
async fn copy_answers_the_new_row_and_can_replace_the_metadata() {
    let stack = TestStack::start().await;
    put(&stack, "c.png", PNG).await;
    let body = json!({ "bucketId": "images", "sourceKey": "c.png", "destinationKey": "d.png", "copyMetadata": false,
                       "metadata": { "mimetype": "image/webp", "cacheControl": "max-age=5" } });
    let request = reqwest::Client::new()
        .post(format!("{}/storage/v1/object/copy", stack.url))
        .bearer_auth(&stack.keys.service_key)
        .header("x-metadata", base64::engine::general_purpose::STANDARD.encode(br#"{"copied":true}"#))
        .json(&body);

    let copied = read(request).await.json();
    assert_eq!(
        (copied["Key"].as_str(), copied["name"].as_str(), copied["bucket_id"].as_str()),
        (Some("images/d.png"), Some("d.png"), Some("images"))
    );
    assert_eq!(copied["Id"], copied["id"]);
    assert_eq!(copied["metadata"]["mimetype"], "image/webp");
    let info = call(&stack, Method::GET, "/object/info/images/d.png", Some(&stack.keys.service_key), None).await.json();
    assert_eq!(
        (info["content_type"].as_str(), info["cache_control"].as_str()),
        (Some("image/webp"), Some("max-age=5"))
    );
    assert_eq!(info["metadata"], json!({ "copied": true }));
}

#[tokio::test]
async fn info_and_head_answer_the_record_to_whoever_may_read_it() {
    let stack = TestStack::start().await;
    put(&stack, "i.png", PNG).await;
    let service = stack.keys.service_key.clone();

    let info = call(&stack, Method::GET, "/object/info/images/i.png", Some(&service), None).await;
    assert_eq!(info.status, 200);
    let body = info.json();
    let mut keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let expected = [
        "bucket_id",
        "cache_control",
        "content_type",
        "created_at",
        "etag",
        "id",
        "last_modified",
        "metadata",
        "name",
        "size",
        "version",
    ];
    assert_eq!(keys, expected);
    assert_eq!(info.header("etag"), body["etag"].as_str().unwrap());
    call(&stack, Method::GET, "/object/info/images/i.png", None, None).await.assert_error("404", "NoSuchBucket");
    let invalid = call(&stack, Method::GET, "/object/info/images/i.png", Some("not-a-jwt"), None).await;
    invalid.assert_error("404", "NoSuchBucket");
    call(&stack, Method::GET, "/object/info/authenticated/images/i.png", None, None)
        .await
        .assert_error("403", "AccessDenied");
    call(&stack, Method::GET, "/object/info/images/j.png", Some(&service), None).await.assert_error("404", "NoSuchKey");
    call(&stack, Method::GET, "/object/info/images/i.png", Some(&stack.keys.anon_key), None)
        .await
        .assert_error("404", "NoSuchKey");

    let head = call(&stack, Method::HEAD, "/object/images/i.png", Some(&service), None).await;
    assert_eq!(
        (head.status, head.header("content-length"), head.bytes.len()),
        (200, PNG.len().to_string().as_str(), 0)
    );
    assert_eq!(head.header("content-type"), "image/png");
    let missing = call(&stack, Method::HEAD, "/object/images/j.png", Some(&service), None).await;
    assert_eq!((missing.status, missing.bytes.len()), (400, 0));
}

#[tokio::test]
async fn deleting_an_object_another_role_cannot_see_is_access_denied() {
    let stack = TestStack::start().await;
    put(&stack, "x.png", PNG).await;

    let anon = call(&stack, Method::DELETE, "/object/images/x.png", Some(&stack.keys.anon_key), None).await;
    anon.assert_error("403", "AccessDenied");
    assert_eq!(anon.json()["message"], "Access denied");
    assert!(row(&stack, "x.png").await.is_object(), "a refused delete removed the row");
    let removed = call(
        &stack,
        Method::DELETE,
        "/object/images",
        Some(&stack.keys.service_key),
        Some(json!({ "prefixes": ["x.png", "../y"] })),
    )
    .await;
    let removed = removed.json();
    assert_eq!((removed[0]["name"].as_str(), removed.as_array().map(Vec::len)), (Some("x.png"), Some(1)));
    assert_eq!(removed[0]["id"].as_str().map(str::len), Some(36));
}
