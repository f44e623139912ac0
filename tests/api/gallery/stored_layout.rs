//! The stored layout: a generation stores its original as WebP with the parameters as XMP, and the
//! original stands in for the widest size it is near (1920 for a 2K image; published and shared
//! without its parameters), never for the sizes cards and the viewer take.
//! Images stored before (`original.png` with PNG text, sizes up to the source's width) stay
//! readable: downloads in every format, exports, edits from them and publishing.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::export::entries;
use super::{call, fetch, files_of, generated, generated_at, original, shared};
use crate::helpers::{Account, request, send, signed_up};

const PROMPT: &str = "Sawah bertingkat di Bali saat fajar";

/// The files the Storage stand-in holds for image `id` in `bucket`, by name, sorted.
fn stored_files(stack: &TestStack, bucket: &str, id: &str) -> Vec<String> {
    let mut names: Vec<String> = files_of(&stack.storage_dir.join("objects").join(bucket), id)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An image stored the way generation stored it before originals were WebP: a 1024² PNG with its
/// parameters as text at `original.png`, and WebP sizes 150, 300 and 800, uploaded directly.
async fn old_layout(stack: &TestStack, account: &Account) -> (String, Vec<u8>) {
    let picture = image::RgbImage::from_fn(1024, 1024, |x, y| image::Rgb([(x / 4) as u8, (y / 4) as u8, 120]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let sizes = studio::imaging::derivatives(&png, &[150, 300, 800, 1920]).unwrap();
    let original = studio::imaging::embed_png_metadata(
        &png,
        &[("prompt", PROMPT), ("seed", "7"), ("model", "gemini-2.5-flash-image")],
    )
    .unwrap();
    let db = stack.db.client().await;
    let id: String = db
        .query_one(
            "insert into generated_images (user_id, prompt, model, seed, storage_path, width, height, bytes, mime_type)
             values ($1::text::uuid, $2, 'gemini-2.5-flash-image', 7, 'pending', 1024, 1024, $3, 'image/png') returning id::text",
            &[&account.id, &PROMPT, &(original.len() as i64)],
        )
        .await
        .unwrap()
        .get(0);
    let folder = format!("{}/{id}", account.id);
    let storage = &stack.app.storage;
    storage
        .upload("images", &format!("{folder}/original.png"), original.clone(), "image/png", "no-cache", false)
        .await
        .unwrap();
    let mut paths = serde_json::Map::new();
    for size in sizes.sizes {
        let path = format!("{folder}/w{}.webp", size.width);
        storage.upload("images", &path, size.webp, "image/webp", "no-cache", false).await.unwrap();
        paths.insert(size.width.to_string(), json!(path));
    }
    db.execute(
        "update generated_images set storage_path = $2, derivative_paths = $3 where id::text = $1",
        &[&id, &format!("{folder}/original.png"), &Value::Object(paths)],
    )
    .await
    .unwrap();
    (id, original)
}

fn carries(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

#[tokio::test]
async fn generation_stores_a_webp_original_with_its_parameters_standing_in_for_the_1920_size() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;

    let image = generated_at(&stack, &siti, PROMPT, "high").await;

    let id = image["id"].as_str().unwrap();
    assert_eq!(stored_files(&stack, "images", id), ["original.webp", "w150.webp", "w300.webp", "w800.webp"]);
    let stored = original(&stack, id).await;
    assert!(stored.starts_with(b"RIFF") && &stored[8..16] == b"WEBPVP8X", "an extended WebP");
    assert!(carries(&stored, &format!("<studio:prompt>{PROMPT}</studio:prompt>")), "the parameters as XMP");
    let row = stack
        .db
        .client()
        .await
        .query_one(
            "select mime_type, bytes, storage_path, derivative_paths from generated_images where id::text = $1",
            &[&id],
        )
        .await
        .unwrap();
    let (mime, bytes, path, sizes): (String, i64, String, Value) = (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!((mime.as_str(), bytes as usize), ("image/webp", stored.len()), "bytes is the stored original's size");
    assert!(path.ends_with("/original.webp"), "{path}");
    assert_eq!(sizes["2048"], json!(path), "the original stands in for the full-size view");
    let widths: Vec<&Value> = image["urls"]["derivatives"].as_array().unwrap().iter().map(|d| &d["width"]).collect();
    assert_eq!(widths, [&json!(150), &json!(300), &json!(800), &json!(2048)]);
}

#[tokio::test]
async fn a_published_or_shared_original_goes_out_without_its_parameters() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let id = generated_at(&stack, &siti, PROMPT, "high").await["id"].as_str().unwrap().to_owned();

    let published =
        call(&stack, Method::PATCH, &format!("/{id}"), Some(&siti.access), Some(json!({ "is_public": true }))).await;

    let urls = &published.data()["public_urls"];
    assert!(urls.get("original").is_none(), "the original itself is never public: {urls}");
    let copy =
        reqwest::get(urls["2048"].as_str().expect("the stand-in is published")).await.unwrap().bytes().await.unwrap();
    assert_eq!(&copy[12..16], b"VP8 ", "image data alone");
    assert!(!carries(&copy, PROMPT) && !carries(&copy, "studio:"), "the prompt was published");
    let link = shared(&stack, &siti, &format!("/{id}"), None).await;
    let token = link["token"].as_str().unwrap().to_owned();
    let served = send_raw(&stack, &format!("/shared/{token}/{id}/w2048.webp")).await;
    assert_eq!(&served[12..16], b"VP8 ");
    assert!(!carries(&served, PROMPT), "the prompt was shared");
}

async fn send_raw(stack: &TestStack, path: &str) -> Vec<u8> {
    let response = fetch(stack, Method::GET, path, None, None).await;
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn an_old_png_original_downloads_in_every_format_with_or_without_its_parameters() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let (id, stored) = old_layout(&stack, &siti).await;

    for (format, magic) in [("png", &b"\x89PNG"[..]), ("jpeg", &b"\xFF\xD8"[..]), ("webp", &b"RIFF"[..])] {
        for metadata in ["keep", "strip"] {
            let path = format!("/{id}/download?format={format}&metadata={metadata}");
            let bytes = send_bytes(&stack, &siti, &path).await;
            assert!(bytes.starts_with(magic), "{format} {metadata}");
            assert_eq!(carries(&bytes, PROMPT), metadata == "keep", "{format} {metadata}: the prompt in the file");
            let decoded = image::load_from_memory(&bytes).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (1024, 1024), "{format} {metadata}");
        }
    }
    assert_eq!(send_bytes(&stack, &siti, &format!("/{id}/download")).await, stored, "PNG as stored");
}

async fn send_bytes(stack: &TestStack, account: &Account, path: &str) -> Vec<u8> {
    let response = fetch(stack, Method::GET, path, Some(&account.access), None).await;
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn an_export_holds_old_png_and_new_webp_originals_as_stored() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let (old, stored) = old_layout(&stack, &siti).await;
    call(&stack, Method::PATCH, &format!("/{old}"), Some(&siti.access), Some(json!({ "title": "Lama" }))).await.data();
    let new = generated(&stack, &siti, "Baru").await["id"].as_str().unwrap().to_owned();

    let response = fetch(&stack, Method::POST, "/export", Some(&siti.access), Some(json!({ "ids": [old, new] }))).await;

    assert_eq!(response.status(), 200);
    let archive = entries(&response.bytes().await.unwrap());
    let names: Vec<&str> = archive.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["metadata.json", "Lama.png", "Baru.webp"]);
    assert_eq!(archive[1].1, stored);
    assert_eq!(archive[2].1, original(&stack, &new).await);
    let metadata: Value = serde_json::from_slice(&archive[0].1).unwrap();
    assert_eq!(
        (&metadata["images"][0]["mime_type"], &metadata["images"][1]["mime_type"]),
        (&json!("image/png"), &json!("image/webp"))
    );
}

#[tokio::test]
async fn an_old_png_original_is_edited_published_and_saved_from_in_the_new_layout() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let (old, _) = old_layout(&stack, &siti).await;

    let url = format!("{}/api/generate/edit", stack.url);
    let body = json!({ "image_id": old, "instruction": "jadikan malam hari" });
    let edited = send(request(Method::POST, &url, Some(&siti.access), Some(body))).await;
    let published =
        call(&stack, Method::PATCH, &format!("/{old}"), Some(&siti.access), Some(json!({ "is_public": true }))).await;

    assert_eq!(edited.status, 201, "{}", edited.body);
    let sent = stack.gemini.generate_bodies();
    let parts = sent[0]["contents"][0]["parts"].as_array().unwrap();
    let inline: Vec<&Value> = parts.iter().filter_map(|p| p.get("inlineData")).collect();
    assert_eq!(inline[0]["mimeType"], "image/png", "an old original's pixels as PNG");
    let child = edited.data()["images"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(stored_files(&stack, "images", &child), ["original.webp", "w150.webp", "w300.webp", "w800.webp"]);
    let urls = &published.data()["public_urls"];
    let keys: Vec<&String> = urls.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["150", "300", "800"], "the old sizes are published as before");
}
