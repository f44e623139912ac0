//! What the Gemini stand-in accepts, as the real API does (services.md §4.2, §6.2): the model id,
//! the body's fields (unknown ones refused), and each value; every refusal in Google's error shape.

use axum::Json;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::StatusCode;
use serde_json::{Value, json};

use super::schema::{self, Content, GenerationConfig, InlineData};

/// A refusal in Google's shape: `{"error": {"code", "message", "status", "details"}}`.
#[derive(Debug)]
pub struct GoogleError {
    pub code: u16,
    pub status: &'static str,
    pub message: String,
    pub details: Value,
}

impl GoogleError {
    pub fn new(code: u16, status: &'static str, message: impl Into<String>) -> Self {
        Self { code, status, message: message.into(), details: json!([]) }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "INVALID_ARGUMENT", message)
    }

    /// The real API's answer for an unknown, retired or non-`generateContent` model.
    pub fn model_not_found(model: &str) -> Self {
        Self::new(
            404,
            "NOT_FOUND",
            format!(
                "models/{model} is not found for API version v1beta, or is not supported for generateContent. \
             Call ListModels to see the list of available models and their supported methods."
            ),
        )
    }
}

impl IntoResponse for GoogleError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::BAD_REQUEST);
        let body = json!({ "error": {
            "code": self.code, "message": self.message, "status": self.status, "details": self.details } });
        (status, Json(body)).into_response()
    }
}

/// Image model families, which differ in ratios, sizes, output grids and thinking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `gemini-2.5-flash-image`: 1024-class only, no `imageSize`, no thoughts.
    Flash25,
    /// `gemini-3.1-flash-image`: 512/1K/2K/4K, four extra extreme ratios, thinks.
    Flash31,
    /// `gemini-3-pro-image` and later 3.x ids: 1K/2K/4K, thinks.
    Pro3,
    /// Flash-Lite image models: no `imageSize`, no thoughts.
    Lite,
}

/// Ids Google has shut down: the stand-in answers 404, as production does.
const RETIRED: [&str; 5] = [
    "gemini-2.0-flash-exp-image-generation",
    "gemini-2.0-flash-preview-image-generation",
    "gemini-2.5-flash-image-preview",
    "gemini-3-pro-image-preview",
    "gemini-3.1-flash-image-preview",
];

const RATIOS: [&str; 10] = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"];
const EXTREME_RATIOS: [&str; 4] = ["1:4", "4:1", "1:8", "8:1"];

impl Family {
    /// Any `gemini-*image*` id (and the `gemini-nano-banana-*` names) except retired ones.
    pub fn of(model: &str) -> Result<Self, GoogleError> {
        let image_model = model.starts_with("gemini-") && (model.contains("image") || model.contains("nano-banana"));
        if !image_model || RETIRED.contains(&model) {
            return Err(GoogleError::model_not_found(model));
        }
        Ok(if model.contains("lite") {
            Self::Lite
        } else if model.starts_with("gemini-2") {
            Self::Flash25
        } else if model.starts_with("gemini-3.1-flash") {
            Self::Flash31
        } else {
            Self::Pro3
        })
    }

    pub fn accepts_ratio(self, ratio: &str) -> bool {
        RATIOS.contains(&ratio) || (self == Self::Flash31 && EXTREME_RATIOS.contains(&ratio))
    }

    /// The ratio this family would choose for an input of `width`×`height` when none is asked for
    /// ("match the input image"): the accepted one nearest on a log scale.
    pub fn nearest_ratio(self, width: u32, height: u32) -> &'static str {
        let actual = (f64::from(width.max(1)) / f64::from(height.max(1))).ln();
        let distance = |ratio: &&str| {
            let (w, h) = ratio.split_once(':').unwrap_or(("1", "1"));
            (w.parse::<f64>().unwrap_or(1.0) / h.parse::<f64>().unwrap_or(1.0)).ln() - actual
        };
        RATIOS
            .iter()
            .chain(EXTREME_RATIOS.iter().filter(|_| self == Self::Flash31))
            .min_by(|a, b| distance(a).abs().total_cmp(&distance(b).abs()))
            .copied()
            .unwrap_or("1:1")
    }

    /// The `imageSize` values the model takes; empty: it takes none.
    pub fn sizes(self) -> &'static [&'static str] {
        match self {
            Self::Flash31 => &["512", "1K", "2K", "4K"],
            Self::Pro3 => &["1K", "2K", "4K"],
            Self::Flash25 | Self::Lite => &[],
        }
    }

    /// 3.x Flash and Pro think, and show up to two interim "thought" images.
    pub fn thinks(self) -> bool {
        matches!(self, Self::Flash31 | Self::Pro3)
    }
}

