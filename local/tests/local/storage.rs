//! The library's Storage client against the Storage stand-in over real HTTP: every method, what
//! lands on disk, the typed errors, injected faults, and the product mapping to `ApiError`.
//! Also the helpers of `storage_standin`.

use std::time::Duration;

use serde_json::{Value, json};
use studio::ApiError;
use studio::supabase::{Storage, StorageError};
use studio_local::faults::{Fault, Service};
use studio_local::storage::object_file;
use studio_local::testing::TestStack;

pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really a picture";

pub fn storage(stack: &TestStack) -> &Storage {
    &stack.app.storage
}

/// Uploads `bytes` as a PNG into the private bucket, failing the test if Storage refuses.
pub async fn put(stack: &TestStack, path: &str, bytes: &[u8]) {
    let stored = storage(stack).upload("images", path, bytes.to_vec(), "image/png", "max-age=3600", false).await;
    stored.unwrap_or_else(|e| panic!("upload {path}: {e:?}"));
}

fn on_disk(stack: &TestStack, bucket: &str, path: &str) -> Option<Vec<u8>> {
    std::fs::read(object_file(&stack.storage_dir, bucket, path)).ok()
}

#[tokio::test]
async fn upload_stores_the_bytes_on_disk_and_download_returns_them_with_their_type() {
    let stack = TestStack::start().await;

    let stored = storage(&stack).upload("images", "u1/i1/original.png", PNG, "image/png", "max-age=3600", false).await;
    let downloaded = storage(&stack).download("images", "u1/i1/original.png").await.unwrap();

    let stored = stored.unwrap();
    assert_eq!(stored.key, "images/u1/i1/original.png");
    assert_eq!(stored.id.len(), 36, "not a uuid: {}", stored.id);
    assert_eq!(on_disk(&stack, "images", "u1/i1/original.png").as_deref(), Some(PNG));
    assert_eq!(downloaded.bytes.as_ref(), PNG);
    assert_eq!(downloaded.content_type, "image/png");
}

#[tokio::test]
async fn upload_without_upsert_refuses_an_existing_key_and_upsert_replaces_it_keeping_its_id() {
    let stack = TestStack::start().await;
    let first = storage(&stack).upload("images", "a.png", PNG, "image/png", "no-cache", false).await.unwrap();

    let again = storage(&stack).upload("images", "a.png", &b"second"[..], "image/png", "no-cache", false).await;
    assert!(matches!(again, Err(StorageError::AlreadyExists)), "{again:?}");
    assert_eq!(on_disk(&stack, "images", "a.png").as_deref(), Some(PNG), "refused upload changed the object");

    let replaced = storage(&stack).upload("images", "a.png", &b"second"[..], "image/webp", "no-cache", true).await;
    assert_eq!(replaced.unwrap().id, first.id);
    let downloaded = storage(&stack).download("images", "a.png").await.unwrap();
    assert_eq!((downloaded.bytes.as_ref(), downloaded.content_type.as_str()), (&b"second"[..], "image/webp"));
}

#[tokio::test]
async fn oversized_and_non_image_uploads_are_typed_errors_and_store_nothing() {
    let stack = TestStack::start().await;
    let too_big = vec![0u8; 10 * 1024 * 1024 + 1];

    let large = storage(&stack).upload("images", "big.png", too_big, "image/png", "no-cache", false).await;
    let gif = storage(&stack).upload("images", "x.gif", PNG, "image/gif", "no-cache", false).await;
    let at_limit =
        storage(&stack).upload("images", "max.png", vec![0u8; 10 * 1024 * 1024], "image/png", "no-cache", false).await;

    assert!(matches!(large, Err(StorageError::TooLarge)), "{large:?}");
    assert!(matches!(&gif, Err(StorageError::InvalidMime(m)) if m.contains("image/gif")), "{gif:?}");
    assert!(at_limit.is_ok(), "exactly the limit is allowed: {at_limit:?}");
    assert_eq!(on_disk(&stack, "images", "big.png"), None);
    assert_eq!(on_disk(&stack, "images", "x.gif"), None);
}

#[tokio::test]
async fn delete_removes_files_from_disk_and_reports_only_what_existed() {
    let stack = TestStack::start().await;
    put(&stack, "u/a.png", PNG).await;
    put(&stack, "u/b.png", PNG).await;

    let deleted = storage(&stack).delete("images", &["u/a.png", "u/b.png", "u/missing.png"]).await.unwrap();
    let again = storage(&stack).delete("images", &["u/a.png"]).await.unwrap();

    assert_eq!(deleted, ["u/a.png", "u/b.png"]);
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(on_disk(&stack, "images", "u/a.png"), None);
    assert!(!stack.storage_dir.join("objects/images/u").exists(), "the emptied folder is left behind");
    let missing = storage(&stack).download("images", "u/a.png").await;
    assert!(matches!(missing, Err(StorageError::NotFound(_))), "{missing:?}");
}

