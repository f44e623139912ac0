//! What comes back: images at the model's pixel size for each ratio and quality, WebP derivatives
//! at 150/300/800/1920 never wider than the image (the original standing in for the one just below
//! it), one image and one unit per variation.

use image::ImageFormat;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{count, decoded_size, download, generate, images, used};
use crate::helpers::signed_up;

/// The stand-in's 3.1 Flash sizes at 1K (local/src/gemini/render.rs, `GRID_1K`).
const SIZES_1K: [(&str, u64, u64); 5] =
    [("1:1", 1024, 1024), ("16:9", 1376, 768), ("9:16", 768, 1376), ("4:3", 1200, 896), ("3:4", 896, 1200)];

/// The sizes offered for an image `width` wide: 150/300/800/1920 up to its width, the original itself
/// in place of the one it is at most 1.3 times as wide as.
fn offered(width: u64) -> Vec<u64> {
    let (made, stands_in) = studio::imaging::stored_widths(width as u32, &[150, 300, 800, 1920]);
    let mut widths: Vec<u64> = made.into_iter().map(u64::from).collect();
    widths.extend(stands_in.then_some(width));
    widths
}

/// Checks each derivative of `image`: the widths offered that fit, the aspect kept, and the bytes
/// behind its URL a WebP of the stated size. `case` names the request in every message.
async fn assert_derivatives(case: &str, image: &Value, expected_widths: &[u64]) {
    let (width, height) = (image["width"].as_u64().unwrap(), image["height"].as_u64().unwrap());
    let derivatives = image["urls"]["derivatives"].as_array().unwrap();
    let widths: Vec<u64> = derivatives.iter().map(|d| d["width"].as_u64().unwrap()).collect();
    assert_eq!(widths, expected_widths, "{case}: derivative widths of a {width}×{height} image");
    for derivative in derivatives {
        let (w, h) = (derivative["width"].as_u64().unwrap(), derivative["height"].as_u64().unwrap());
        let exact = w as f64 * height as f64 / width as f64;
        assert!((h as f64 - exact).abs() <= 1.0, "{case}: {w}×{h} does not keep {width}×{height}'s aspect");
        let bytes = download(derivative["url"].as_str().unwrap(), "image/webp").await;
        assert_eq!(decoded_size(&bytes, ImageFormat::WebP), (w as u32, h as u32), "{case}: the w{w} WebP's pixels");
    }
}

#[tokio::test]
async fn each_aspect_ratio_gives_the_models_size_with_derivatives_no_wider_than_the_image() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    for (ratio, width, height) in SIZES_1K {
        let answer =
            generate(&stack, &account, json!({ "prompt": "sawah terasering di Bali", "aspect_ratio": ratio })).await;

        let image = &images(&answer)[0];
        assert_eq!((image["width"].as_u64(), image["height"].as_u64()), (Some(width), Some(height)), "{ratio}");
        assert_eq!(image["aspect_ratio"], ratio);
        let original = download(image["urls"]["original"].as_str().unwrap(), "image/webp").await;
        assert_eq!(decoded_size(&original, ImageFormat::WebP), (width as u32, height as u32), "{ratio}: original");
        assert_derivatives(ratio, image, &offered(width)).await;
    }
}

#[tokio::test]
async fn high_quality_asks_for_2k_and_gets_every_derivative_width() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    let answer = generate(&stack, &account, json!({ "prompt": "wayang di balik kelir", "quality": "high" })).await;

    let image = &images(&answer)[0];
    assert_eq!((image["width"].as_u64(), image["height"].as_u64()), (Some(2048), Some(2048)));
    assert_eq!(image["quality"], "high");
    assert_derivatives("1:1 high", image, &[150, 300, 800, 2048]).await;
}

#[tokio::test]
async fn each_variation_is_an_image_and_a_unit_with_its_index_and_the_next_seed() {
    let stack = TestStack::start().await;

    for variations in 1..=4u64 {
        let account = signed_up(&stack, &format!("siti{variations}@example.com")).await;
        let body = json!({ "prompt": "kucing oren di jendela", "variations": variations, "seed": 4242 });

        let answer = generate(&stack, &account, body).await;

        let images = images(&answer);
        let indexes: Vec<u64> = images.iter().map(|i| i["variation_index"].as_u64().unwrap()).collect();
        let seeds: Vec<u64> = images.iter().map(|i| i["seed"].as_u64().unwrap()).collect();
        assert_eq!(indexes, (0..variations).collect::<Vec<_>>(), "{variations} variations");
        assert_eq!(seeds, (4242..4242 + variations).collect::<Vec<_>>(), "{variations} variations: seed + i");
        assert_eq!(answer.data()["failed_variations"], 0);
        assert_eq!(used(&stack, &account).await, (variations as i64, variations as i64), "{variations} variations");
        let sql = format!(
            "select count(*) from generated_images g join users u on u.id = g.user_id
              where u.email = 'siti{variations}@example.com' and g.seed = 4242 + g.variation_index"
        );
        assert_eq!(count(&stack, &sql).await, variations as i64, "{variations} variations: rows with their seeds");
    }
}

#[tokio::test]
async fn the_answer_carries_the_quota_left_and_the_model_used() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    let answer = generate(&stack, &account, json!({ "prompt": "pasar apung Banjarmasin", "variations": 3 })).await;

    let data = answer.data();
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(data["model"], studio::gemini::DEFAULT_MODEL);
    assert!(data["images"].as_array().unwrap().iter().all(|i| i["model"] == data["model"]), "{data}");
    assert_eq!((&data["quota"]["daily"]["used"], &data["quota"]["daily"]["limit"]), (&json!(3), &json!(50)));
    assert_eq!((&data["quota"]["monthly"]["used"], &data["quota"]["monthly"]["limit"]), (&json!(3), &json!(1500)));
    assert!(data["quota"]["daily"]["resets_at"].as_str().unwrap().ends_with("T00:00:00Z"), "{data}");
}
