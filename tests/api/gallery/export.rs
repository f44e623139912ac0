//! Exports: a streamed ZIP with every original byte for byte under a unique, safe name and a
//! `metadata.json` describing each; caps on count and size named by field; a storage failure
//! before the first byte is a clean error, after it an aborted transfer, never a ZIP that looks whole.

use std::io::{Cursor, Read};

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{api_key, call, fetch, generated, inserted, original, refused_field, sql};
use crate::helpers::signed_up;

const COLLECTION: &str = "00000000-0000-4000-8000-00000000c011";

/// The archive's entries, name and bytes, in order (the reader checks each CRC-32).
pub(super) fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).expect("a readable ZIP");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            assert_eq!(entry.compression(), zip::CompressionMethod::Stored);
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

async fn export_rows(stack: &TestStack) -> Vec<Value> {
    let rows = stack
        .db
        .client()
        .await
        .query("select details from usage_logs where action = 'export' and status = 'success'", &[])
        .await
        .unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test]
async fn an_export_holds_every_original_byte_for_byte_and_describes_each() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let mut ids = Vec::new();
    for prompt in ["Kucing oren di atas genteng", "Perahu di Danau Toba", "kucing oren di atas genteng"] {
        ids.push(generated(&stack, &siti, prompt).await["id"].as_str().unwrap().to_owned());
    }
    let change = json!({ "title": "Senja 🌅", "tags": ["danau", "senja"], "alt_text": "Perahu kayu saat senja." });
    call(&stack, Method::PATCH, &format!("/{}", ids[1]), Some(&siti.access), Some(change)).await.data();

    let response = fetch(&stack, Method::POST, "/export", Some(&siti.access), Some(json!({ "ids": ids }))).await;

    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert_eq!(header("content-type"), "application/zip");
    assert!(header("content-disposition").starts_with("attachment; filename=\"ai-image-studio-export-"));
    assert_eq!(header("transfer-encoding"), "chunked", "streamed as it is made");
    let archive = entries(&response.bytes().await.unwrap());
    let names: Vec<&str> = archive.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["metadata.json", "Kucing-oren-di-atas-genteng.webp", "Senja.webp", "kucing-oren-di-atas-genteng-2.webp"]
    );
    for (id, (name, bytes)) in ids.iter().zip(&archive[1..]) {
        assert_eq!(*bytes, original(&stack, id).await, "{name} differs from the stored original");
    }
    let metadata: Value = serde_json::from_slice(&archive[0].1).unwrap();
    assert_eq!(metadata["count"], 3);
    let described = metadata["images"].as_array().unwrap();
    let files: Vec<&str> = described.iter().map(|d| d["file"].as_str().unwrap()).collect();
    assert_eq!(files, &names[1..]);
    let senja = &described[1];
    assert_eq!(
        (&senja["id"], &senja["title"], &senja["tags"]),
        (&json!(ids[1]), &json!("Senja 🌅"), &json!(["danau", "senja"]))
    );
    assert_eq!(
        (&senja["prompt"], &senja["alt_text"]),
        (&json!("Perahu di Danau Toba"), &json!("Perahu kayu saat senja."))
    );
    assert_eq!(senja["parameters"]["aspect_ratio"], "1:1");
    assert!(senja["parameters"]["model"].is_string() && senja["created_at"].is_string() && senja["width"] == 1024);
    let logged = export_rows(&stack).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["images"], 3);
}

#[tokio::test]
async fn a_collection_exports_in_its_order() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let a = generated(&stack, &siti, "Kucing oren").await["id"].as_str().unwrap().to_owned();
    let b = generated(&stack, &siti, "Perahu").await["id"].as_str().unwrap().to_owned();
    generated(&stack, &siti, "Tidak ikut").await;
    sql(
        &stack,
        &format!(
            "insert into collections (id, user_id, name) values ('{COLLECTION}', '{}', 'Liburan');
             insert into collection_images (collection_id, image_id, position) values ('{COLLECTION}', '{b}', 0), ('{COLLECTION}', '{a}', 1);",
            siti.id
        ),
    )
    .await;

    let response =
        fetch(&stack, Method::POST, "/export", Some(&siti.access), Some(json!({ "collection_id": COLLECTION }))).await;

    assert_eq!(response.status(), 200);
    let archive = entries(&response.bytes().await.unwrap());
    let names: Vec<&str> = archive.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["metadata.json", "Perahu.webp", "Kucing-oren.webp"]);
    assert_eq!(archive[1].1, original(&stack, &b).await);
    let metadata: Value = serde_json::from_slice(&archive[0].1).unwrap();
    assert_eq!(metadata["collection_id"], COLLECTION);
    assert_eq!(export_rows(&stack).await[0]["collection_id"], COLLECTION);
}

