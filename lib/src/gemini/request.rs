//! `ImageRequest` and the `generateContent` body built from it: one user turn, one image, and
//! only the fields the model's family takes (the API refuses unknown or unsupported ones).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::models::ModelFamily;
use crate::config::Secret;
use crate::domain::generation::fold_negative_prompt;
use crate::domain::{AspectRatio, Quality, Seed};

/// An image sent along for an edit.
#[derive(Clone)]
pub struct InputImage {
    pub bytes: Vec<u8>,
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub mime: String,
}

impl fmt::Debug for InputImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InputImage({}, {} bytes)", self.mime, self.bytes.len())
    }
}

/// One image to make: a generation, or an edit when `input_image` is set.
#[derive(Clone, Debug)]
pub struct ImageRequest {
    pub prompt: String,
    /// What to keep out of the image; folded into the text (Gemini has no negative field).
    pub negative_prompt: Option<String>,
    /// `None`: no `aspectRatio` is sent, and the model keeps an edit's input framing (1:1 for a
    /// generation).
    pub aspect_ratio: Option<AspectRatio>,
    pub quality: Quality,
    /// Best effort: `generationConfig.seed` (an int32) makes a repeat likelier to match, never
    /// certain.
    pub seed: Option<Seed>,
    pub input_image: Option<InputImage>,
    /// A user's own key (BYOK) used instead of the operator's for this call.
    pub api_key: Option<Secret>,
}

impl ImageRequest {
    /// A square, standard-quality generation of `prompt`.
    pub fn new(prompt: impl Into<String>) -> Self {
        Self {
            prompt: prompt.into(),
            negative_prompt: None,
            aspect_ratio: Some(AspectRatio::R1x1),
            quality: Quality::Standard,
            seed: None,
            input_image: None,
            api_key: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    contents: [Content; 1],
    generation_config: GenerationConfig,
}

#[derive(Serialize)]
struct Content {
    role: &'static str,
    parts: Vec<Part>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum Part {
    Text(String),
    InlineData {
        #[serde(rename = "mimeType")]
        mime_type: String,
        data: String,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerationConfig {
    response_modalities: [&'static str; 2],
    #[serde(skip_serializing_if = "ImageConfig::is_empty")]
    image_config: ImageConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<i32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImageConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    aspect_ratio: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_size: Option<&'static str>,
}

impl ImageConfig {
    fn is_empty(&self) -> bool {
        self.aspect_ratio.is_none() && self.image_size.is_none()
    }
}

/// The JSON body for a model of `family`. Never `candidateCount`: image models refuse more than
/// one; never an `imageSize` the family does not take.
pub(super) fn body(request: &ImageRequest, family: ModelFamily) -> impl Serialize + use<> {
    let mut parts = vec![Part::Text(fold_negative_prompt(&request.prompt, request.negative_prompt.as_deref()))];
    if let Some(image) = &request.input_image {
        parts.push(Part::InlineData { mime_type: image.mime.clone(), data: STANDARD.encode(&image.bytes) });
    }
    Body {
        contents: [Content { role: "user", parts }],
        generation_config: GenerationConfig {
            response_modalities: ["TEXT", "IMAGE"],
            image_config: ImageConfig {
                aspect_ratio: request.aspect_ratio.map(AspectRatio::as_str),
                image_size: family.image_size(request.quality),
            },
            seed: request.seed.map(Seed::get),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_size_is_sent_only_to_families_that_take_it() {
        let cases = [
            ("gemini-3.1-flash-image", json!("2K")),
            ("gemini-3-pro-image", json!("2K")),
            ("gemini-3.1-flash-lite-image", json!(null)),
            ("gemini-2.5-flash-image", json!(null)),
            ("gemini-nano-banana-2.1", json!(null)),
        ];
        for (model, size) in cases {
            let request = ImageRequest { quality: Quality::High, ..ImageRequest::new("x") };
            let body = serde_json::to_value(body(&request, ModelFamily::of(model))).unwrap();
            assert_eq!(body["generationConfig"]["imageConfig"]["imageSize"], size, "{model}");
        }
    }

    #[test]
    fn an_edit_without_a_ratio_sends_no_image_config_where_nothing_else_goes_in_it() {
        let request = ImageRequest {
            aspect_ratio: None,
            input_image: Some(InputImage { bytes: b"abc".to_vec(), mime: "image/png".into() }),
            ..ImageRequest::new("make it night")
        };
        let flash25 = serde_json::to_value(body(&request, ModelFamily::Flash25)).unwrap();
        let flash31 = serde_json::to_value(body(&request, ModelFamily::Flash31)).unwrap();
        assert_eq!(flash25["generationConfig"], json!({ "responseModalities": ["TEXT", "IMAGE"] }));
        assert_eq!(flash31["generationConfig"]["imageConfig"], json!({ "imageSize": "1K" }));
    }

    #[test]
    fn builds_one_user_turn_with_the_edit_image_and_no_candidate_count() {
        let mut request = ImageRequest::new("make it night");
        request.aspect_ratio = Some(AspectRatio::R16x9);
        request.seed = Some(Seed::parse("seed", 2_147_483_647).unwrap());
        request.input_image = Some(InputImage { bytes: b"abc".to_vec(), mime: "image/png".into() });
        let body = serde_json::to_value(body(&request, ModelFamily::Flash31)).unwrap();
        assert_eq!(
            body,
            json!({
                "contents": [{ "role": "user", "parts": [
                    { "text": "make it night" },
                    { "inlineData": { "mimeType": "image/png", "data": "YWJj" } }
                ]}],
                "generationConfig": {
                    "responseModalities": ["TEXT", "IMAGE"],
                    "imageConfig": { "aspectRatio": "16:9", "imageSize": "1K" },
                    "seed": 2_147_483_647
                }
            })
        );
    }
}
