//! A `GenerateContentResponse` read into the final image (thought images skipped) or a typed
//! refusal, and that image checked — header first — before anything else touches it.

use std::io::Cursor;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use image::{ImageFormat, ImageReader};
use serde::Deserialize;

use super::GeminiError;

/// Each side of an accepted image, in pixels: below 64 is no picture, above 8192 no model's output.
pub(super) const SIDES: std::ops::RangeInclusive<u32> = 64..=8192;
/// At most 40 megapixels (4K 16:9 is 17 MP), so a forged header cannot make us allocate gigabytes.
pub(super) const MAX_PIXELS: u64 = 40_000_000;

/// Finish reasons that mean the output was withheld for its content (the user's to rephrase).
const BLOCKS: [&str; 8] = [
    "SAFETY",
    "RECITATION",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "IMAGE_SAFETY",
    "IMAGE_PROHIBITED_CONTENT",
    "IMAGE_RECITATION",
];

/// Finish reasons of a model that answered and drew nothing (services.md §4.3: `NO_IMAGE`,
/// `IMAGE_OTHER`, `OTHER`, or `STOP` with text only): the user's prompt to rephrase, not an outage.
/// Any other reason without an image (`MAX_TOKENS`, none at all…) is an answer we cannot use.
const DREW_NOTHING: [&str; 4] = ["NO_IMAGE", "IMAGE_OTHER", "OTHER", "STOP"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(default)]
    candidates: Vec<Candidate>,
    prompt_feedback: Option<PromptFeedback>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<Content>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part {
    text: Option<String>,
    inline_data: Option<InlineData>,
    #[serde(default)]
    thought: bool,
}

#[derive(Deserialize)]
struct InlineData {
    data: String,
}

/// The final image's encoded bytes and the model's words about it.
pub(super) struct Answer {
    pub bytes: Vec<u8>,
    pub text: Option<String>,
}

/// Reads a 200 body. A block is a refusal even when parts came with it; otherwise the last
/// non-thought image is the result (thought images are interim drafts of 3.x models).
pub(super) fn read(body: &[u8]) -> Result<Answer, GeminiError> {
    let response: Response = serde_json::from_slice(body).map_err(|e| GeminiError::Decode(e.to_string()))?;
    if let Some(reason) = response.prompt_feedback.and_then(|f| f.block_reason) {
        return Err(GeminiError::ContentRejected { reason });
    }
    let Some(candidate) = response.candidates.into_iter().next() else {
        return Err(GeminiError::Decode("an answer with neither a candidate nor a block reason".into()));
    };
    let finish_reason = candidate.finish_reason.unwrap_or_else(|| "none".into());
    if BLOCKS.contains(&finish_reason.as_str()) {
        return Err(GeminiError::ContentRejected { reason: finish_reason });
    }
    let parts: Vec<Part> =
        candidate.content.map(|c| c.parts).unwrap_or_default().into_iter().filter(|p| !p.thought).collect();
    let text: Vec<&str> = parts.iter().filter_map(|p| p.text.as_deref()).collect();
    let text = (!text.is_empty()).then(|| text.join("\n"));
    let Some(image) = parts.iter().rev().find_map(|p| p.inline_data.as_ref()) else {
        return Err(if DREW_NOTHING.contains(&finish_reason.as_str()) {
            GeminiError::NoImage { finish_reason, text }
        } else {
            GeminiError::Decode(format!("an answer without an image, finish reason {finish_reason}"))
        });
    };
    let bytes = STANDARD
        .decode(image.data.trim())
        .map_err(|e| GeminiError::InvalidImage(format!("image data is not base64: {e}")))?;
    Ok(Answer { bytes, text })
}

/// What the bytes turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Checked {
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Checks `bytes` are a PNG, JPEG or WebP of sane size that decodes completely. The header is read
/// first so that a decompression bomb is refused before a pixel is allocated. CPU-bound: call it
/// off the async threads.
pub(super) fn inspect(bytes: &[u8]) -> Result<Checked, GeminiError> {
    let invalid = |what: String| GeminiError::InvalidImage(what);
    let reader = |pixels: u64| -> Result<ImageReader<Cursor<&[u8]>>, GeminiError> {
        let mut reader =
            ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| invalid(e.to_string()))?;
        reader.limits(crate::imaging::decoder_limits(pixels));
        Ok(reader)
    };
    // The header read allocates no pixels, but the PNG reader inflates an ICC profile on the way.
    let first = reader(0)?;
    let mime = match first.format() {
        Some(ImageFormat::Png) => "image/png",
        Some(ImageFormat::Jpeg) => "image/jpeg",
        Some(ImageFormat::WebP) => "image/webp",
        _ => return Err(invalid("not a PNG, JPEG or WebP image".into())),
    };
    // Cut files and profile bombs are refused before a decoder reads past the header.
    if mime == "image/png" {
        crate::imaging::check_png_structure(bytes).map_err(|e| invalid(e.to_string()))?;
    }
    let (width, height) = first.into_dimensions().map_err(|e| invalid(format!("unreadable {mime} header: {e}")))?;
    if !SIDES.contains(&width) || !SIDES.contains(&height) || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(invalid(format!("{width}×{height} is outside the accepted image size")));
    }
    // The second read's budget is sized to the announced pixels, so a small image cannot carry a
    // profile that inflates to hundreds of MiB.
    let pixels = u64::from(width) * u64::from(height);
    reader(pixels)?.decode().map_err(|e| invalid(format!("{mime} does not decode: {e}")))?;
    Ok(Checked { mime, width, height })
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
