//! The decoder's limits through `POST /api/gallery/{id}/versions`, the one route that decodes what
//! a user uploads: bombs, cut files, oversized and mislabelled images are a 400 naming `body`,
//! answered quickly, with nothing stored, recorded or charged.

use std::io::Cursor;
use std::time::{Duration, Instant};

use image::ImageEncoder;
use image::codecs::png::PngEncoder;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use studio_local::testing::TestStack;

use super::{count, generated, refused_field};
use crate::generate_faults::{quota, stored_objects};
use crate::helpers::{Answer, send, signed_up};

/// A `width`×`height` PNG; with `profile_bytes`, an `iCCP` profile of that many zero bytes, which
/// zlib packs about a thousand to one.
fn png(width: u32, height: u32, profile_bytes: usize) -> Vec<u8> {
    let pixels: Vec<u8> = (0..width * height * 3).map(|i| (i % 251) as u8).collect();
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new(&mut out);
    if profile_bytes > 0 {
        encoder.set_icc_profile(vec![0; profile_bytes]).unwrap();
    }
    encoder.write_image(&pixels, width, height, image::ExtendedColorType::Rgb8).unwrap();
    out
}

/// A PNG signature and an `IHDR` announcing `width`×`height`, and nothing after it.
fn header_only(width: u32, height: u32) -> Vec<u8> {
    let mut data = b"IHDR".to_vec();
    data.extend_from_slice(&width.to_be_bytes());
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&[8, 2, 0, 0, 0]);
    let crc = crc32(&data);
    [b"\x89PNG\r\n\x1a\n".as_slice(), &13u32.to_be_bytes(), &data, &crc.to_be_bytes()].concat()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

async fn save(stack: &TestStack, bearer: &str, image: &str, body: Vec<u8>) -> Answer {
    let url = format!("{}/api/gallery/{image}/versions", stack.url);
    send(reqwest::Client::new().post(url).bearer_auth(bearer).header(CONTENT_TYPE, "image/png").body(body)).await
}

#[tokio::test]
async fn bombs_cut_files_and_oversized_images_are_refused_quickly_and_leave_nothing() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let parent = generated(&stack, &account, "kucing oren").await;
    let parent = parent["id"].as_str().unwrap();
    let (objects_before, quota_before) = (stored_objects(&stack), quota(&stack, &account).await);
    let profile_bomb = png(64, 64, 48 << 20);
    assert!(profile_bomb.len() < 100_000, "{} bytes announce 48 MiB of profile", profile_bomb.len());
    let whole = png(200, 150, 0);
    let mut jpeg = Vec::new();
    image::RgbImage::new(200, 150).write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg).unwrap();
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("an ICC profile inflating to 48 MiB".into(), profile_bomb),
        ("a 33-byte file announcing 10 gigapixels".into(), header_only(100_000, 100_000)),
        ("a 4096x4096 header with no pixels".into(), header_only(4096, 4096)),
        ("real pixels 5000 wide".into(), png(5000, 64, 0)),
        ("a JPEG sent as image/png".into(), jpeg),
        ("random bytes".into(), (0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect()),
    ];
    for cut in [8, 20, 33, 40, whole.len() / 3, whole.len() / 2, whole.len() - 13, whole.len() - 1] {
        cases.push((format!("the PNG cut at byte {cut} of {}", whole.len()), whole[..cut].to_vec()));
    }

    for (case, body) in cases {
        let started = Instant::now();
        let answer = save(&stack, &account.access, parent, body).await;

        assert_eq!(refused_field(&answer), "body", "{case}");
        assert!(started.elapsed() < Duration::from_secs(5), "{case}: {:?}", started.elapsed());
    }

    assert_eq!(stored_objects(&stack), objects_before, "no object stored");
    assert_eq!(count(&stack, "select count(*) from generated_images").await, 1, "no version recorded");
    let quota_after: Value = quota(&stack, &account).await;
    assert_eq!(quota_after, quota_before, "nothing charged");
}