#[tokio::test]
async fn delete_sends_at_most_a_thousand_names_per_request() {
    let stack = TestStack::start().await;
    put(&stack, "first.png", PNG).await;
    put(&stack, "last.png", PNG).await;
    let mut names: Vec<String> = (0..2400).map(|i| format!("missing/{i}.png")).collect();
    names[0] = "first.png".into();
    names[2399] = "last.png".into();

    // The stand-in refuses more than 1000 names, as Storage does: only batching gets through.
    let deleted = storage(&stack).delete("images", &names).await.unwrap();

    assert_eq!(deleted, ["first.png", "last.png"]);
}

#[tokio::test]
async fn batch_signing_keeps_per_path_errors_and_the_urls_serve_the_objects() {
    let stack = TestStack::start().await;
    put(&stack, "u/i/w300.webp", PNG).await;

    let signed = storage(&stack).sign("images", &["u/i/w300.webp", "u/i/gone.webp"], Duration::from_secs(600)).await;

    let signed = signed.unwrap();
    assert_eq!(signed.len(), 2);
    assert_eq!(signed[1].path, "u/i/gone.webp");
    assert!(signed[1].url.as_ref().is_err_and(|e| e.contains("does not exist")), "{:?}", signed[1]);
    let url = signed[0].url.clone().unwrap();
    let prefix = format!("{}/storage/v1/object/sign/images/u/i/w300.webp?token=", stack.url);
    assert!(url.starts_with(&prefix), "{url}");
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("expires"), "signed downloads say when they expire");
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
}

#[tokio::test]
async fn keys_with_reserved_characters_round_trip_through_every_method() {
    let stack = TestStack::start().await;
    let key = "u/my image (1)?&=.png";

    put(&stack, key, PNG).await;
    let downloaded = storage(&stack).download("images", key).await.unwrap();
    let signed = storage(&stack).sign("images", &[key], Duration::from_secs(60)).await.unwrap();
    let copied = storage(&stack).copy("images", key, "public-images", key, false, None).await.unwrap();
    let public = reqwest::get(storage(&stack).public_url("public-images", key)).await.unwrap();

    assert_eq!(downloaded.bytes.as_ref(), PNG);
    assert_eq!(on_disk(&stack, "images", key).as_deref(), Some(PNG));
    let fetched = reqwest::get(signed[0].url.clone().unwrap()).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(copied.key, format!("public-images/{key}"));
    assert_eq!(public.status(), 200);
}

#[tokio::test]
async fn copy_into_the_public_bucket_gives_a_stable_public_url() {
    let stack = TestStack::start().await;
    put(&stack, "u/i/w800.webp", PNG).await;

    let copied = storage(&stack).copy("images", "u/i/w800.webp", "public-images", "i/w800.webp", false, None).await;

    assert_eq!(copied.unwrap().key, "public-images/i/w800.webp");
    let url = storage(&stack).public_url("public-images", "i/w800.webp");
    assert_eq!(url, format!("{}/storage/v1/object/public/public-images/i/w800.webp", stack.url));
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["cache-control"], "max-age=3600");
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);
    let fresh =
        storage(&stack).copy("images", "u/i/w800.webp", "public-images", "k/w800.webp", false, Some("max-age=300"));
    fresh.await.unwrap();
    let short = reqwest::get(storage(&stack).public_url("public-images", "k/w800.webp")).await.unwrap();
    assert_eq!(short.headers()["cache-control"], "max-age=300", "the copy's own Cache-Control, not the source's");
    assert_eq!(short.headers()["content-type"], "image/png", "the type is kept when not overridden");
    let private = reqwest::get(storage(&stack).public_url("images", "u/i/w800.webp")).await.unwrap();
    assert_eq!(private.status(), 400);
    let body: Value = private.json().await.unwrap();
    assert_eq!((body["statusCode"].as_str(), body["code"].as_str()), (Some("404"), Some("NoSuchBucket")), "{body}");
}

#[tokio::test]
async fn copy_refuses_an_existing_destination_without_upsert_and_a_missing_source() {
    let stack = TestStack::start().await;
    put(&stack, "a.png", PNG).await;
    put(&stack, "b.png", b"bee").await;

    let onto_existing = storage(&stack).copy("images", "a.png", "images", "b.png", false, None).await;
    let upserted = storage(&stack).copy("images", "a.png", "images", "b.png", true, None).await;
    let missing = storage(&stack).copy("images", "nope.png", "public-images", "nope.png", false, None).await;
    let no_bucket = storage(&stack).copy("images", "a.png", "no-such-bucket", "a.png", false, None).await;

    assert!(matches!(onto_existing, Err(StorageError::AlreadyExists)), "{onto_existing:?}");
    assert!(upserted.is_ok(), "{upserted:?}");
    assert_eq!(on_disk(&stack, "images", "b.png").as_deref(), Some(PNG));
    assert!(matches!(missing, Err(StorageError::NotFound(_))), "{missing:?}");
    assert!(matches!(no_bucket, Err(StorageError::NotFound(_))), "{no_bucket:?}");
}

