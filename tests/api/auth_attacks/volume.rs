//! Cheap volume: saving edited versions (each decode may cost seconds of CPU), downloading and
//! exporting are limited per user, whatever credential is used, with a 429 that names the limit
//! and says how long to wait; saved versions also count against a daily budget of uploads and
//! bytes that renews at 00:00 UTC.

use std::io::Cursor;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use studio_local::testing::TestStack;

use crate::gallery::{api_key, count, generated};
use crate::helpers::{Account, Answer, inside_one_window, send, signed_up};

/// A `side`² PNG; `noisy` makes its pixels incompressible, so the file is about 3 bytes a pixel.
fn png(side: u32, noisy: bool) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let picture = image::RgbImage::from_fn(side, side, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [a, b, c, _] = state.to_le_bytes();
        if noisy { image::Rgb([a, b, c]) } else { image::Rgb([x as u8, y as u8, 90]) }
    });
    let mut bytes = Vec::new();
    picture.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

async fn save(stack: &TestStack, bearer: &str, image: &str, body: Vec<u8>) -> Answer {
    let url = format!("{}/api/gallery/{image}/versions", stack.url);
    send(reqwest::Client::new().post(url).bearer_auth(bearer).header(CONTENT_TYPE, "image/png").body(body)).await
}

/// The status of a download or an export, with the error envelope when it is refused.
async fn file(stack: &TestStack, method: Method, path: &str, bearer: &str, body: Option<serde_json::Value>) -> Answer {
    let response = crate::gallery::fetch(stack, method, path, Some(bearer), body).await;
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let bytes = response.bytes().await.expect("the whole answer");
    let body = if status == 200 { json!({ "bytes": bytes.len() }) } else { serde_json::from_slice(&bytes).unwrap() };
    Answer { status, headers, body }
}

/// Checks a refusal: 429 with `code`, `Retry-After` within `window`, the limit named in the body.
fn assert_refused(answer: &Answer, code: &str, limit: &str, window: Duration, case: &str) {
    assert_eq!((answer.status, answer.error_code()), (429, code), "{case}: {}", answer.body);
    let wait: u64 = answer.header("retry-after").parse().unwrap_or_else(|_| panic!("{case}: no Retry-After"));
    assert!((1..=window.as_secs()).contains(&wait), "{case}: Retry-After {wait}");
    assert_eq!(answer.body["error"]["details"]["retryAfter"], wait, "{case}");
    assert_eq!(answer.body["error"]["details"]["limitName"], limit, "{case}");
}

/// Siti with one generated image, on a stack with `settings`.
async fn siti_with_an_image(settings: &[(&str, &str)]) -> (TestStack, Account, String) {
    let stack = TestStack::start_with_env(settings).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &siti, "kucing oren").await["id"].as_str().unwrap().to_owned();
    (stack, siti, image)
}

#[tokio::test]
async fn version_uploads_are_limited_per_user_and_an_api_key_gets_no_fresh_allowance() {
    inside_one_window(Duration::from_secs(60), Duration::from_secs(40)).await;
    let (stack, siti, image) = siti_with_an_image(&[("VERSION_UPLOADS_PER_MINUTE", "3")]).await;
    for n in 1..=3 {
        assert_eq!(save(&stack, &siti.access, &image, png(64, false)).await.status, 201, "upload {n}");
    }

    let fourth = save(&stack, &siti.access, &image, png(64, false)).await;

    assert_refused(&fourth, "RATE_LIMITED", "version-uploads-per-minute", Duration::from_secs(60), "the 4th");
    let message = fourth.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 3 edited versions") && message.contains("a minute"), "{message}");
    let key = api_key(&stack, &siti, &["gallery:write"]).await;
    let by_key = save(&stack, &key, &image, png(64, false)).await;
    assert_refused(&by_key, "RATE_LIMITED", "version-uploads-per-minute", Duration::from_secs(60), "a new key");
    let versions = "select count(*) from generated_images where parent_image_id is not null";
    assert_eq!(count(&stack, versions).await, 3, "refused uploads stored nothing");
    let budi = signed_up(&stack, "budi@example.com").await;
    let budis = generated(&stack, &budi, "perahu").await["id"].as_str().unwrap().to_owned();
    assert_eq!(save(&stack, &budi.access, &budis, png(64, false)).await.status, 201, "another user is counted apart");
}

/// Seconds from now to the next 00:00 UTC.
fn until_midnight() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    86_400 - now % 86_400
}

