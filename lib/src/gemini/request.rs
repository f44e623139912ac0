//! `ImageRequest` and the `generateContent` body built from it: one user turn, one image.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::config::Secret;

/// The aspect ratios every current image model accepts (2.5 Flash, 3 Pro and 3.1 Flash share these
/// ten; 3.1 Flash's extreme 1:4…8:1 are left out so one list fits every configured model).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AspectRatio {
    R1x1,
    R16x9,
    R9x16,
    R4x3,
    R3x4,
    R3x2,
    R2x3,
    R5x4,
    R4x5,
    R21x9,
}

impl AspectRatio {
    pub const ALL: [AspectRatio; 10] = [
        Self::R1x1,
        Self::R16x9,
        Self::R9x16,
        Self::R4x3,
        Self::R3x4,
        Self::R3x2,
        Self::R2x3,
        Self::R5x4,
        Self::R4x5,
        Self::R21x9,
    ];

    /// The `imageConfig.aspectRatio` string, e.g. `"16:9"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::R1x1 => "1:1",
            Self::R16x9 => "16:9",
            Self::R9x16 => "9:16",
            Self::R4x3 => "4:3",
            Self::R3x4 => "3:4",
            Self::R3x2 => "3:2",
            Self::R2x3 => "2:3",
            Self::R5x4 => "5:4",
            Self::R4x5 => "4:5",
            Self::R21x9 => "21:9",
        }
    }

    /// `"16:9"` → `R16x9`; anything else is not a ratio we offer.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|ratio| ratio.as_str() == text.trim())
    }
}

impl fmt::Display for AspectRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The product's two quality levels: 1K-class output, or 2K where the model offers it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Quality {
    #[default]
    Standard,
    High,
}

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
    pub aspect_ratio: AspectRatio,
    pub quality: Quality,
    /// Best effort: `generationConfig.seed` makes a repeat likelier to match, never certain.
    pub seed: Option<u32>,
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
            aspect_ratio: AspectRatio::R1x1,
            quality: Quality::Standard,
            seed: None,
            input_image: None,
            api_key: None,
        }
    }
}

/// The prompt text with the negative prompt as an explicit closing sentence, `"… Avoid: x, y."`.
/// Image models follow a plain-language instruction; a bare list of words after the prompt would
/// read as more things to draw.
pub fn fold_negative_prompt(prompt: &str, negative: Option<&str>) -> String {
    let prompt = prompt.trim();
    let negative = negative.map(str::trim).unwrap_or_default().trim_end_matches(['.', '!', '?']);
    if negative.is_empty() {
        return prompt.to_owned();
    }
    let separator = if prompt.is_empty() || prompt.ends_with(['.', '!', '?', '。', '！', '？']) { "" } else { "." };
    let space = if prompt.is_empty() { "" } else { " " };
    format!("{prompt}{separator}{space}Avoid: {negative}.")
}

/// Whether `model` takes `imageConfig.imageSize`: the 3.x Flash and Pro image models do; 2.5 Flash
/// (1024-class only) and the Flash-Lite models do not, and an unknown family is not sent one
/// (a missing size falls back to 1K; an unexpected field would fail the whole call).
pub fn takes_image_size(model: &str) -> bool {
    model.starts_with("gemini-3") && !model.contains("lite")
}

fn image_size(model: &str, quality: Quality) -> Option<&'static str> {
    takes_image_size(model).then_some(match quality {
        Quality::Standard => "1K",
        Quality::High => "2K",
    })
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
    image_config: ImageConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImageConfig {
    aspect_ratio: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_size: Option<&'static str>,
}

/// The JSON body for `model`. Never `candidateCount`: image models refuse more than one.
pub(super) fn body(request: &ImageRequest, model: &str) -> impl Serialize + use<> {
    let mut parts = vec![Part::Text(fold_negative_prompt(&request.prompt, request.negative_prompt.as_deref()))];
    if let Some(image) = &request.input_image {
        parts.push(Part::InlineData { mime_type: image.mime.clone(), data: STANDARD.encode(&image.bytes) });
    }
    Body {
        contents: [Content { role: "user", parts }],
        generation_config: GenerationConfig {
            response_modalities: ["TEXT", "IMAGE"],
            image_config: ImageConfig {
                aspect_ratio: request.aspect_ratio.as_str(),
                image_size: image_size(model, request.quality),
            },
            seed: request.seed,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn folds_the_negative_prompt_into_an_avoid_sentence() {
        let cases = [
            ("a cat on a sofa", Some("blurry, text"), "a cat on a sofa. Avoid: blurry, text."),
            ("A cat on a sofa.", Some(" blurry. "), "A cat on a sofa. Avoid: blurry."),
            ("Kucing di sofa!", Some("teks"), "Kucing di sofa! Avoid: teks."),
            ("  a cat  ", None, "a cat"),
            ("a cat", Some("   "), "a cat"),
            ("", Some("text"), "Avoid: text."),
        ];
        for (prompt, negative, expected) in cases {
            assert_eq!(fold_negative_prompt(prompt, negative), expected, "{prompt:?} / {negative:?}");
        }
    }

    #[test]
    fn image_size_is_sent_only_to_models_that_take_it() {
        let cases = [
            ("gemini-3.1-flash-image", true),
            ("gemini-3-pro-image", true),
            ("gemini-3.1-flash-lite-image", false),
            ("gemini-2.5-flash-image", false),
            ("gemini-nano-banana-2.1", false),
        ];
        for (model, takes) in cases {
            assert_eq!(takes_image_size(model), takes, "{model}");
            let mut request = ImageRequest::new("x");
            request.quality = Quality::High;
            let body = serde_json::to_value(body(&request, model)).unwrap();
            let size = &body["generationConfig"]["imageConfig"]["imageSize"];
            assert_eq!(size, &if takes { json!("2K") } else { json!(null) }, "{model}");
        }
    }

    #[test]
    fn builds_one_user_turn_with_the_edit_image_and_no_candidate_count() {
        let mut request = ImageRequest::new("make it night");
        request.aspect_ratio = AspectRatio::R16x9;
        request.seed = Some(7);
        request.input_image = Some(InputImage { bytes: b"abc".to_vec(), mime: "image/png".into() });
        let body = serde_json::to_value(body(&request, "gemini-3.1-flash-image")).unwrap();
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
                    "seed": 7
                }
            })
        );
    }

    #[test]
    fn parses_only_the_offered_aspect_ratios() {
        for ratio in AspectRatio::ALL {
            assert_eq!(AspectRatio::parse(ratio.as_str()), Some(ratio));
        }
        for bad in ["", "1:2", "16x9", "1:8"] {
            assert_eq!(AspectRatio::parse(bad), None, "{bad}");
        }
    }
}
