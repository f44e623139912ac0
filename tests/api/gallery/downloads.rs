//! Downloads: each format decodes to the original's picture and carries the generation parameters
//! (WebP as stored, with XMP; JPEG as XMP; PNG as text) or no metadata at all, for originals stored
//! as WebP and for PNG originals stored before (`old_layout`); the file is named after the title
//! or prompt, streamed, counted and logged; only its owner gets it.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{api_key, call, fetch, generated, inserted, original, refused_field};
use crate::helpers::signed_up;

const PROMPT: &str = "Kucing oren di atas genteng";

/// The types of a PNG's chunks, in order.
fn png_chunks(png: &[u8]) -> Vec<String> {
    let mut rest = &png[8..];
    let mut kinds = Vec::new();
    while rest.len() >= 12 {
        let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        kinds.push(String::from_utf8_lossy(&rest[4..8]).into_owned());
        rest = &rest[12 + len..];
    }
    kinds
}

/// The XMP packet of a JPEG (`APP1` with the XMP identifier) or a WebP (`XMP ` chunk), if any.
fn xmp(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(b"RIFF") {
        let mut at = 12;
        while at + 8 <= bytes.len() {
            let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            if &bytes[at..at + 4] == b"XMP " {
                return Some(String::from_utf8(bytes[at + 8..at + 8 + len].to_vec()).unwrap());
            }
            at += 8 + len + len % 2;
        }
        return None;
    }
    let mut at = 2;
    while at + 4 <= bytes.len() && bytes[at] == 0xFF && bytes[at + 1] != 0xDA {
        let len = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        let payload = &bytes[at + 4..at + 2 + len];
        if bytes[at + 1] == 0xE1 && payload.starts_with(b"http://ns.adobe.com/xap/1.0/\0") {
            return Some(String::from_utf8(payload[29..].to_vec()).unwrap());
        }
        at += 2 + len;
    }
    None
}

/// Mean absolute difference of two same-sized pictures, per channel value.
fn difference(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    let total: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    total as f64 / a.as_raw().len() as f64
}

#[tokio::test]
async fn every_format_decodes_to_the_original_and_carries_the_parameters_unless_stripped() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let id = generated(&stack, &siti, PROMPT).await["id"].as_str().unwrap().to_owned();
    let stored = original(&stack, &id).await;
    let picture = image::load_from_memory(&stored).unwrap().into_rgb8();
    let formats = [
        ("png", "image/png", "png", image::ImageFormat::Png),
        ("jpeg", "image/jpeg", "jpg", image::ImageFormat::Jpeg),
        ("webp", "image/webp", "webp", image::ImageFormat::WebP),
    ];

    for (format, content_type, extension, decoder) in formats {
        for metadata in ["keep", "strip"] {
            let case = format!("{format} {metadata}");
            let path = format!("/{id}/download?format={format}&metadata={metadata}");
            let response = fetch(&stack, Method::GET, &path, Some(&siti.access), None).await;

            assert_eq!(response.status(), 200, "{case}");
            let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(header("content-type").as_deref(), Some(content_type), "{case}");
            let disposition = format!("attachment; filename=\"Kucing-oren-di-atas-genteng.{extension}\"");
            assert_eq!(header("content-disposition"), Some(disposition), "{case}");
            assert_eq!(header("transfer-encoding").as_deref(), Some("chunked"), "{case}: streamed, no length");
            let bytes = response.bytes().await.unwrap();
            let decoded = image::load_from_memory_with_format(&bytes, decoder).unwrap().into_rgb8();
            assert_eq!(decoded.dimensions(), picture.dimensions(), "{case}");
            assert!(difference(&decoded, &picture) < 3.0, "{case}: not the original's picture");
            let carries_prompt = bytes.windows(PROMPT.len()).any(|w| w == PROMPT.as_bytes());
            assert_eq!(carries_prompt, metadata == "keep", "{case}: the prompt in the file");
            match (format, metadata) {
                ("png", "keep") => {
                    let chunks = png_chunks(&bytes);
                    assert!(chunks.iter().filter(|c| *c == "iTXt").count() >= 7, "the parameters as text: {chunks:?}");
                }
                ("png", _) => {
                    let chunks = png_chunks(&bytes);
                    assert!(
                        !chunks.iter().any(|c| ["tEXt", "zTXt", "iTXt", "eXIf"].contains(&c.as_str())),
                        "{chunks:?}"
                    );
                }
                ("webp", "keep") => assert_eq!(bytes.as_ref(), stored.as_slice(), "WebP with metadata is the original"),
                (_, "keep") => {
                    let packet = xmp(&bytes).unwrap_or_else(|| panic!("{case}: no XMP"));
                    assert!(packet.contains(&format!("<studio:prompt>{PROMPT}</studio:prompt>")), "{case}: {packet}");
                    assert!(packet.contains("<studio:model>"), "{case}: {packet}");
                    assert!(packet.contains("urn:ai-image-studio:ns:generation:1.0/"), "{case}: {packet}");
                }
                _ => assert_eq!(xmp(&bytes), None, "{case}"),
            }
        }
    }
}

