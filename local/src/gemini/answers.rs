//! Answers the real API gives when the model draws nothing, ready to queue through the fault
//! control (`Faults::inject`, or `POST /__control/faults` with the same JSON): a 200 whose candidate
//! ends with `NO_IMAGE`, `IMAGE_OTHER`, `OTHER` or `STOP` and carries no final image (services.md
//! §4.3, the shapes public client test suites use).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::render;
use crate::faults::Fault;

/// A 200 whose one candidate finished with `finish_reason` without an image: the model's words
/// for `NO_IMAGE`, `OTHER` and `STOP`, no content at all for `IMAGE_OTHER`.
pub fn drew_nothing(finish_reason: &str) -> Fault {
    let candidate = match finish_reason {
        "IMAGE_OTHER" => json!({ "finishReason": finish_reason, "index": 0 }),
        _ => json!({
            "content": { "role": "model", "parts": [{ "text": "I was unable to generate an image for this request." }] },
            "finishReason": finish_reason, "index": 0,
        }),
    };
    Fault::json(200, response(candidate))
}

/// A 3.x answer that stops after thinking: a thought summary and an interim image, both marked
/// `"thought": true`, and no final image.
pub fn thoughts_only() -> Fault {
    let draft = render::png(&render::preview(7, 256, 256));
    let parts = json!([
        { "text": "**Composing the scene**\nPlanning the layout before drawing.", "thought": true },
        { "inlineData": { "mimeType": "image/png", "data": STANDARD.encode(draft) }, "thought": true },
    ]);
    Fault::json(
        200,
        response(json!({ "content": { "role": "model", "parts": parts }, "finishReason": "STOP", "index": 0 })),
    )
}

fn response(candidate: Value) -> Value {
    json!({
        "candidates": [candidate],
        "usageMetadata": { "promptTokenCount": 12, "candidatesTokenCount": 14, "totalTokenCount": 26,
                           "promptTokensDetails": [{ "modality": "TEXT", "tokenCount": 12 }],
                           "serviceTier": "standard" },
        "modelVersion": "gemini-3.1-flash-image",
        "responseId": "offline-preview-no-image",
    })
}
