//! Keys a user holds with us: their own Gemini key (sealed at rest, only its last four characters
//! ever shown, lifting the daily quota) and developer API keys (`ais_…`, shown once, stored hashed,
//! scoped, revocable, at most 25 live).

mod api_keys;
mod gemini;

use reqwest::Method;
use studio_local::testing::TestStack;

use crate::auth_account::call;
use crate::helpers::Answer;

/// A Gemini key as Google issues them (39 characters).
pub const GEMINI_KEY: &str = "AIzaSyD-kunci-rahasia-milik-siti-7Qx9";

pub async fn set_gemini_key(stack: &TestStack, access: &str, key: &str) -> Answer {
    call(stack, Method::PUT, "gemini-key", Some(access), Some(serde_json::json!({ "api_key": key }))).await
}
