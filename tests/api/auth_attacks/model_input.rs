//! What Gemini sees of an edited image: pixels only. The stored original carries its prompt and
//! seed as XMP (WebP) or text chunks (PNG, from before); the file sent as `inlineData` holds no
//! metadata and none of the prompt, whether the source is the editor's own image or another
//! user's published one.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use crate::helpers::{Account, request, send, signed_up};

/// The chunk types of a PNG, in order.
fn chunk_kinds(png: &[u8]) -> Vec<String> {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
    let (mut kinds, mut at) = (Vec::new(), 8);
    while at + 8 <= png.len() {
        let length = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        kinds.push(String::from_utf8_lossy(&png[at + 4..at + 8]).into_owned());
        at += 12 + length;
    }
    kinds
}

async fn generated(stack: &TestStack, account: &Account, prompt: &str) -> String {
    let body = json!({ "prompt": prompt, "seed": 424_242, "aspect_ratio": "1:1" });
    let answer =
        send(request(Method::POST, &format!("{}/api/generate", stack.url), Some(&account.access), Some(body))).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.data()["images"][0]["id"].as_str().unwrap().to_owned()
}

/// The chunk types of a WebP, in order.
fn riff_kinds(webp: &[u8]) -> Vec<String> {
    assert!(webp.starts_with(b"RIFF") && &webp[8..12] == b"WEBP", "a WebP signature");
    let (mut kinds, mut at) = (Vec::new(), 12);
    while at + 8 <= webp.len() {
        let length = u32::from_le_bytes(webp[at + 4..at + 8].try_into().unwrap()) as usize;
        kinds.push(String::from_utf8_lossy(&webp[at..at + 4]).into_owned());
        at += 8 + length + length % 2;
    }
    kinds
}

/// Edits `image` as `account` and returns the MIME type and file the model was sent.
async fn sent_for_edit(stack: &TestStack, account: &Account, image: &str) -> (String, Vec<u8>) {
    stack.gemini.clear();
    let body = json!({ "image_id": image, "instruction": "make it night time" });
    let url = format!("{}/api/generate/edit", stack.url);
    let answer = send(request(Method::POST, &url, Some(&account.access), Some(body))).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let bodies = stack.gemini.generate_bodies();
    assert_eq!(bodies.len(), 1);
    let parts = bodies[0]["contents"][0]["parts"].as_array().expect("parts").clone();
    let inline: Vec<&Value> = parts.iter().filter_map(|p| p.get("inlineData")).collect();
    assert_eq!(inline.len(), 1, "one image sent: {parts:?}");
    let mime = inline[0]["mimeType"].as_str().expect("a MIME type").to_owned();
    (mime, STANDARD.decode(inline[0]["data"].as_str().expect("base64 data")).expect("base64"))
}

fn assert_pixels_only((mime, file): &(String, Vec<u8>), prompt: &str, case: &str) {
    let (kinds, allowed, format) = match mime.as_str() {
        "image/png" => (chunk_kinds(file), &["IHDR", "PLTE", "tRNS", "IDAT", "IEND"][..], image::ImageFormat::Png),
        "image/webp" => (riff_kinds(file), &["VP8 "][..], image::ImageFormat::WebP),
        other => panic!("{case}: sent as {other}"),
    };
    assert!(kinds.iter().all(|k| allowed.contains(&k.as_str())), "{case}: chunks {kinds:?}");
    let text = String::from_utf8_lossy(file);
    for secret in [prompt, "424242", "seed", "gemini"] {
        assert!(!text.contains(secret), "{case}: {secret:?} in the bytes sent");
    }
    let image = image::load_from_memory_with_format(file, format).expect("the pixels decode");
    assert_eq!((image.width(), image.height()), (1024, 1024), "{case}: the whole image is sent");
}

#[tokio::test]
async fn an_edit_sends_the_model_pixels_only_of_an_own_or_a_published_image() {
    let stack = TestStack::start().await;
    let owner = signed_up(&stack, "owner@example.com").await;
    let editor = signed_up(&stack, "siti@example.com").await;
    let hidden = "kucing ungu rahasia di atap";
    let theirs = generated(&stack, &owner, hidden).await;
    let db = stack.db.client().await;
    db.execute(
        "update generated_images set is_public = true, show_prompt = false, published_at = now() where id::text = $1",
        &[&theirs],
    )
    .await
    .unwrap();
    let own_prompt = "rumah joglo milik siti";
    let own = generated(&stack, &editor, own_prompt).await;

    let published = sent_for_edit(&stack, &editor, &theirs).await;
    let mine = sent_for_edit(&stack, &editor, &own).await;

    assert_pixels_only(&published, hidden, "another user's published image");
    assert_pixels_only(&mine, own_prompt, "an own image");
}
