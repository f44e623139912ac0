//! The object routes added to the stand-in, over raw HTTP, checked against Storage's
//! `src/http/routes/object/*`, `storage/object.ts`, `storage/uploader.ts` and its own tests
//! (`src/test/object.test.ts`): the rows it writes, multipart forms, move, copy, info, HEAD,
//! signed uploads, and who may delete.

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{call, now, read, token};
use crate::storage::{PNG, put};

const OWNER: &str = "0b8f5a3e-2c1d-4e6f-8a9b-7c6d5e4f3a2b";

fn upload(stack: &TestStack, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new().post(format!("{}/storage/v1/object/{path}", stack.url))
}

async fn row(stack: &TestStack, name: &str) -> Value {
    let sql = "select jsonb_build_object('id', id, 'owner', owner, 'owner_id', owner_id, 'version', version,
                      'metadata', metadata, 'user_metadata', user_metadata)
                 from storage.objects where bucket_id = 'images' and name = $1";
    stack.db.client().await.query_opt(sql, &[&name]).await.unwrap().map_or(Value::Null, |r| r.get(0))
}

#[tokio::test]
async fn uploads_write_their_storage_objects_row_as_storage_does() {
    let stack = TestStack::start().await;
    let as_owner = token(json!({ "role": "service_role", "sub": OWNER, "exp": now() + 60 }), &stack.keys.jwt_secret);
    let user_metadata = base64::engine::general_purpose::STANDARD.encode(br#"{"kind":"original"}"#);
    let first = upload(&stack, "images/r.png")
        .bearer_auth(&as_owner)
        .header("content-type", "image/png")
        .header("x-metadata", user_metadata)
        .body(PNG);
    let first = read(first).await.json();

    let stored = row(&stack, "r.png").await;
    assert_eq!((&stored["id"], &stored["owner"], &stored["owner_id"]), (&first["Id"], &json!(OWNER), &json!(OWNER)));
    assert_eq!(stored["user_metadata"], json!({ "kind": "original" }));
    let metadata = &stored["metadata"];
    assert_eq!(
        (metadata["size"].as_u64(), metadata["contentLength"].as_u64()),
        (Some(PNG.len() as u64), Some(PNG.len() as u64))
    );
    assert_eq!(
        (metadata["mimetype"].as_str(), metadata["cacheControl"].as_str()),
        (Some("image/png"), Some("no-cache"))
    );
    assert_eq!(metadata["httpStatusCode"], 200);
    assert!(metadata["eTag"].as_str().unwrap().starts_with('"') && metadata["lastModified"].is_string(), "{metadata}");

    let replace = upload(&stack, "images/r.png").bearer_auth(&stack.keys.service_key).header("x-upsert", "true");
    assert_eq!(read(replace.header("content-type", "image/png").body("second")).await.status, 200);
    let replaced = row(&stack, "r.png").await;
    assert_eq!(replaced["id"], stored["id"], "an overwrite keeps the row's id");
    assert!(replaced["version"].is_string() && replaced["version"] != stored["version"], "a new version per write");
    assert_eq!((&replaced["owner_id"], &replaced["user_metadata"]), (&Value::Null, &Value::Null));
}

/// One form part: field name, `(filename, type)` for a file, bytes.
type FormPart<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

fn form(parts: &[FormPart]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(b"--XyZ\r\n");
        match file {
            Some((filename, kind)) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {kind}\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--XyZ--\r\n");
    body
}

#[tokio::test]
async fn multipart_uploads_take_the_file_part_and_the_form_fields() {
    let stack = TestStack::start().await;
    let send = |path: &str, body: Vec<u8>| {
        let request = upload(&stack, path).bearer_auth(&stack.keys.service_key);
        read(request.header("content-type", "multipart/form-data; boundary=XyZ").body(body))
    };
    let fields: &[FormPart] =
        &[("cacheControl", None, b"60"), ("metadata", None, br#"{"n":1}"#), ("", Some(("blob", "image/png")), PNG)];

    assert_eq!(send("images/f.png", form(fields)).await.status, 200);
    let info = call(&stack, Method::GET, "/object/info/images/f.png", Some(&stack.keys.service_key), None).await.json();
    assert_eq!((info["size"].as_u64(), info["content_type"].as_str()), (Some(PNG.len() as u64), Some("image/png")));
    assert_eq!((info["cache_control"].as_str(), &info["metadata"]), (Some("max-age=60"), &json!({ "n": 1 })));

    let typed = &[("contentType", None, &b"image/webp"[..]), ("", Some(("blob", "application/octet-stream")), PNG)];
    assert_eq!(send("images/g.webp", form(typed)).await.status, 200);
    let info =
        call(&stack, Method::GET, "/object/info/images/g.webp", Some(&stack.keys.service_key), None).await.json();
    assert_eq!((info["content_type"].as_str(), info["cache_control"].as_str()), (Some("image/webp"), Some("no-cache")));

    send("images/h.png", form(&[("cacheControl", None, b"60")])).await.assert_error("400", "InvalidRequest");
    let gif = send("images/h.gif", form(&[("", Some(("x.gif", "image/gif")), PNG)])).await;
    gif.assert_error("415", "InvalidMimeType");
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
async fn signed_upload_tokens_are_scoped_bound_to_their_path_and_carry_upsert() {
    let stack = TestStack::start().await;
    let service = stack.keys.service_key.clone();
    let signed = call(&stack, Method::POST, "/object/upload/sign/images/s/a.png", Some(&service), None).await.json();
    let token = signed["token"].as_str().unwrap().to_owned();
    assert_eq!(signed["url"], format!("/object/upload/sign/images/s/a.png?token={token}"));
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(
        (&claims["url"], &claims["scope"], &claims["upsert"]),
        (&json!("images/s/a.png"), &json!("upload"), &json!(false))
    );
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 7200);

    let put_with = |path: &str, token: &str| {
        let url = format!("{}/storage/v1/object/upload/sign/images/{path}?token={token}", stack.url);
        read(reqwest::Client::new().put(url).header("content-type", "image/png").body(PNG))
    };
    let uploaded = put_with("s/a.png", &token).await;
    assert_eq!((uploaded.status, uploaded.json()), (200, json!({ "Key": "images/s/a.png" })));
    put_with("s/a.png", &token).await.assert_error("409", "KeyAlreadyExists");
    put_with("s/b.png", &token).await.assert_error("400", "InvalidSignature");
    let download =
        call(&stack, Method::POST, "/object/sign/images/s/a.png", Some(&service), Some(json!({ "expiresIn": 60 })))
            .await;
    let download_token = download.json()["signedURL"].as_str().unwrap().split("token=").nth(1).unwrap().to_owned();
    let wrong = put_with("s/a.png", &download_token).await;
    wrong.assert_error("400", "InvalidSignature");
    assert_eq!(wrong.json()["message"], "Token is not scoped for upload");
    let as_download =
        call(&stack, Method::GET, &format!("/object/sign/images/s/a.png?token={token}"), None, None).await;
    assert_eq!(as_download.json()["message"], "Token is not scoped for download");
    let expired = super::token(
        json!({ "url": "images/s/a.png", "scope": "upload", "upsert": true, "exp": now() - 10 }),
        &stack.keys.jwt_secret,
    );
    put_with("s/a.png", &expired).await.assert_error("400", "InvalidJWT");

    call(&stack, Method::POST, "/object/upload/sign/images/s/a.png", Some(&service), None)
        .await
        .assert_error("409", "KeyAlreadyExists");
    call(&stack, Method::POST, "/object/upload/sign/nope/a.png", Some(&service), None)
        .await
        .assert_error("404", "NoSuchBucket");
    call(&stack, Method::POST, "/object/upload/sign/images/t.png", Some(&stack.keys.anon_key), None)
        .await
        .assert_error("403", "AccessDenied");
    let upsert = reqwest::Client::new()
        .post(format!("{}/storage/v1/object/upload/sign/images/s/a.png", stack.url))
        .bearer_auth(&service)
        .header("x-upsert", "true");
    let upsert_token = read(upsert).await.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(put_with("s/a.png", &upsert_token).await.status, 200);
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