/// A request the stand-in will answer.
pub struct Valid {
    /// The user turn's text parts, joined.
    pub prompt: String,
    /// An int32, as the API's `generationConfig.seed` is.
    pub seed: Option<i32>,
    /// As sent; `None` means "match the input image, else 1:1".
    pub aspect_ratio: Option<String>,
    /// As sent, or `"1K"`, the documented default.
    pub image_size: String,
    /// The last input image's bytes (an edit), not yet decoded.
    pub input_image: Option<Vec<u8>>,
}

/// Parses and checks a `generateContent` body for a model of `family`.
pub fn parse(family: Family, body: &[u8]) -> Result<Valid, GoogleError> {
    let request = schema::deserialize(body)?;
    if request.contents.is_empty() {
        return Err(GoogleError::invalid("* GenerateContentRequest.contents: contents is not specified\n"));
    }
    let config = request.generation_config.unwrap_or_default();
    check_config(family, &config)?;
    let image = config.image_config.unwrap_or_default();
    let (prompt, input_image) = read_contents(&request.contents)?;
    Ok(Valid {
        prompt,
        seed: config.seed.and_then(|seed| i32::try_from(seed).ok()),
        aspect_ratio: image.aspect_ratio,
        image_size: image.image_size.unwrap_or_else(|| "1K".into()),
        input_image,
    })
}

fn check_config(family: Family, config: &GenerationConfig) -> Result<(), GoogleError> {
    // `seed` is a proto int32: the JSON transcoder refuses a number outside it.
    if let Some(seed) = config.seed
        && i32::try_from(seed).is_err()
    {
        return Err(GoogleError::invalid(format!("Invalid value at 'generation_config.seed' (TYPE_INT32), {seed}")));
    }
    if config.candidate_count.is_some_and(|n| n > 1) {
        return Err(GoogleError::invalid("Multiple candidates is not enabled for this model"));
    }
    for (i, modality) in config.response_modalities.iter().flatten().enumerate() {
        if !matches!(modality.as_str(), "TEXT" | "IMAGE") {
            return Err(GoogleError::invalid(format!(
                "Invalid value at 'generation_config.response_modalities[{i}]' \
                 (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), \"{modality}\""
            )));
        }
    }
    if config.response_modalities.as_ref().is_some_and(|m| !m.iter().any(|m| m == "IMAGE")) {
        return Err(GoogleError::invalid(
            "The offline stand-in renders images only: include IMAGE in responseModalities",
        ));
    }
    let Some(image) = &config.image_config else { return Ok(()) };
    if let Some(ratio) = &image.aspect_ratio
        && !family.accepts_ratio(ratio)
    {
        return Err(GoogleError::invalid(format!(
            "* GenerateContentRequest.generation_config.image_config.aspect_ratio: unsupported aspect ratio \"{ratio}\"\n"
        )));
    }
    match &image.image_size {
        Some(_) if family.sizes().is_empty() => Err(GoogleError::invalid(
            "* GenerateContentRequest.generation_config.image_config.image_size: image_size is not supported by this model.\n",
        )),
        Some(size) if !family.sizes().contains(&size.as_str()) => Err(GoogleError::invalid(format!(
            "* GenerateContentRequest.generation_config.image_config.image_size: unsupported image size \"{size}\"; \
             use one of {}\n",
            family.sizes().join(", ")
        ))),
        _ => Ok(()),
    }
}

/// The prompt and the input image of the request's turns; every inline image is checked.
fn read_contents(contents: &[Content]) -> Result<(String, Option<Vec<u8>>), GoogleError> {
    let mut texts = Vec::new();
    let mut input_image = None;
    for (c, content) in contents.iter().enumerate() {
        if content.parts.is_empty() {
            return Err(GoogleError::invalid(format!(
                "* GenerateContentRequest.contents[{c}].parts: contents.parts must not be empty.\n"
            )));
        }
        for (p, part) in content.parts.iter().enumerate() {
            texts.extend(part.text.as_deref().filter(|_| content.role.as_deref() != Some("model")));
            if let Some(inline) = &part.inline_data {
                input_image = Some(read_inline(inline, c, p)?);
            }
        }
    }
    Ok((texts.join("\n"), input_image))
}

fn read_inline(inline: &InlineData, c: usize, p: usize) -> Result<Vec<u8>, GoogleError> {
    if !matches!(inline.mime_type.as_str(), "image/png" | "image/jpeg" | "image/webp") {
        return Err(GoogleError::invalid(format!("Unsupported MIME type: {}", inline.mime_type)));
    }
    STANDARD.decode(&inline.data).map_err(|_| {
        let start: String = inline.data.chars().take(20).collect();
        GoogleError::invalid(format!(
            "Invalid value at 'contents[{c}].parts[{p}].inline_data.data' (TYPE_BYTES), Base64 decoding failed for \"{start}\""
        ))
    })
}
