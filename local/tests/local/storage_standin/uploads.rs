//! Uploads over raw HTTP: the `storage.objects` row each writes (storage `database/pg.ts`
//! `upsertObject`: owner, owner_id, version, metadata, user_metadata) and `multipart/form-data`
//! forms (storage `uploader.ts fileUploadFromRequest`).

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::objects::{row, upload};
use super::{call, now, read, token};
use crate::storage::PNG;

const OWNER: &str = "0b8f5a3e-2c1d-4e6f-8a9b-7c6d5e4f3a2b";

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
