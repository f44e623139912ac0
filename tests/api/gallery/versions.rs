//! Saving an edit made in the browser as a new version: stored like a generated image (original
//! with its parameters as PNG text, WebP derivatives), recorded with its parent, free of quota;
//! bad bodies and queries named, other users' images hidden, nothing left behind by a failure.

use std::io::Cursor;

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{api_key, call, count, fetch, files_of, generated, original, refused_field};
use crate::generate_faults::{PASS, quota, stored_objects};
use crate::helpers::{Account, Answer, send, signed_up};

/// An opaque `width` x `height` PNG with a gradient, as a canvas would export it.
fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut bytes = Vec::new();
    picture.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

/// `POST /api/gallery/{image}/versions{query}` with `body` sent as `content_type`.
async fn save(stack: &TestStack, bearer: &str, image: &str, query: &str, content_type: &str, body: Vec<u8>) -> Answer {
    let url = format!("{}/api/gallery/{image}/versions{query}", stack.url);
    let mut request = reqwest::Client::new().post(url).bearer_auth(bearer).body(body);
    if !content_type.is_empty() {
        request = request.header(CONTENT_TYPE, content_type);
    }
    send(request).await
}

fn without_urls(mut image: Value) -> Value {
    image["urls"] = Value::Null;
    image
}

#[tokio::test]
async fn an_edit_is_stored_as_a_new_version_of_its_parent_without_charging_quota() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let parent = generated(&stack, &account, "kucing oren di atas genteng").await;
    let parent_id = parent["id"].as_str().unwrap();
    let quota_before = quota(&stack, &account).await;

    let query = "?edits=crop+4%3A3%2C+rotate+90%C2%B0%2C+grayscale";
    let answer = save(&stack, &account.access, parent_id, query, "image/png", png(1000, 750)).await;

    assert_eq!(answer.status, 201, "{}", answer.body);
    let data = answer.data();
    let id = data["id"].as_str().unwrap();
    assert_eq!(data["parent_image_id"], parent_id);
    assert_eq!(data["versions"], json!({ "parent": parent_id, "children": [] }));
    assert_eq!((&data["width"], &data["height"]), (&json!(1000), &json!(750)));
    assert_eq!(data["parameters"]["prompt"], "kucing oren di atas genteng");
    assert_eq!(
        (&data["parameters"]["aspect_ratio"], &data["parameters"]["model"]),
        (&json!("4:3"), &json!("client-edit"))
    );
    let sizes: Vec<(u64, u64)> = data["urls"]["derivatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["width"].as_u64().unwrap(), d["height"].as_u64().unwrap()))
        .collect();
    assert_eq!(sizes, [(150, 113), (300, 225), (800, 600)], "a 1000 px version keeps its 800 px size");
    assert!(data["urls"]["original"].is_string(), "{}", data);
    let shown = call(&stack, Method::GET, &format!("/{id}"), Some(&account.access), None).await;
    assert_eq!(without_urls(shown.data().clone()), without_urls(data.clone()), "answered as GET shows it");

    let row = stack
        .db
        .client()
        .await
        .query_one(
            "select parent_image_id::text, prompt, model, bytes from generated_images where id::text = $1",
            &[&id],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), parent_id);
    assert_eq!(
        (row.get::<_, String>(1), row.get::<_, String>(2)),
        ("kucing oren di atas genteng".into(), "client-edit".into())
    );
    let stored = original(&stack, id).await;
    assert_eq!(row.get::<_, i64>(3), stored.len() as i64);
    // The stored WebP's XMP, read back as the PNG download's text.
    let download = fetch(&stack, Method::GET, &format!("/{id}/download"), Some(&account.access), None).await;
    let text = studio::imaging::read_png_metadata(&download.bytes().await.unwrap());
    let value = |key: &str| text.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    assert_eq!(value("edits"), Some("crop 4:3, rotate 90°, grayscale"));
    assert_eq!((value("prompt"), value("parent_image_id")), (Some("kucing oren di atas genteng"), Some(parent_id)));
    let folder = format!("{}/{id}", account.id);
    let object =
        |file: &str| studio_local::storage::object_file(&stack.storage_dir, "images", &format!("{folder}/{file}"));
    let mut files = files_of(&stack.storage_dir.join("objects"), id);
    files.sort();
    let expected: Vec<_> = ["original.webp", "w150.webp", "w300.webp", "w800.webp"].map(object).into();
    assert_eq!(files, expected, "the generator's layout");
    for (width, height) in [(150, 113), (300, 225), (800, 600)] {
        let webp = std::fs::read(object(&format!("w{width}.webp"))).unwrap();
        let decoded = image::load_from_memory_with_format(&webp, image::ImageFormat::WebP);
        let decoded = decoded.expect("a WebP derivative");
        assert_eq!((decoded.width(), decoded.height()), (width, height));
    }
    assert_eq!(quota(&stack, &account).await, quota_before, "no quota charged");
    let parent_shown = call(&stack, Method::GET, &format!("/{parent_id}"), Some(&account.access), None).await;
    assert_eq!(parent_shown.data()["versions"]["children"], json!([id]));
}