#[tokio::test]
async fn a_download_is_counted_and_logged_without_changing_the_image() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let id = generated(&stack, &siti, PROMPT).await["id"].as_str().unwrap().to_owned();
    let db = stack.db.client().await;
    let updated = "select updated_at::text, download_count from generated_images";
    let before: String = db.query_one(updated, &[]).await.unwrap().get(0);

    for path in [format!("/{id}/download"), format!("/{id}/download?format=webp&metadata=strip")] {
        let response = fetch(&stack, Method::GET, &path, Some(&siti.access), None).await;
        assert_eq!(response.status(), 200, "{path}");
        response.bytes().await.unwrap();
    }

    let row = db.query_one(updated, &[]).await.unwrap();
    assert_eq!((row.get::<_, String>(0), row.get::<_, i32>(1)), (before, 2), "updated_at moved or count is wrong");
    let logged = db
        .query(
            "select user_id::text, image_id::text, details->>'format', details->>'metadata' from usage_logs
              where action = 'download' and status = 'success' order by id",
            &[],
        )
        .await
        .unwrap();
    let logged: Vec<(String, String, String, String)> =
        logged.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
    let row = |format: &str, metadata: &str| (siti.id.clone(), id.clone(), format.to_owned(), metadata.to_owned());
    assert_eq!(logged, [row("png", "keep"), row("webp", "strip")]);
}

#[tokio::test]
async fn a_title_names_the_file_with_its_unicode_form_for_clients_that_read_it() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let id = generated(&stack, &siti, PROMPT).await["id"].as_str().unwrap().to_owned();
    let title = json!({ "title": "Kucing 🐈 di Danau Toba" });
    call(&stack, Method::PATCH, &format!("/{id}"), Some(&siti.access), Some(title)).await.data();

    let response = fetch(&stack, Method::GET, &format!("/{id}/download?format=jpeg"), Some(&siti.access), None).await;

    assert_eq!(
        response.headers()["content-disposition"].to_str().unwrap(),
        "attachment; filename=\"Kucing-di-Danau-Toba.jpg\"; filename*=UTF-8''Kucing%20%F0%9F%90%88%20di%20Danau%20Toba.jpg"
    );
}

#[tokio::test]
async fn bad_download_choices_name_their_parameter() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let id = inserted(&stack, &siti.id, PROMPT, 1).await;
    let cases = [
        (format!("/{id}/download?format=gif"), "format"),
        (format!("/{id}/download?format=png&metadata=none"), "metadata"),
        ("/kucing/download".to_owned(), "id"),
    ];
    for (path, field) in cases {
        assert_eq!(refused_field(&call(&stack, Method::GET, &path, Some(&siti.access), None).await), field, "{path}");
    }
    let posted = call(&stack, Method::POST, &format!("/{id}/download"), Some(&siti.access), None).await;
    assert_eq!(posted.status, 405);
}

#[tokio::test]
async fn only_the_owner_or_a_key_with_gallery_read_downloads() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let id = generated(&stack, &siti, PROMPT).await["id"].as_str().unwrap().to_owned();
    stack
        .db
        .client()
        .await
        .batch_execute(&format!("update generated_images set is_public = true, published_at = now() where id = '{id}'"))
        .await
        .unwrap();
    let reader = api_key(&stack, &siti, &["gallery:read"]).await;
    let writer = api_key(&stack, &siti, &["gallery:write"]).await;
    let path = format!("/{id}/download?format=webp");

    let anonymous = call(&stack, Method::GET, &path, None, None).await;
    let stranger = call(&stack, Method::GET, &path, Some(&budi.access), None).await;
    let write_only = call(&stack, Method::GET, &path, Some(&writer), None).await;
    let by_key = fetch(&stack, Method::GET, &path, Some(&reader), None).await;

    assert_eq!((anonymous.status, anonymous.error_code()), (401, "UNAUTHORIZED"));
    assert_eq!((stranger.status, stranger.error_code()), (404, "NOT_FOUND"), "another user's published image");
    assert_eq!((write_only.status, write_only.error_code()), (403, "FORBIDDEN"));
    assert_eq!(by_key.status(), 200);
    assert_eq!(by_key.bytes().await.unwrap().as_ref(), original(&stack, &id).await.as_slice());
    let db = stack.db.client().await;
    let counted: i32 = db.query_one("select download_count from generated_images", &[]).await.unwrap().get(0);
    assert_eq!(counted, 1, "only the key's download counts");
    let key_logged: i64 = db
        .query_one("select count(*) from usage_logs where action = 'download' and api_key_id is not null", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(key_logged, 1, "the download names the key it was made with");
}
