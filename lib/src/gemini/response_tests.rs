//! Unit tests of `response`: every answer shape Gemini is known to send, and every bad image.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use image::ImageEncoder;
use image::codecs::png::PngEncoder;
use serde_json::{Value, json};

use super::*;

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let pixels = vec![90u8; (width * height * 3) as usize];
    PngEncoder::new(&mut out).write_image(&pixels, width, height, image::ExtendedColorType::Rgb8).unwrap();
    out
}

fn image_part(bytes: &[u8], thought: bool) -> Value {
    json!({ "inlineData": { "mimeType": "image/png", "data": STANDARD.encode(bytes) }, "thought": thought })
}

fn answer(parts: Value, finish_reason: &str) -> Vec<u8> {
    json!({ "candidates": [{ "content": { "role": "model", "parts": parts }, "finishReason": finish_reason, "index": 0 }] })
        .to_string()
        .into_bytes()
}

#[test]
fn takes_the_last_image_that_is_not_a_thought() {
    let (draft, final_image) = (png(64, 64), png(96, 64));
    let body = answer(
        json!([image_part(&draft, true), { "text": "thinking", "thought": true }, { "text": "Here it is." },
               image_part(&final_image, false), image_part(&draft, true)]),
        "STOP",
    );
    let answer = read(&body).unwrap();
    assert_eq!(answer.bytes, final_image);
    assert_eq!(answer.text.as_deref(), Some("Here it is."));
}

#[test]
fn prompt_blocks_and_output_blocks_are_content_rejections() {
    for reason in ["PROHIBITED_CONTENT", "SAFETY", "BLOCKLIST", "OTHER", "IMAGE_SAFETY"] {
        let body = json!({ "promptFeedback": { "blockReason": reason }, "usageMetadata": { "promptTokenCount": 9 } });
        let err = read(body.to_string().as_bytes()).err().unwrap();
        assert!(matches!(&err, GeminiError::ContentRejected { reason: r } if r == reason), "prompt {reason}: {err}");
    }
    for reason in BLOCKS {
        let with_text = answer(json!([{ "text": "I can't make that." }]), reason);
        let bare = json!({ "candidates": [{ "finishReason": reason }] }).to_string().into_bytes();
        for body in [with_text, bare] {
            let err = read(&body).err().unwrap();
            assert!(
                matches!(&err, GeminiError::ContentRejected { reason: r } if r == reason),
                "output {reason}: {err}"
            );
        }
    }
}

#[test]
fn answers_where_the_model_drew_nothing_are_no_image_with_its_words() {
    let cases = [
        ("NO_IMAGE with text", answer(json!([{ "text": "No." }]), "NO_IMAGE"), "NO_IMAGE", Some("No.")),
        ("STOP with text only", answer(json!([{ "text": "Sure!" }]), "STOP"), "STOP", Some("Sure!")),
        ("OTHER", answer(json!([{ "text": "Hmm." }]), "OTHER"), "OTHER", Some("Hmm.")),
        (
            "IMAGE_OTHER without content",
            json!({ "candidates": [{ "finishReason": "IMAGE_OTHER" }] }).to_string().into_bytes(),
            "IMAGE_OTHER",
            None,
        ),
        (
            "only thought parts",
            answer(json!([image_part(&png(64, 64), true), { "text": "drafting", "thought": true }]), "STOP"),
            "STOP",
            None,
        ),
    ];
    for (case, body, reason, words) in cases {
        match read(&body) {
            Err(GeminiError::NoImage { finish_reason, text }) => {
                assert_eq!((finish_reason.as_str(), text.as_deref()), (reason, words), "{case}")
            }
            other => panic!("{case}: {:?}", other.err()),
        }
    }
}

#[test]
fn answers_without_an_image_for_no_stated_reason_are_unusable_not_no_image() {
    let cases = [
        ("empty candidates", br#"{"candidates":[]}"#.to_vec()),
        ("empty object", b"{}".to_vec()),
        ("MAX_TOKENS", answer(json!([{ "text": "..." }]), "MAX_TOKENS")),
        ("no finish reason", json!({ "candidates": [{ "content": { "parts": [] } }] }).to_string().into_bytes()),
    ];
    for (case, body) in cases {
        assert!(matches!(read(&body), Err(GeminiError::Decode(_))), "{case}");
    }
}

#[test]
fn a_body_that_is_not_a_response_is_a_decode_error() {
    assert!(matches!(read(b"<html>oops</html>"), Err(GeminiError::Decode(_))));
}

#[test]
fn bad_base64_is_an_invalid_image() {
    let body = answer(json!([{ "inlineData": { "mimeType": "image/png", "data": "@@not base64@@" } }]), "STOP");
    assert!(matches!(read(&body), Err(GeminiError::InvalidImage(_))));
}

#[test]
fn inspects_format_and_size_from_the_bytes() {
    assert_eq!(inspect(&png(1376, 768)).unwrap(), Checked { mime: "image/png", width: 1376, height: 768 });
}

#[test]
fn refuses_non_images_tiny_images_truncated_images_and_bombs() {
    let mut truncated = png(256, 256);
    truncated.truncate(truncated.len() / 2);
    let cases = [
        ("text", b"hello, not an image".to_vec()),
        ("1x1", png(1, 1)),
        ("63 wide", png(63, 100)),
        ("truncated", truncated),
        ("60000x60000 header", bomb_header(60_000, 60_000)),
        ("8192x8192 header (67 MP)", bomb_header(8192, 8192)),
    ];
    for (case, bytes) in cases {
        assert!(matches!(inspect(&bytes), Err(GeminiError::InvalidImage(_))), "{case}");
    }
}

/// A PNG signature and IHDR claiming `width`×`height`, with no pixel data behind it.
pub(crate) fn bomb_header(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(13u32.to_be_bytes());
    out.extend(&ihdr);
    out.extend(crc32(&ihdr).to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
