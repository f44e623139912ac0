//! Generation end to end through HTTP: a prompt becomes stored, recorded images with derivatives,
//! one quota unit each. The detailed behaviour and the faults are specified in the other modules.

use serde_json::json;
use studio_local::testing::TestStack;

use crate::helpers::{request, send, signed_up};

#[tokio::test]
async fn a_prompt_becomes_stored_images_with_derivatives_and_is_charged_once_per_variation() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let body = json!({ "prompt": "kucing oren tidur di atas kain batik", "aspect_ratio": "16:9", "variations": 2,
                       "template": "watercolor-storybook" });

    let answer =
        send(request(reqwest::Method::POST, &format!("{}/api/generate", stack.url), Some(&account.access), Some(body)))
            .await;

    assert_eq!(answer.status, 201, "{}", answer.body);
    let images = answer.data()["images"].as_array().unwrap().clone();
    assert_eq!(images.len(), 2);
    for image in &images {
        assert_eq!((image["width"].as_u64(), image["height"].as_u64()), (Some(1376), Some(768)), "{image}");
        assert!(image["final_prompt"].as_str().unwrap().contains("kucing oren"), "{image}");
        let derivatives = image["urls"]["derivatives"].as_array().unwrap();
        let widths: Vec<u64> = derivatives.iter().map(|d| d["width"].as_u64().unwrap()).collect();
        assert_eq!(widths, vec![150, 300, 800], "never upscaled past 1376");
        let original = reqwest::get(image["urls"]["original"].as_str().unwrap()).await.unwrap();
        assert_eq!(original.status(), 200);
        assert_eq!(original.headers()["content-type"], "image/webp", "originals are stored as WebP");
    }
    assert_eq!(answer.data()["quota"]["daily"]["used"], 2);
    let client = stack.db.client().await;
    let rows: i64 = client.query_one("select count(*) from generated_images", &[]).await.unwrap().get(0);
    let history: i64 = client.query_one("select count(*) from prompt_history", &[]).await.unwrap().get(0);
    assert_eq!((rows, history), (2, 1));
}
