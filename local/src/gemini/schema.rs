//! The `generateContent` request body as the stand-in reads it: the real API's field names, with
//! any other field refused in Google's words (`Invalid JSON payload received. Unknown name …`).

use serde::Deserialize;
use serde_json::Value;

use super::validate::GoogleError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[expect(dead_code, reason = "real fields the stand-in accepts and ignores, so they are not refused as unknown")]
pub(super) struct GenerateRequest {
    pub(super) contents: Vec<Content>,
    pub(super) generation_config: Option<GenerationConfig>,
    pub(super) safety_settings: Option<Vec<Value>>,
    pub(super) system_instruction: Option<Content>,
    pub(super) tools: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct Content {
    pub(super) role: Option<String>,
    #[serde(default)]
    pub(super) parts: Vec<Part>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[expect(dead_code, reason = "thought fields of a multi-turn history are accepted and ignored")]
pub(super) struct Part {
    pub(super) text: Option<String>,
    pub(super) inline_data: Option<InlineData>,
    pub(super) thought: Option<bool>,
    pub(super) thought_signature: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct InlineData {
    pub(super) mime_type: String,
    pub(super) data: String,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[expect(dead_code, reason = "sampling settings change nothing in a deterministic preview")]
pub(super) struct GenerationConfig {
    pub(super) response_modalities: Option<Vec<String>>,
    pub(super) image_config: Option<ImageConfig>,
    pub(super) candidate_count: Option<i64>,
    pub(super) seed: Option<i64>,
    pub(super) temperature: Option<f64>,
    pub(super) top_p: Option<f64>,
    pub(super) top_k: Option<i64>,
    pub(super) max_output_tokens: Option<i64>,
    pub(super) thinking_config: Option<Value>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct ImageConfig {
    pub(super) aspect_ratio: Option<String>,
    pub(super) image_size: Option<String>,
}

/// JSON into the request, with Google's wording for syntax errors and unknown fields.
pub(super) fn deserialize(body: &[u8]) -> Result<GenerateRequest, GoogleError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let at = google_path(err.path());
        let inner = err.into_inner();
        let message = inner.to_string();
        match message.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next()) {
            Some(name) if at.is_empty() => GoogleError::invalid(format!(
                "Invalid JSON payload received. Unknown name \"{name}\": Cannot find field."
            )),
            Some(name) => GoogleError::invalid(format!(
                "Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field."
            )),
            None => GoogleError::invalid(format!("Invalid JSON payload received. {message}")),
        }
    })
}

/// A serde path in the proto style Google reports: `generation_config.image_config`, `contents[0]`.
/// The last segment is the unknown field itself, so it is left out.
fn google_path(path: &serde_path_to_error::Path) -> String {
    let segments: Vec<_> = path.iter().collect();
    let mut out = String::new();
    for segment in segments.iter().take(segments.len().saturating_sub(1)) {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            other => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&snake_case(&other.to_string()));
            }
        }
    }
    out
}

fn snake_case(name: &str) -> String {
    name.chars().fold(String::new(), |mut out, c| {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
        out
    })
}
