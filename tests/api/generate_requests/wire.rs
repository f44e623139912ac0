//! What reaches the model, as the Gemini stand-in recorded it, and what is recorded of the answer:
//! seeds stay int32 across variations, and an edit sent without a ratio sends none, so the model
//! keeps the source's framing and the row takes the ratio and size of the pixels that came back.

use image::ImageFormat;
use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{decoded_size, download, edit, generate, images};
use crate::auth_account::call;
use crate::helpers::signed_up;

/// Every `generateContent` body the stand-in received, oldest first.
fn sent(stack: &TestStack) -> Vec<Value> {
    stack.gemini.generate_bodies()
}

#[tokio::test]
async fn the_largest_seed_is_sent_as_an_int32_and_the_next_variation_wraps_to_zero() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    let answer =
        generate(&stack, &account, json!({ "prompt": "candi Borobudur", "seed": 2_147_483_647, "variations": 2 }))
            .await;

    let mut seeds: Vec<i64> = images(&answer).iter().map(|i| i["seed"].as_i64().unwrap()).collect();
    seeds.sort_unstable();
    assert_eq!(seeds, [0, 2_147_483_647]);
    let mut on_the_wire: Vec<i64> =
        sent(&stack).iter().map(|b| b["generationConfig"]["seed"].as_i64().unwrap()).collect();
    on_the_wire.sort_unstable();
    assert_eq!(on_the_wire, [0, 2_147_483_647], "every seed sent fits the API's int32");
    let db = stack.db.client().await;
    let stored: Vec<i64> = db
        .query("select seed from generated_images order by seed", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(stored, [0, 2_147_483_647]);
}

#[tokio::test]
async fn an_edit_without_a_ratio_keeps_the_sources_framing_and_records_its_real_shape() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    // A default that differs from the source's shape: it must not be what the edit is sent with.
    let patch = json!({ "default_aspect_ratio": "9:16" });
    call(&stack, Method::PATCH, "settings", Some(&account.access), Some(patch)).await.data();
    let source = generate(&stack, &account, json!({ "prompt": "rumah gadang", "aspect_ratio": "4:3" })).await;
    let source_id = images(&source)[0]["id"].as_str().unwrap().to_owned();
    stack.gemini.clear();

    let answer = edit(&stack, &account, json!({ "image_id": source_id, "instruction": "make it rain" })).await;

    let bodies = sent(&stack);
    assert_eq!(bodies.len(), 1);
    let config = &bodies[0]["generationConfig"];
    assert_eq!(config["imageConfig"], json!({ "imageSize": "1K" }), "no aspectRatio: {config}");
    let image = &images(&answer)[0];
    assert_eq!((&image["aspect_ratio"], &image["width"], &image["height"]), (&json!("4:3"), &json!(1200), &json!(896)));
    let original = download(image["urls"]["original"].as_str().unwrap(), "image/webp").await;
    assert_eq!(decoded_size(&original, ImageFormat::WebP), (1200, 896));
    let db = stack.db.client().await;
    let row = db
        .query_one(
            "select aspect_ratio::text, width, height from generated_images where id = $1::text::uuid",
            &[&image["id"].as_str().unwrap()],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, String>(0), row.get::<_, i32>(1), row.get::<_, i32>(2)), ("4:3".into(), 1200, 896));
    let history: String = db
        .query_one("select aspect_ratio::text from prompt_history where prompt = 'make it rain'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(history, "4:3", "a remix from the history gets the edit's real shape");
}

#[tokio::test]
async fn an_edit_with_a_ratio_sends_it_and_gets_that_shape() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let source = generate(&stack, &account, json!({ "prompt": "rumah gadang", "aspect_ratio": "4:3" })).await;
    let source_id = images(&source)[0]["id"].as_str().unwrap().to_owned();
    stack.gemini.clear();

    let body = json!({ "image_id": source_id, "instruction": "make it rain", "aspect_ratio": "9:16" });
    let answer = edit(&stack, &account, body).await;

    assert_eq!(sent(&stack)[0]["generationConfig"]["imageConfig"]["aspectRatio"], "9:16");
    let image = &images(&answer)[0];
    assert_eq!(
        (&image["aspect_ratio"], &image["width"], &image["height"]),
        (&json!("9:16"), &json!(768), &json!(1376))
    );
}