#[tokio::test]
async fn another_users_image_or_a_missing_one_is_not_found_and_nothing_is_stored() {
    let stack = TestStack::start().await;
    let owner = signed_up(&stack, "siti@example.com").await;
    let other = signed_up(&stack, "budi@example.com").await;
    let image = generated(&stack, &owner, "kucing oren").await;
    let before = stored_objects(&stack);

    for (case, id) in
        [("another user's", image["id"].as_str().unwrap()), ("a missing", "6f1c1b52-8d63-4b5e-9a57-0d1f2f0b7c11")]
    {
        let answer = save(&stack, &other.access, id, "", "image/png", png(200, 200)).await;
        assert_eq!((answer.status, answer.error_code()), (404, "NOT_FOUND"), "{case} image: {}", answer.body);
    }

    assert_eq!(stored_objects(&stack), before, "no object stored");
    assert_eq!(count(&stack, "select count(*) from generated_images").await, 1);
}

#[tokio::test]
async fn bad_input_is_refused_naming_what_was_wrong_and_nothing_is_stored() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &account, "kucing oren").await;
    let id = image["id"].as_str().unwrap();
    let before = stored_objects(&stack);
    let mut truncated = png(300, 300);
    truncated.truncate(truncated.len() / 2);
    let cases = [
        ("63 px wide", "", png(63, 300), "body"),
        ("4097 px tall", "", png(64, 4097), "body"),
        ("not a PNG", "", b"GIF89a, not a PNG".to_vec(), "body"),
        ("a PNG cut in half", "", truncated, "body"),
        ("edits of 201 characters", &*format!("?edits={}", "a".repeat(201)), png(200, 200), "edits"),
        ("edits with a control character", "?edits=crop%0Arotate", png(200, 200), "edits"),
        ("an id that is no UUID", "", png(200, 200), "id"),
    ];
    for (case, query, body, field) in cases {
        let target = if field == "id" { "kucing" } else { id };
        let answer = save(&stack, &account.access, target, query, "image/png", body).await;
        assert_eq!(refused_field(&answer), field, "{case}");
    }

    for (case, content_type) in [("JPEG", "image/jpeg"), ("JSON", "application/json"), ("none", "")] {
        let answer = save(&stack, &account.access, id, "", content_type, png(200, 200)).await;
        assert_eq!((answer.status, answer.error_code()), (415, "UNSUPPORTED_MEDIA_TYPE"), "{case}");
        let named = if content_type.is_empty() { "no content type" } else { content_type };
        assert!(answer.body["error"]["message"].as_str().unwrap().contains(named), "{case}: {}", answer.body);
    }
    let too_large = save(&stack, &account.access, id, "", "image/png", vec![0; 4 * 1024 * 1024 + 1]).await;
    assert_eq!((too_large.status, too_large.error_code()), (413, "PAYLOAD_TOO_LARGE"), "{}", too_large.body);

    assert_eq!(stored_objects(&stack), before, "no object stored");
    assert_eq!(count(&stack, "select count(*) from generated_images").await, 1);
}

#[tokio::test]
async fn a_failed_upload_deletes_every_object_of_the_version_and_records_nothing() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &account, "kucing oren").await;
    let before = stored_objects(&stack);
    let down = json!({ "statusCode": "503", "error": "Service Unavailable", "message": "storage is down" });
    stack.faults.inject(Service::Storage, PASS, 2);
    stack.faults.inject(Service::Storage, Fault::json(503, down), 1);

    let answer = save(&stack, &account.access, image["id"].as_str().unwrap(), "", "image/png", png(1000, 1000)).await;

    assert_eq!((answer.status, answer.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", answer.body);
    assert_eq!(stack.faults.pending(Service::Storage), 0, "the third upload was reached");
    assert_eq!(stored_objects(&stack), before, "the uploaded objects were deleted");
    assert_eq!(count(&stack, "select count(*) from generated_images").await, 1, "no row recorded");
}

#[tokio::test]
async fn an_api_key_without_gallery_write_is_forbidden() {
    let stack = TestStack::start().await;
    let account: Account = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &account, "kucing oren").await;
    let reader = api_key(&stack, &account, &["gallery:read"]).await;

    let answer = save(&stack, &reader, image["id"].as_str().unwrap(), "", "image/png", png(200, 200)).await;

    assert_eq!((answer.status, answer.error_code()), (403, "FORBIDDEN"), "{}", answer.body);
    assert_eq!(count(&stack, "select count(*) from generated_images").await, 1);
}
