//! The Storage stand-in's own behaviour over raw HTTP, checked against what Supabase Storage
//! documents (shared/reference/supabase.md §4): error shape, auth, signed-URL tokens, download
//! headers, key validation, buckets, list, and routes it does not implement; the bucket routes
//! and the newer object routes in the submodules.

mod buckets;
mod objects;
mod signed;
mod uploads;

use jsonwebtoken::{EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::stack::LOCAL_JWT_SECRET;
use studio_local::storage::object_file;
use studio_local::testing::TestStack;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::storage::{PNG, put};

/// A response, read whole.
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|_| panic!("JSON, got {}", String::from_utf8_lossy(&self.bytes)))
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// The legacy error: HTTP 400 with the meaning in the body.
    fn assert_error(&self, status_code: &str, code: &str) {
        let body = self.json();
        assert_eq!(self.status, 400, "{body}");
        assert_eq!((body["statusCode"].as_str(), body["code"].as_str()), (Some(status_code), Some(code)), "{body}");
        assert!(body["error"].is_string() && body["message"].is_string(), "{body}");
    }
}

/// One request to `/storage/v1{path}` with `token` as the bearer (`None`: no credentials).
async fn call(stack: &TestStack, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    let mut request = reqwest::Client::new().request(method, format!("{}/storage/v1{path}", stack.url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    read(request).await
}

async fn read(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("the stand-in answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Reply { status, headers, bytes: response.bytes().await.unwrap().to_vec() }
}

fn token(claims: Value, secret: &str) -> String {
    jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn errors_use_the_legacy_shape_with_http_400() {
    let stack = TestStack::start().await;
    let service = stack.keys.service_key.clone();

    let missing = call(&stack, Method::GET, "/object/images/nope.png", Some(&service), None).await;
    let no_bucket = call(&stack, Method::GET, "/object/nope/a.png", Some(&service), None).await;

    missing.assert_error("404", "NoSuchKey");
    assert_eq!(missing.json()["message"], "Object not found");
    assert_eq!(missing.json()["error"], "not_found");
    no_bucket.assert_error("404", "NoSuchBucket");
}

#[tokio::test]
async fn only_the_service_role_reads_or_writes_private_objects() {
    let stack = TestStack::start().await;
    put(&stack, "a.png", PNG).await;
    let user = token(
        json!({ "sub": "11111111-1111-1111-1111-111111111111", "role": "authenticated", "aud": "authenticated", "exp": now() + 600 }),
        LOCAL_JWT_SECRET,
    );
    let forged = token(json!({ "role": "service_role", "exp": now() + 600 }), "another-secret");

    let as_user = call(&stack, Method::GET, "/object/authenticated/images/a.png", Some(&user), None).await;
    let as_anon = call(&stack, Method::GET, "/object/images/a.png", Some(&stack.keys.anon_key), None).await;
    let without = call(&stack, Method::GET, "/object/images/a.png", None, None).await;
    // `GET /object/{bucket}/{path}` reads an invalid JWT as none.
    let invalid = call(&stack, Method::GET, "/object/images/a.png", Some("not-a-jwt"), None).await;
    let upload_as_user = read(
        reqwest::Client::new()
            .post(format!("{}/storage/v1/object/images/b.png", stack.url))
            .bearer_auth(&user)
            .header("content-type", "image/png")
            .body(PNG),
    )
    .await;
    let upload_forged = call(&stack, Method::POST, "/object/images/b.png", Some(&forged), None).await;
    let sign_without =
        call(&stack, Method::POST, "/object/sign/images", None, Some(json!({ "expiresIn": 60, "paths": ["a.png"] })))
            .await;

    as_user.assert_error("404", "NoSuchKey");
    as_anon.assert_error("404", "NoSuchKey");
    without.assert_error("404", "NoSuchBucket");
    invalid.assert_error("404", "NoSuchBucket");
    upload_as_user.assert_error("403", "AccessDenied");
    assert_eq!(upload_as_user.json()["message"], "new row violates row-level security policy");
    upload_forged.assert_error("403", "AccessDenied");
    assert_eq!(upload_forged.json()["message"], "signature verification failed");
    sign_without.assert_error("403", "AccessDenied");
    assert!(object_file(&stack.storage_dir, "images", "b.png").metadata().is_err());
}

#[tokio::test]
async fn downloads_carry_storage_headers_conditional_and_range_answers() {
    let stack = TestStack::start().await;
    put(&stack, "a.png", PNG).await;
    let url = format!("{}/storage/v1/object/images/a.png", stack.url);
    let get = || reqwest::Client::new().get(&url).bearer_auth(&stack.keys.service_key);

    let full = read(get()).await;
    let etag = full.header("etag").to_owned();
    let cached = read(get().header("if-none-match", &etag)).await;
    let range = read(get().header("range", "bytes=0-3")).await;
    let beyond = read(get().header("range", "bytes=9999-")).await;
    let named = read(
        reqwest::Client::new().get(format!("{url}?download=my%20picture.png")).bearer_auth(&stack.keys.service_key),
    )
    .await;
    let bare = read(reqwest::Client::new().get(format!("{url}?download")).bearer_auth(&stack.keys.service_key)).await;

    assert_eq!(full.status, 200);
    assert_eq!(full.header("content-type"), "image/png");
    assert_eq!(full.header("content-length"), PNG.len().to_string());
    assert_eq!(full.header("cache-control"), "max-age=3600");
    assert!(etag.starts_with('"') && etag.len() == 34, "an MD5 ETag: {etag}");
    assert!(httpdate::parse_http_date(full.header("last-modified")).is_ok());
    assert_eq!(full.header("accept-ranges"), "bytes");
    assert_eq!(cached.status, 304);
    assert!(cached.bytes.is_empty());
    assert_eq!(
        (range.status, range.header("content-range"), &range.bytes[..]),
        (206, &*format!("bytes 0-3/{}", PNG.len()), &PNG[..4])
    );
    assert_eq!(beyond.status, 416);
    assert_eq!(
        named.header("content-disposition"),
        "attachment; filename=my%20picture.png; filename*=UTF-8''my%20picture.png"
    );
    assert_eq!(bare.header("content-disposition"), "attachment;");
    assert_eq!(full.bytes, PNG);
}

#[tokio::test]
async fn keys_that_could_leave_the_bucket_folder_are_invalid() {
    let stack = TestStack::start().await;
    put(&stack, "a.png", PNG).await;
    let service = stack.keys.service_key.clone();

    for key in ["../escape.png", "a/../../escape.png", "/abs.png", "a//b.png", "caf\u{e9}.png", ""] {
        let copy =
            json!({ "bucketId": "images", "sourceKey": "a.png", "destinationBucket": "images", "destinationKey": key });
        let reply = call(&stack, Method::POST, "/object/copy", Some(&service), Some(copy)).await;
        reply.assert_error("400", "InvalidKey");
    }
    let deleted =
        call(&stack, Method::DELETE, "/object/images", Some(&service), Some(json!({ "prefixes": ["../a.png"] }))).await;
    assert_eq!(deleted.json(), json!([]));
    // A raw request: URL libraries resolve `..` (even as %2E%2E) before sending.
    let raw = raw_request(&stack, "POST /storage/v1/object/images/x/%2E%2E/%2E%2E/escape.png").await;
    assert!(raw.starts_with("HTTP/1.1 400"), "{raw}");
    assert!(raw.contains("InvalidKey"), "{raw}");
    assert!(!stack.storage_dir.join("escape.png").exists() && !stack.storage_dir.join("objects/escape.png").exists());
}

async fn raw_request(stack: &TestStack, request_line: &str) -> String {
    let address = stack.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{request_line} HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {}\r\ncontent-type: image/png\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi",
        stack.keys.service_key
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn list_returns_one_level_below_the_prefix_with_folders_and_files() {
    let stack = TestStack::start().await;
    for key in ["u/a/1.png", "u/a/2.png", "u/b/x.png", "u/top.png", "v/other.png"] {
        put(&stack, key, PNG).await;
    }
    let service = stack.keys.service_key.clone();
    let list = |body: Value| call(&stack, Method::POST, "/object/list/images", Some(&service), Some(body));

    let top = list(json!({ "prefix": "u" })).await.json();
    let nested = list(json!({ "prefix": "U/A/", "sortBy": { "column": "name", "order": "desc" } })).await.json();
    let paged = list(json!({ "prefix": "u", "limit": 1, "offset": 1 })).await.json();
    let searched = list(json!({ "prefix": "u", "search": "to" })).await.json();

    let names =
        |v: &Value| v.as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(names(&top), ["a", "b", "top.png"]);
    assert!(top[0]["id"].is_null() && top[0]["metadata"].is_null(), "folders have no record: {}", top[0]);
    assert_eq!(top[2]["metadata"]["mimetype"], "image/png");
    assert_eq!(top[2]["metadata"]["size"], PNG.len());
    assert_eq!(names(&nested), ["2.png", "1.png"]);
    assert_eq!(names(&paged), ["b"]);
    assert_eq!(names(&searched), ["top.png"]);
}

#[tokio::test]
async fn single_delete_answers_a_message_and_then_no_such_key() {
    let stack = TestStack::start().await;
    put(&stack, "a.png", PNG).await;
    let service = stack.keys.service_key.clone();

    let first = call(&stack, Method::DELETE, "/object/images/a.png", Some(&service), None).await;
    let second = call(&stack, Method::DELETE, "/object/images/a.png", Some(&service), None).await;

    assert_eq!((first.status, first.json()), (200, json!({ "message": "Successfully deleted" })));
    second.assert_error("404", "NoSuchKey");
}

#[tokio::test]
async fn what_the_stand_in_does_not_implement_is_refused_plainly() {
    let stack = TestStack::start().await;
    let service = stack.keys.service_key.clone();
    put(&stack, "a.png", PNG).await;

    let list_v2 = call(&stack, Method::POST, "/object/list-v2/images", Some(&service), Some(json!({}))).await;
    let resumable = call(&stack, Method::POST, "/upload/resumable", Some(&service), None).await;
    let transformed = call(
        &stack,
        Method::POST,
        "/object/sign/images/a.png",
        Some(&service),
        Some(json!({ "expiresIn": 60, "transform": { "width": 10 } })),
    )
    .await;
    let render = call(&stack, Method::GET, "/render/image/public/public-images/a.png?width=100", None, None).await;

    for (case, reply) in [("list-v2", &list_v2), ("resumable", &resumable), ("transform", &transformed)] {
        reply.assert_error("400", "InvalidRequest");
        assert!(reply.json()["message"].as_str().unwrap().contains("not implemented"), "{case}: {}", reply.json());
    }
    assert_eq!((render.status, render.json()["code"].as_str()), (403, Some("FeatureNotEnabled")));
}