#[tokio::test]
async fn over_the_caps_or_badly_asked_the_export_names_the_field() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let (a, b) = (inserted(&stack, &siti.id, "kucing", 2).await, inserted(&stack, &siti.id, "perahu", 1).await);
    // 300 MB each by the stored sizes: the pair is over the 500 MB cap.
    sql(&stack, "update generated_images set bytes = 300000000").await;
    sql(
        &stack,
        &format!(
            "insert into collections (id, user_id, name) values ('{COLLECTION}', '{0}', 'Banyak'),
                                                          ('00000000-0000-4000-8000-00000000c012', '{0}', 'Kosong');
             insert into generated_images (user_id, prompt, model, storage_path, bytes)
             select '{0}', 'gambar ' || n, 'm', '{0}/' || n || '/original.png', 1000 from generate_series(1, 201) n;
             insert into collection_images (collection_id, image_id)
             select '{COLLECTION}', id from generated_images where prompt like 'gambar %';",
            siti.id
        ),
    )
    .await;
    let too_many: Vec<String> = (0..201).map(|n| format!("00000000-0000-4000-8000-{n:012}")).collect();
    let cases = [
        ("nothing chosen", json!({}), "ids"),
        ("no ids", json!({ "ids": [] }), "ids"),
        ("201 ids", json!({ "ids": too_many }), "ids"),
        ("an id that is no UUID", json!({ "ids": ["kucing"] }), "ids[0]"),
        ("both", json!({ "ids": [a], "collection_id": COLLECTION }), "collection_id"),
        ("over 500 MB", json!({ "ids": [a, b] }), "ids"),
        ("a collection of 201", json!({ "collection_id": COLLECTION }), "collection_id"),
        ("an empty collection", json!({ "collection_id": "00000000-0000-4000-8000-00000000c012" }), "collection_id"),
        ("an unknown field", json!({ "ids": [a], "format": "tar" }), "format"),
    ];
    for (case, body, field) in cases {
        let answer = call(&stack, Method::POST, "/export", Some(&siti.access), Some(body)).await;
        assert_eq!(refused_field(&answer), field, "{case}");
    }
    assert!(export_rows(&stack).await.is_empty(), "a refused export was logged");
}

#[tokio::test]
async fn a_storage_failure_before_the_first_byte_is_a_clean_error() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let id = generated(&stack, &siti, "Kucing oren").await["id"].as_str().unwrap().to_owned();
    let outage = json!({ "statusCode": "503", "error": "Service Unavailable", "message": "storage is down" });
    stack.faults.inject(Service::Storage, Fault::json(503, outage), 1);

    let answer = call(&stack, Method::POST, "/export", Some(&siti.access), Some(json!({ "ids": [id] }))).await;

    assert_eq!((answer.status, answer.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", answer.body);
    assert!(export_rows(&stack).await.is_empty());
}

#[tokio::test]
async fn a_storage_failure_mid_stream_aborts_the_transfer_before_the_zip_looks_whole() {
    let outage = json!({ "statusCode": "503", "error": "Service Unavailable", "message": "storage is down" });
    for (case, fault) in [("an error answer", Fault::json(503, outage)), ("a dropped body", Fault::Drop)] {
        let stack = TestStack::start().await;
        let siti = signed_up(&stack, "siti@example.com").await;
        let mut ids = Vec::new();
        for prompt in ["Kucing oren", "Perahu", "Senja"] {
            ids.push(generated(&stack, &siti, prompt).await["id"].as_str().unwrap().to_owned());
        }
        // The first original is fetched before the answer starts; the second one fails.
        stack.faults.inject(Service::Storage, Fault::Delay { millis: 0 }, 1);
        stack.faults.inject(Service::Storage, fault, 1);

        let mut response =
            fetch(&stack, Method::POST, "/export", Some(&siti.access), Some(json!({ "ids": ids }))).await;

        assert_eq!(response.status(), 200, "{case}");
        let mut received = Vec::new();
        let failed = loop {
            match response.chunk().await {
                Ok(Some(chunk)) => received.extend_from_slice(&chunk),
                Ok(None) => break false,
                Err(_) => break true,
            }
        };
        assert!(failed, "{case}: the transfer ended as if complete ({} bytes)", received.len());
        assert!(zip::ZipArchive::new(Cursor::new(received)).is_err(), "{case}: the bytes read as a ZIP");
        assert_eq!(stack.faults.pending(Service::Storage), 0, "{case}");
    }
}

#[tokio::test]
async fn only_the_owner_or_a_key_with_gallery_read_exports() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let id = generated(&stack, &siti, "Kucing oren").await["id"].as_str().unwrap().to_owned();
    sql(
        &stack,
        &format!("insert into collections (id, user_id, name) values ('{COLLECTION}', '{}', 'Milik Siti')", siti.id),
    )
    .await;
    let reader = api_key(&stack, &siti, &["gallery:read"]).await;
    let writer = api_key(&stack, &siti, &["gallery:write"]).await;
    let ids = json!({ "ids": [id] });

    let anonymous = call(&stack, Method::POST, "/export", None, Some(ids.clone())).await;
    let stranger = call(&stack, Method::POST, "/export", Some(&budi.access), Some(ids.clone())).await;
    let stranger_collection =
        call(&stack, Method::POST, "/export", Some(&budi.access), Some(json!({ "collection_id": COLLECTION }))).await;
    let write_only = call(&stack, Method::POST, "/export", Some(&writer), Some(ids.clone())).await;
    let by_key = fetch(&stack, Method::POST, "/export", Some(&reader), Some(ids)).await;

    assert_eq!((anonymous.status, anonymous.error_code()), (401, "UNAUTHORIZED"));
    assert_eq!((stranger.status, stranger.error_code()), (404, "NOT_FOUND"), "another user's image");
    assert_eq!((stranger_collection.status, stranger_collection.error_code()), (404, "NOT_FOUND"));
    assert_eq!((write_only.status, write_only.error_code()), (403, "FORBIDDEN"));
    assert_eq!(by_key.status(), 200);
    let archive = entries(&by_key.bytes().await.unwrap());
    assert_eq!(archive[1].1, original(&stack, &id).await);
    assert_eq!(export_rows(&stack).await.len(), 1, "only the key's export is logged");
}
