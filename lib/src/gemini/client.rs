//! `Gemini`: one `generateContent` call per image over the shared HTTP client, with the key in the
//! `x-goog-api-key` header (never in the URL, where proxies and logs keep it), retried inside one
//! deadline, and the result checked to be a usable image.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderValue};

use super::error::from_status;
use super::models::ModelFamily;
use super::request::{self, ImageRequest};
use super::response::{self, Answer, Checked};
use super::{GeminiConfig, GeminiError, retry};
use crate::config::Secret;

pub struct Gemini {
    http: reqwest::Client,
    /// `{base}/v1beta/models/{model}:generateContent`.
    endpoint: String,
    api_key: Secret,
    model: String,
    /// What the model takes, looked up once from its id.
    family: ModelFamily,
    timeout: Duration,
    deadline: Duration,
}

/// A checked image from the model.
#[derive(Clone)]
pub struct GeneratedImage {
    pub bytes: Vec<u8>,
    /// From the bytes themselves, not from the declared `mimeType`.
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    /// The model id that made it.
    pub model: String,
    /// The model's words alongside the image, if any (thoughts excluded).
    pub text: Option<String>,
}

impl std::fmt::Debug for GeneratedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GeneratedImage({} {}×{}, {} bytes, {})",
            self.mime,
            self.width,
            self.height,
            self.bytes.len(),
            self.model
        )
    }
}

impl Gemini {
    pub fn new(config: &GeminiConfig, http: reqwest::Client) -> Self {
        let base = config.base_url.as_str().trim_end_matches('/');
        Self {
            http,
            endpoint: format!("{base}/v1beta/models/{}:generateContent", config.model),
            api_key: config.api_key.clone(),
            model: config.model.clone(),
            family: ModelFamily::of(&config.model),
            timeout: config.timeout,
            deadline: config.deadline,
        }
    }

    /// The configured model id.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The configured model's family.
    pub fn family(&self) -> ModelFamily {
        self.family
    }

    /// Makes one image (an edit when the request carries an input image). One call to the model
    /// per attempt, so one per image unless a transient failure is retried.
    pub async fn generate(&self, request: &ImageRequest) -> Result<GeneratedImage, GeminiError> {
        let key = key_header(request.api_key.as_ref().unwrap_or(&self.api_key))?;
        let body = Bytes::from(serde_json::to_vec(&request::body(request, self.family)).unwrap_or_default());
        let answer = retry::with_retries(self.timeout, self.deadline, || self.attempt(&key, body.clone())).await?;
        let Answer { bytes, text } = answer;
        // Decoding a 2K image takes tens of milliseconds of CPU: not on an async worker.
        let (bytes, checked) = crate::cpu::run(move || response::inspect(&bytes).map(|c| (bytes, c)))
            .await
            .map_err(|e| GeminiError::InvalidImage(format!("image check did not finish: {e}")))??;
        let Checked { mime, width, height } = checked;
        Ok(GeneratedImage { bytes, mime, width, height, model: self.model.clone(), text })
    }

    async fn attempt(&self, key: &HeaderValue, body: Bytes) -> Result<Answer, GeminiError> {
        let response = self
            .http
            .post(&self.endpoint)
            .header("x-goog-api-key", key.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        if !status.is_success() {
            return Err(from_status(status.as_u16(), &String::from_utf8_lossy(&bytes)));
        }
        response::read(&bytes)
    }
}

/// The key as a header value marked sensitive (kept out of HPACK tables and `Debug` output). A key
/// that cannot be a header (a pasted line break in a user's own key) is refused, not sent.
fn key_header(key: &Secret) -> Result<HeaderValue, GeminiError> {
    let mut value = HeaderValue::from_str(key.expose()).map_err(|_| GeminiError::InvalidKey)?;
    value.set_sensitive(true);
    Ok(value)
}

fn transport(err: reqwest::Error) -> GeminiError {
    if err.is_timeout() { GeminiError::Timeout } else { GeminiError::Unreachable(err) }
}
