//! The stand-in itself, called raw: auth, models and body checks answer as the real API documents
//! (services.md §4.2, §4.6, §6.2), and a success has the real response's shape and pixel sizes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use studio_local::gemini::{LOCAL_GEMINI_KEY, choose_backend, router};
use studio_local::testing::serve;

use super::{decode, solid_png};

/// `POST {base}/v1beta/models/{model}:generateContent` with `key` in the header; status and JSON.
async fn call(base: &str, model: &str, key: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(format!("{base}/v1beta/models/{model}:generateContent")).json(body);
    if let Some(key) = key {
        request = request.header("x-goog-api-key", key);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn prompt(text: &str, image_config: Value) -> Value {
    json!({ "contents": [{ "role": "user", "parts": [{ "text": text }] }],
            "generationConfig": { "responseModalities": ["TEXT", "IMAGE"], "imageConfig": image_config } })
}

fn image_of(part: &Value) -> image::RgbImage {
    decode(&STANDARD.decode(part["inlineData"]["data"].as_str().unwrap()).unwrap())
}

#[tokio::test]
async fn missing_and_wrong_keys_are_refused_as_google_does() {
    let base = serve(router()).await;
    let body = prompt("x", json!({}));

    let (missing, missing_body) = call(&base, "gemini-3.1-flash-image", None, &body).await;
    let (wrong, wrong_body) = call(&base, "gemini-3.1-flash-image", Some("nope"), &body).await;
    let by_query = reqwest::Client::new()
        .post(format!("{base}/v1beta/models/gemini-3.1-flash-image:generateContent?key={LOCAL_GEMINI_KEY}"))
        .json(&body)
        .send()
        .await
        .unwrap();

    assert_eq!((missing, missing_body["error"]["status"].as_str()), (403, Some("PERMISSION_DENIED")));
    assert!(
        missing_body["error"]["message"].as_str().unwrap().starts_with("Method doesn't allow unregistered callers")
    );
    assert_eq!((wrong, wrong_body["error"]["status"].as_str()), (400, Some("INVALID_ARGUMENT")));
    assert_eq!(wrong_body["error"]["message"], "API key not valid. Please pass a valid API key.");
    assert_eq!(wrong_body["error"]["details"][0]["reason"], "API_KEY_INVALID");
    assert_eq!(by_query.status(), 200);
}

#[tokio::test]
async fn accepts_current_image_models_and_404s_retired_and_other_ids() {
    let base = serve(router()).await;
    let body = prompt("x", json!({ "aspectRatio": "1:1" }));
    let cases = [
        ("gemini-3.1-flash-image", 200),
        ("gemini-3-pro-image", 200),
        ("gemini-2.5-flash-image", 200),
        ("gemini-3.1-flash-lite-image", 200),
        ("gemini-nano-banana-2.1", 200),
        ("gemini-3.1-flash-image-preview", 404),
        ("gemini-2.0-flash-preview-image-generation", 404),
        ("imagen-4.0-generate-001", 404),
        ("gemini-2.5-flash", 404),
    ];
    for (model, status) in cases {
        let (got, answer) = call(&base, model, Some(LOCAL_GEMINI_KEY), &body).await;
        assert_eq!(got, status, "{model}: {answer}");
        if status == 404 {
            assert_eq!(answer["error"]["status"], "NOT_FOUND", "{model}");
        }
    }
}

#[tokio::test]
async fn refuses_bodies_the_real_api_refuses() {
    let base = serve(router()).await;
    let inline = |mime: &str, data: &str| json!({ "contents": [{ "parts": [{ "text": "edit" }, { "inlineData": { "mimeType": mime, "data": data } }] }] });
    let png = STANDARD.encode(solid_png(64, 64, [9, 9, 9]));
    let cases = [
        (
            "gemini-3.1-flash-image",
            json!({ "contents": [{ "parts": [{ "text": "x" }] }], "colour": 1 }),
            "Unknown name \"colour\": Cannot find field.",
        ),
        (
            "gemini-3.1-flash-image",
            json!({ "contents": [{ "parts": [{ "text": "x" }] }], "generationConfig": { "imageConfig": { "style": "x" } } }),
            "Unknown name \"style\" at 'generation_config.image_config'",
        ),
        ("gemini-3.1-flash-image", json!({ "contents": [] }), "contents is not specified"),
        (
            "gemini-3.1-flash-image",
            json!({ "contents": [{ "parts": [{ "text": "x" }] }], "generationConfig": { "seed": 4_294_967_295_u64 } }),
            "Invalid value at 'generation_config.seed' (TYPE_INT32), 4294967295",
        ),
        (
            "gemini-3.1-flash-image",
            json!({ "contents": [{ "parts": [{ "text": "x" }] }], "generationConfig": { "seed": -2_147_483_649_i64 } }),
            "Invalid value at 'generation_config.seed' (TYPE_INT32), -2147483649",
        ),
        ("gemini-3.1-flash-image", json!({ "contents": [{ "parts": [] }] }), "contents.parts must not be empty"),
        ("gemini-3.1-flash-image", prompt("x", json!({ "aspectRatio": "7:5" })), "unsupported aspect ratio \"7:5\""),
        ("gemini-2.5-flash-image", prompt("x", json!({ "aspectRatio": "1:8" })), "unsupported aspect ratio \"1:8\""),
        ("gemini-3-pro-image", prompt("x", json!({ "aspectRatio": "1:4" })), "unsupported aspect ratio \"1:4\""),
        ("gemini-3.1-flash-image", prompt("x", json!({ "imageSize": "1k" })), "unsupported image size \"1k\""),
        ("gemini-3-pro-image", prompt("x", json!({ "imageSize": "512" })), "unsupported image size \"512\""),
        (
            "gemini-2.5-flash-image",
            prompt("x", json!({ "imageSize": "1K" })),
            "image_size is not supported by this model",
        ),
        (
            "gemini-3.1-flash-lite-image",
            prompt("x", json!({ "imageSize": "1K" })),
            "image_size is not supported by this model",
        ),
        (
            "gemini-3.1-flash-image",
            json!({ "contents": [{ "parts": [{ "text": "x" }] }], "generationConfig": { "candidateCount": 2 } }),
            "Multiple candidates is not enabled for this model",
        ),
        (
            "gemini-3.1-flash-image",
            json!({ "contents": [{ "parts": [{ "text": "x" }] }], "generationConfig": { "responseModalities": ["AUDIO"] } }),
            "response_modalities[0]",
        ),
        ("gemini-3.1-flash-image", inline("image/gif", &png), "Unsupported MIME type: image/gif"),
        ("gemini-3.1-flash-image", inline("image/png", "%%%"), "Base64 decoding failed"),
        (
            "gemini-3.1-flash-image",
            inline("image/png", &STANDARD.encode(b"not a png")),
            "Unable to process input image",
        ),
    ];
    for (model, body, message) in cases {
        let (status, answer) = call(&base, model, Some(LOCAL_GEMINI_KEY), &body).await;
        assert_eq!(
            (status, answer["error"]["status"].as_str()),
            (400, Some("INVALID_ARGUMENT")),
            "{message}: {answer}"
        );
        assert_eq!(answer["error"]["code"], 400, "{message}");
        let got = answer["error"]["message"].as_str().unwrap();
        assert!(got.contains(message), "expected {message:?} in {got:?}");
    }
}

#[tokio::test]
async fn a_3x_answer_has_its_thoughts_then_text_then_the_final_image() {
    let base = serve(router()).await;

    let (status, answer) = call(
        &base,
        "gemini-3.1-flash-image",
        Some(LOCAL_GEMINI_KEY),
        &prompt("a tea garden", json!({ "aspectRatio": "16:9" })),
    )
    .await;

    assert_eq!(status, 200, "{answer}");
    let candidate = &answer["candidates"][0];
    assert_eq!((candidate["finishReason"].as_str(), candidate["index"].as_i64()), (Some("STOP"), Some(0)));
    let parts = candidate["content"]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 4, "{parts:?}");
    assert_eq!((parts[0]["thought"].as_bool(), parts[0]["text"].is_string()), (Some(true), true), "a thought summary");
    assert_eq!(parts[1]["thought"], true);
    assert!(image_of(&parts[1]).width() < 1376, "the thought image is a low-resolution draft");
    assert_eq!((parts[2]["text"].as_str(), parts[2].get("thought")), (Some("Offline preview of: a tea garden"), None));
    assert_eq!(image_of(&parts[3]).dimensions(), (1376, 768));
    assert!(parts[3]["thoughtSignature"].is_string() && parts[3].get("thought").is_none());
    assert_eq!(answer["usageMetadata"]["candidatesTokenCount"], 1120);
    assert_eq!(answer["modelVersion"], "gemini-3.1-flash-image");
    assert!(answer["responseId"].as_str().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn pixel_sizes_follow_the_models_tables() {
    let base = serve(router()).await;
    let cases = [
        ("gemini-2.5-flash-image", json!({ "aspectRatio": "21:9" }), (1536, 672), 1290),
        ("gemini-2.5-flash-image", json!({}), (1024, 1024), 1290),
        ("gemini-3.1-flash-image", json!({ "aspectRatio": "16:9", "imageSize": "512" }), (688, 384), 747),
        ("gemini-3.1-flash-image", json!({ "aspectRatio": "1:8" }), (384, 3072), 1120),
        ("gemini-3-pro-image", json!({ "aspectRatio": "9:16", "imageSize": "2K" }), (1536, 2752), 1680),
    ];
    for (model, image_config, size, tokens) in cases {
        let (status, answer) = call(&base, model, Some(LOCAL_GEMINI_KEY), &prompt("dunes", image_config.clone())).await;
        assert_eq!(status, 200, "{model} {image_config}: {answer}");
        let parts = answer["candidates"][0]["content"]["parts"].as_array().unwrap();
        assert_eq!(image_of(parts.last().unwrap()).dimensions(), size, "{model} {image_config}");
        assert_eq!(answer["usageMetadata"]["candidatesTokenCount"], tokens, "{model} {image_config}");
        let thoughts = parts.iter().filter(|p| p["thought"] == true).count();
        let expected = if model.starts_with("gemini-2.5") { 0 } else { 2 };
        assert_eq!(thoughts, expected, "{model}: a thought summary and image only on 3.x");
    }
}

#[tokio::test]
async fn the_preview_carries_a_visible_banner() {
    let base = serve(router()).await;
    let (_, answer) = call(&base, "gemini-2.5-flash-image", Some(LOCAL_GEMINI_KEY), &prompt("fog", json!({}))).await;
    let image = image_of(&answer["candidates"][0]["content"]["parts"][1]);
    let banner: Vec<[u8; 3]> = (0..image.width()).map(|x| image.get_pixel(x, 4).0).collect();
    assert!(banner.iter().all(|p| *p == [24, 24, 28]), "a dark band across the top");
    let lettered = (0..image.width()).any(|x| (10..80).any(|y| image.get_pixel(x, y).0 == [255, 255, 255]));
    assert!(lettered, "white lettering in the band");
}

#[tokio::test]
async fn lists_models_for_a_valid_key_only() {
    let base = serve(router()).await;
    let client = reqwest::Client::new();
    let listed: Value = client
        .get(format!("{base}/v1beta/models"))
        .header("x-goog-api-key", LOCAL_GEMINI_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let anonymous = client.get(format!("{base}/v1beta/models")).send().await.unwrap();

    let names: Vec<&str> = listed["models"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"models/gemini-3.1-flash-image"), "{names:?}");
    assert_eq!(listed["models"][0]["supportedGenerationMethods"][0], "generateContent");
    assert_eq!(anonymous.status(), 403);
}

#[test]
fn the_dev_server_uses_the_live_api_only_when_given_a_key() {
    let local = vec![
        ("GEMINI_API_KEY".to_owned(), LOCAL_GEMINI_KEY.to_owned()),
        ("GEMINI_BASE_URL".to_owned(), "http://x/gemini".to_owned()),
    ];

    let mut offline = local.clone();
    let offline_line = choose_backend(&mut offline, |_| None);
    let mut live = local.clone();
    let live_line = choose_backend(&mut live, |name| (name == "GEMINI_API_KEY").then(|| "real-key".to_owned()));

    assert_eq!((offline_line.as_str(), &offline), ("Gemini: offline preview renderer", &local));
    assert_eq!(live_line, "Gemini: live API (model gemini-3.1-flash-image)");
    assert_eq!(live, vec![("GEMINI_API_KEY".to_owned(), "real-key".to_owned())], "default base URL, the given key");
}
