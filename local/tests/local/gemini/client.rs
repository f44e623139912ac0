//! The client's happy paths: sizes per ratio and quality, deterministic pictures per prompt,
//! edits that derive from their input, and a user's own key (BYOK) used instead of the operator's.

use studio::config::Secret;
use studio::domain::{AspectRatio, Quality, Seed};
use studio::gemini::{GeminiError, ImageRequest, InputImage};
use studio_local::gemini::LOCAL_GEMINI_KEY;

use super::{decode, generate, mean_colour, solid_png, stack_with};

fn request(prompt: &str, ratio: AspectRatio, quality: Quality) -> ImageRequest {
    ImageRequest { aspect_ratio: Some(ratio), quality, ..ImageRequest::new(prompt) }
}

#[tokio::test]
async fn each_aspect_ratio_and_quality_gives_the_models_pixel_size() {
    let flash31 = stack_with(&[]).await;
    let flash25 = stack_with(&[("GEMINI_MODEL", "gemini-2.5-flash-image")]).await;
    let cases = [
        (&flash31, AspectRatio::R1x1, Quality::Standard, (1024, 1024)),
        (&flash31, AspectRatio::R16x9, Quality::Standard, (1376, 768)),
        (&flash31, AspectRatio::R9x16, Quality::Standard, (768, 1376)),
        (&flash31, AspectRatio::R4x3, Quality::Standard, (1200, 896)),
        (&flash31, AspectRatio::R3x4, Quality::Standard, (896, 1200)),
        (&flash31, AspectRatio::R16x9, Quality::High, (2752, 1536)),
        // 2.5 Flash takes no imageSize (the stand-in refuses one): high quality stays 1024-class.
        (&flash25, AspectRatio::R16x9, Quality::High, (1344, 768)),
        (&flash25, AspectRatio::R3x4, Quality::Standard, (864, 1184)),
    ];
    for (stack, ratio, quality, (width, height)) in cases {
        let image = generate(stack, &request("a lighthouse", ratio, quality)).await.unwrap();
        let case = format!("{} {ratio} {quality:?}", stack.app.gemini.model());
        assert_eq!((image.width, image.height), (width, height), "{case}");
        assert_eq!(decode(&image.bytes).dimensions(), (width, height), "{case}: header and pixels agree");
        assert_eq!(image.mime, "image/png", "{case}");
        assert_eq!(image.model, stack.app.gemini.model(), "{case}");
    }
}

#[tokio::test]
async fn same_prompt_gives_the_same_image_and_other_prompts_or_seeds_other_images() {
    let stack = stack_with(&[]).await;
    let square = |prompt: &str| request(prompt, AspectRatio::R1x1, Quality::Standard);

    let first = generate(&stack, &square("a red fox in snow")).await.unwrap();
    let again = generate(&stack, &square("a red fox in snow")).await.unwrap();
    let other = generate(&stack, &square("a blue whale at dusk")).await.unwrap();
    let seeded =
        generate(&stack, &ImageRequest { seed: Some(Seed::parse("seed", 42).unwrap()), ..square("a red fox in snow") })
            .await
            .unwrap();

    assert_eq!(first.bytes, again.bytes);
    assert_ne!(first.bytes, other.bytes);
    assert_ne!(first.bytes, seeded.bytes);
    let (a, b) = (decode(&first.bytes), decode(&other.bytes));
    let below_banner = 200..1024;
    assert_ne!(mean_colour(&a, below_banner.clone()), mean_colour(&b, below_banner), "visibly different");
}

#[tokio::test]
async fn the_folded_negative_prompt_reaches_the_model_and_its_text_comes_back() {
    let stack = stack_with(&[]).await;
    let request =
        ImageRequest { negative_prompt: Some("text, watermark".into()), ..ImageRequest::new("a quiet harbour") };

    let image = generate(&stack, &request).await.unwrap();

    assert_eq!(image.text.as_deref(), Some("Offline preview of: a quiet harbour. Avoid: text, watermark."));
}

#[tokio::test]
async fn an_edit_returns_a_transformed_version_of_its_input() {
    let stack = stack_with(&[]).await;
    let edit = |colour: [u8; 3]| ImageRequest {
        aspect_ratio: None,
        input_image: Some(InputImage { bytes: solid_png(640, 480, colour), mime: "image/png".into() }),
        ..ImageRequest::new("make it dusk")
    };

    let from_red = generate(&stack, &edit([250, 10, 10])).await.unwrap();
    let from_blue = generate(&stack, &edit([10, 10, 250])).await.unwrap();

    assert_eq!((from_red.width, from_red.height), (1200, 896), "the input's 4:3 framing, on the model's 1K grid");
    let (red, blue) =
        (mean_colour(&decode(&from_red.bytes), 400..896), mean_colour(&decode(&from_blue.bytes), 400..896));
    assert!(red[0] > blue[0] + 100.0 && blue[2] > red[2] + 100.0, "each follows its input: {red:?} {blue:?}");
    let change: f64 = red.iter().zip([250.0, 10.0, 10.0]).map(|(got, input)| (got - input).abs()).sum();
    assert!(change > 20.0, "tinted, not a copy: {red:?}");
}

#[tokio::test]
async fn a_users_own_key_is_sent_instead_of_the_operators() {
    let wrong_operator_key = stack_with(&[("GEMINI_API_KEY", "operator-key-that-is-wrong")]).await;
    let right_operator_key = stack_with(&[]).await;
    let with_key = |key: &str| ImageRequest { api_key: Some(Secret::new(key)), ..ImageRequest::new("a kite") };

    let byok = generate(&wrong_operator_key, &with_key(LOCAL_GEMINI_KEY)).await;
    let operator = generate(&wrong_operator_key, &ImageRequest::new("a kite")).await;
    let wrong_byok = generate(&right_operator_key, &with_key("users-key-that-is-wrong")).await;
    let unsendable = generate(&right_operator_key, &with_key("pasted\nkey")).await;

    assert!(byok.is_ok(), "{byok:?}");
    assert!(matches!(operator, Err(GeminiError::InvalidKey)), "{operator:?}");
    assert!(matches!(wrong_byok, Err(GeminiError::InvalidKey)), "{wrong_byok:?}");
    assert!(matches!(unsendable, Err(GeminiError::InvalidKey)), "{unsendable:?}");
}

#[tokio::test]
async fn a_retired_model_id_is_model_not_found() {
    let stack = stack_with(&[("GEMINI_MODEL", "gemini-2.5-flash-image-preview")]).await;
    let result = generate(&stack, &ImageRequest::new("a kite")).await;
    assert!(matches!(result, Err(GeminiError::ModelNotFound(_))), "{result:?}");
}
