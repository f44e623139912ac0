//! The Gemini client against the Gemini stand-in over real HTTP, and the stand-in's own checks
//! against what the real API documents (services.md §4, §6.2). Shared helpers live here.

mod client;
mod faults;
mod recorded;
mod standin;

use image::{ImageEncoder, RgbImage};
use serde_json::{Value, json};
use studio::gemini::{GeminiError, GeneratedImage, ImageRequest};
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

/// A stack whose library has `env` on top of the local settings (a model, short timeouts).
async fn stack_with(env: &[(&str, &str)]) -> TestStack {
    TestStack::start_with_env(env).await
}

/// One generation of `prompt` with the stack's configured client.
async fn generate(stack: &TestStack, request: &ImageRequest) -> Result<GeneratedImage, GeminiError> {
    stack.app.gemini.generate(request).await
}

fn decode(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes).expect("a decodable image").into_rgb8()
}

/// A PNG of `width`×`height` in one colour.
fn solid_png(width: u32, height: u32, colour: [u8; 3]) -> Vec<u8> {
    let image = RgbImage::from_pixel(width, height, image::Rgb(colour));
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(image.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .expect("encode a PNG");
    out
}

/// The mean colour of rows `rows` of `image`.
fn mean_colour(image: &RgbImage, rows: std::ops::Range<u32>) -> [f64; 3] {
    let mut sum = [0f64; 3];
    let mut count = 0f64;
    for y in rows {
        for x in 0..image.width() {
            let pixel = image.get_pixel(x, y).0;
            (0..3).for_each(|i| sum[i] += f64::from(pixel[i]));
            count += 1.0;
        }
    }
    sum.map(|s| s / count)
}

/// A 200 answer with `parts` in the one candidate.
fn answer_with(parts: Value, finish_reason: &str) -> Fault {
    Fault::json(
        200,
        json!({ "candidates": [{ "content": { "role": "model", "parts": parts },
                                             "finishReason": finish_reason, "index": 0 }] }),
    )
}

/// Google's error body.
fn google_error(code: u16, status: &str, message: &str, details: Value) -> Fault {
    Fault::json(code, json!({ "error": { "code": code, "message": message, "status": status, "details": details } }))
}

fn retry_info(delay: &str) -> Value {
    json!([{ "@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay }])
}

/// Queues `fault` `times` for the Gemini stand-in.
fn inject(stack: &TestStack, fault: Fault, times: usize) {
    stack.faults.inject(Service::Gemini, fault, times);
}

/// How many calls reached the stand-in's fault layer, given `queued` faults were injected.
fn attempts(stack: &TestStack, queued: usize) -> usize {
    queued - stack.faults.pending(Service::Gemini)
}
