//! What our client puts on the wire, as the stand-in recorded it: only fields the real API knows,
//! in camelCase, an int32 seed, an `imageSize` only for families that take one, and no
//! `aspectRatio` on an edit sent without one, which then keeps its input's framing.

use serde_json::{Value, json};
use studio::domain::{AspectRatio, Quality, Seed};
use studio::gemini::{ImageRequest, InputImage};

use super::{generate, solid_png, stack_with};

/// The one `generateContent` body the stack's stand-in received since the last clear.
fn only_body(stack: &studio_local::testing::TestStack) -> Value {
    let bodies = stack.gemini.generate_bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    bodies.into_iter().next().unwrap_or_default()
}

#[tokio::test]
async fn a_generation_sends_exactly_the_documented_fields() {
    let stack = stack_with(&[]).await;
    let request = ImageRequest {
        negative_prompt: Some("text".into()),
        aspect_ratio: Some(AspectRatio::R16x9),
        quality: Quality::High,
        seed: Some(Seed::parse("seed", Seed::MAX).unwrap()),
        ..ImageRequest::new("a harbour at dawn")
    };

    let image = generate(&stack, &request).await.unwrap();

    assert_eq!((image.width, image.height), (2752, 1536));
    assert_eq!(
        only_body(&stack),
        json!({
            "contents": [{ "role": "user", "parts": [{ "text": "a harbour at dawn. Avoid: text." }] }],
            "generationConfig": {
                "responseModalities": ["TEXT", "IMAGE"],
                "imageConfig": { "aspectRatio": "16:9", "imageSize": "2K" },
                "seed": 2_147_483_647,
            },
        })
    );
    let received = stack.gemini.all();
    assert_eq!(received[0].model(), Some("gemini-3.1-flash-image"));
    assert_eq!(received[0].method, "POST");
}

#[tokio::test]
async fn image_size_is_sent_only_to_model_families_that_take_it() {
    let cases = [
        ("gemini-3.1-flash-image", Some("2K"), (2048, 2048)),
        ("gemini-3-pro-image", Some("2K"), (2048, 2048)),
        ("gemini-2.5-flash-image", None, (1024, 1024)),
        ("gemini-3.1-flash-lite-image", None, (1024, 1024)),
        // Not in the client's table: no imageSize, so the model's default 1K, never a refusal.
        ("gemini-nano-banana-2.1", None, (1024, 1024)),
    ];
    for (model, size, pixels) in cases {
        let stack = stack_with(&[("GEMINI_MODEL", model)]).await;
        let request = ImageRequest { quality: Quality::High, ..ImageRequest::new("a kite") };

        let image = generate(&stack, &request).await.unwrap_or_else(|e| panic!("{model}: {e}"));

        let body = only_body(&stack);
        assert_eq!(body["generationConfig"]["imageConfig"]["imageSize"].as_str(), size, "{model}");
        assert_eq!(body["generationConfig"]["imageConfig"]["aspectRatio"], "1:1", "{model}");
        assert_eq!((image.width, image.height), pixels, "{model}");
    }
}

#[tokio::test]
async fn an_edit_without_a_ratio_sends_none_and_keeps_the_inputs_framing() {
    let stack = stack_with(&[]).await;
    let edit = |ratio: Option<AspectRatio>, width: u32, height: u32| ImageRequest {
        aspect_ratio: ratio,
        input_image: Some(InputImage { bytes: solid_png(width, height, [40, 90, 160]), mime: "image/png".into() }),
        ..ImageRequest::new("add falling snow")
    };
    let cases = [
        ("16:9 input, no ratio", edit(None, 1376, 768), None, (1376, 768)),
        ("tall input, no ratio: 3.1 Flash's 1:4", edit(None, 300, 1200), None, (512, 2048)),
        ("16:9 input, 1:1 asked", edit(Some(AspectRatio::R1x1), 1376, 768), Some("1:1"), (1024, 1024)),
    ];
    for (case, request, sent_ratio, pixels) in cases {
        stack.gemini.clear();

        let image = generate(&stack, &request).await.unwrap_or_else(|e| panic!("{case}: {e}"));

        let body = only_body(&stack);
        let config = &body["generationConfig"]["imageConfig"];
        assert_eq!(config["aspectRatio"].as_str(), sent_ratio, "{case}: {body}");
        assert_eq!(config["imageSize"], "1K", "{case}");
        assert_eq!(body["contents"][0]["parts"][1]["inlineData"]["mimeType"], "image/png", "{case}");
        assert_eq!((image.width, image.height), pixels, "{case}");
    }
}

#[tokio::test]
async fn each_family_frames_an_edit_within_its_own_ratios() {
    let flash25 = stack_with(&[("GEMINI_MODEL", "gemini-2.5-flash-image")]).await;
    let request = ImageRequest {
        aspect_ratio: None,
        input_image: Some(InputImage { bytes: solid_png(300, 1200, [9, 9, 9]), mime: "image/png".into() }),
        ..ImageRequest::new("add falling snow")
    };

    let image = generate(&flash25, &request).await.unwrap();

    assert_eq!((image.width, image.height), (768, 1344), "1:4 is 3.1 Flash's only: 2.5 Flash's nearest is 9:16");
    assert_eq!(only_body(&flash25)["generationConfig"], json!({ "responseModalities": ["TEXT", "IMAGE"] }));
}