#[tokio::test]
async fn a_wrong_service_key_is_unauthorized_and_an_internal_error_for_the_user() {
    let stack = TestStack::start().await;
    let mut vars = stack.function_env();
    vars.insert(0, ("SUPABASE_SERVICE_ROLE_KEY".into(), "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl".into()));
    let app = studio::App::new(studio_local::stack::app_config(&vars).unwrap());

    let refused = app.storage.upload("images", "a.png", PNG, "image/png", "no-cache", false).await;

    let err = refused.unwrap_err();
    assert!(matches!(&err, StorageError::Unauthorized(_)), "{err:?}");
    assert_eq!(ApiError::from(err).code(), "INTERNAL");
}

#[tokio::test]
async fn an_html_502_from_the_gateway_is_upstream_after_one_attempt() {
    let stack = TestStack::start().await;
    let html = Fault::Respond { status: 502, headers: vec![], body: "<html><h1>502 Bad Gateway</h1></html>".into() };
    stack.faults.inject(Service::Storage, html, 2);

    let err = storage(&stack).download("images", "a.png").await.unwrap_err();

    assert!(matches!(&err, StorageError::Upstream { status: 502, .. }), "{err:?}");
    assert_eq!(stack.faults.pending(Service::Storage), 1, "the client retried");
    let api = ApiError::from(err);
    assert_eq!((api.status().as_u16(), api.code()), (503, "UPSTREAM_UNAVAILABLE"));
    assert_eq!(api.retry_after_secs(), Some(5));
}

#[tokio::test]
async fn a_json_500_is_upstream() {
    let stack = TestStack::start().await;
    let body = json!({ "statusCode": "500", "code": "InternalError", "error": "internal", "message": "db down" });
    stack.faults.inject(Service::Storage, Fault::json(500, body), 1);

    let err = storage(&stack).sign("images", &["a.png"], Duration::from_secs(60)).await.unwrap_err();

    assert!(matches!(&err, StorageError::Upstream { status: 500, message } if message == "db down"), "{err:?}");
    assert_eq!(ApiError::from(err).code(), "UPSTREAM_UNAVAILABLE");
}

#[tokio::test]
async fn an_answer_slower_than_storage_timeout_ms_is_a_timeout() {
    let stack = TestStack::start_with_env(&[("STORAGE_TIMEOUT_MS", "300")]).await;
    stack.faults.inject(Service::Storage, Fault::Delay { millis: 1_500 }, 1);

    let started = std::time::Instant::now();
    let err = storage(&stack).download("images", "a.png").await.unwrap_err();

    assert!(matches!(err, StorageError::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(1_200), "waited {:?}", started.elapsed());
    assert_eq!(stack.faults.pending(Service::Storage), 0);
    let api = ApiError::from(err);
    assert_eq!((api.status().as_u16(), api.code()), (504, "UPSTREAM_TIMEOUT"));
}

#[tokio::test]
async fn a_connection_dropped_mid_answer_is_unreachable() {
    let stack = TestStack::start().await;
    stack.faults.inject(Service::Storage, Fault::Drop, 1);

    let err = storage(&stack).delete("images", &["a.png"]).await.unwrap_err();

    assert!(matches!(err, StorageError::Unreachable(_)), "{err:?}");
    assert_eq!(ApiError::from(err).code(), "UPSTREAM_UNAVAILABLE");
}

/// Storage's legacy bodies (HTTP 400, meaning in `statusCode`) → the typed error → what the user gets.
#[tokio::test]
async fn each_storage_error_body_maps_to_its_product_answer() {
    let stack = TestStack::start().await;
    let cases = [
        ("404", "NoSuchKey", "not_found", 404, "NOT_FOUND"),
        ("409", "KeyAlreadyExists", "Duplicate", 409, "CONFLICT"),
        ("413", "EntityTooLarge", "Payload too large", 413, "PAYLOAD_TOO_LARGE"),
        ("415", "InvalidMimeType", "invalid_mime_type", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("403", "AccessDenied", "Unauthorized", 500, "INTERNAL"),
        ("400", "InvalidKey", "InvalidKey", 500, "INTERNAL"),
    ];
    for (status_code, code, error, status, api_code) in cases {
        let body = json!({ "statusCode": status_code, "code": code, "error": error, "message": "m" });
        stack.faults.inject(Service::Storage, Fault::json(400, body), 1);

        let err = storage(&stack).upload("images", "a.png", PNG, "image/png", "no-cache", false).await.unwrap_err();

        let api = ApiError::from(err);
        assert_eq!((api.status().as_u16(), api.code()), (status, api_code), "{code}");
    }
}

#[tokio::test]
async fn a_success_body_that_is_not_storage_json_is_a_decode_error() {
    let stack = TestStack::start().await;
    let html = Fault::Respond { status: 200, headers: vec![], body: "<html>captive portal</html>".into() };
    stack.faults.inject(Service::Storage, html, 1);

    let err = storage(&stack).upload("images", "a.png", PNG, "image/png", "no-cache", false).await.unwrap_err();

    assert!(matches!(err, StorageError::Decode(_)), "{err:?}");
    assert_eq!(ApiError::from(err).code(), "INTERNAL");
}