#[tokio::test]
async fn a_day_allows_so_many_saved_versions_then_refuses_until_midnight_utc() {
    inside_one_window(Duration::from_secs(86_400), Duration::from_secs(120)).await;
    let (stack, siti, image) = siti_with_an_image(&[("VERSION_UPLOADS_PER_DAY", "2")]).await;
    let key = api_key(&stack, &siti, &["gallery:write"]).await;
    assert_eq!(save(&stack, &siti.access, &image, png(64, false)).await.status, 201, "by session");
    assert_eq!(save(&stack, &key, &image, png(64, false)).await.status, 201, "by key");

    let third = save(&stack, &siti.access, &image, png(64, false)).await;

    assert_refused(&third, "DAILY_LIMIT_REACHED", "version-uploads-per-day", Duration::from_secs(86_400), "3rd");
    let wait: u64 = third.header("retry-after").parse().unwrap();
    assert!(wait.abs_diff(until_midnight()) <= 5, "renews at midnight UTC: {wait} s");
    let message = third.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 2 edited versions") && message.contains("00:00 UTC"), "{message}");
    let by_key = save(&stack, &key, &image, png(64, false)).await;
    assert_eq!(by_key.error_code(), "DAILY_LIMIT_REACHED", "{}", by_key.body);
    let not_png = save(&stack, &siti.access, &image, b"GIF89a".to_vec()).await;
    assert_eq!(not_png.status, 400, "a body that is refused anyway is named first: {}", not_png.body);
}

#[tokio::test]
async fn a_day_allows_so_many_uploaded_bytes_then_refuses() {
    inside_one_window(Duration::from_secs(86_400), Duration::from_secs(120)).await;
    let (stack, siti, image) = siti_with_an_image(&[("VERSION_UPLOAD_MB_PER_DAY", "1")]).await;
    let body = png(380, true);
    assert!((400_000..500_000).contains(&body.len()), "two fit in 1 MB, three do not: {} bytes", body.len());
    for n in 1..=2 {
        assert_eq!(save(&stack, &siti.access, &image, body.clone()).await.status, 201, "upload {n}");
    }

    let third = save(&stack, &siti.access, &image, body).await;

    assert_refused(&third, "DAILY_LIMIT_REACHED", "version-upload-bytes-per-day", Duration::from_secs(86_400), "3rd");
    let message = third.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 1 MB"), "{message}");
    assert_eq!(save(&stack, &siti.access, &image, png(64, false)).await.status, 201, "a small one still fits");
}

#[tokio::test]
async fn downloads_are_limited_per_user_whatever_key_is_used() {
    inside_one_window(Duration::from_secs(60), Duration::from_secs(40)).await;
    let (stack, siti, image) = siti_with_an_image(&[("DOWNLOADS_PER_MINUTE", "3")]).await;
    let path = format!("/{image}/download?format=jpeg");
    for n in 1..=3 {
        assert_eq!(file(&stack, Method::GET, &path, &siti.access, None).await.status, 200, "download {n}");
    }

    let fourth = file(&stack, Method::GET, &path, &siti.access, None).await;

    assert_refused(&fourth, "RATE_LIMITED", "downloads-per-minute", Duration::from_secs(60), "the 4th");
    let message = fourth.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 3 images can be downloaded a minute"), "{message}");
    let key = api_key(&stack, &siti, &["gallery:read"]).await;
    let by_key = file(&stack, Method::GET, &path, &key, None).await;
    assert_refused(&by_key, "RATE_LIMITED", "downloads-per-minute", Duration::from_secs(60), "a new key");
}

#[tokio::test]
async fn exports_are_limited_per_user_whatever_key_is_used() {
    inside_one_window(Duration::from_secs(60 * 60), Duration::from_secs(60)).await;
    let (stack, siti, image) = siti_with_an_image(&[("EXPORTS_PER_HOUR", "2")]).await;
    let selection = json!({ "ids": [image] });
    for n in 1..=2 {
        let answer = file(&stack, Method::POST, "/export", &siti.access, Some(selection.clone())).await;
        assert_eq!(answer.status, 200, "export {n}: {}", answer.body);
    }

    let third = file(&stack, Method::POST, "/export", &siti.access, Some(selection.clone())).await;

    assert_refused(&third, "RATE_LIMITED", "exports-per-hour", Duration::from_secs(60 * 60), "the 3rd");
    let message = third.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 2 exports can be made an hour"), "{message}");
    let key = api_key(&stack, &siti, &["gallery:read"]).await;
    let by_key = file(&stack, Method::POST, "/export", &key, Some(selection)).await;
    assert_refused(&by_key, "RATE_LIMITED", "exports-per-hour", Duration::from_secs(60 * 60), "a new key");
    let logged = "select count(*) from usage_logs where action = 'export'";
    assert_eq!(count(&stack, logged).await, 2, "a refused export was not made");
}
