//! The session's account steps and its generations. A generation is answered by the Gemini
//! stand-in with a given PNG (a queued 200 in the real API's shape), so that stored bytes are those
//! of model-sized photographic output rather than of the offline preview renderer's flat pictures.

use base64::Engine;
use serde_json::{Value, json};
use studio_local::faults::{Fault, Service};

use crate::meter::Metered;
use crate::step::{Step, step};

pub const PASSWORD: &str = "kopi-tubruk-pagi-hari";
pub const EMAIL: &str = "capacity@example.com";

pub struct Account {
    pub user_id: String,
    pub access: String,
}

/// Register, a second verification mail, verify, sign in, ask for a password reset, refresh, read
/// the profile: every account route a new user goes through, each a measured step.
pub async fn sign_up(m: &Metered, http: &reqwest::Client, steps: &mut Vec<Step>) -> Result<Account, String> {
    let auth = |path: &str| format!("{}/api/auth/{path}", m.url);
    let body = json!({ "email": EMAIL, "password": PASSWORD, "name": "Capacity" });
    steps.push(step(m, "POST /api/auth/register", http.post(auth("register")).json(&body)).await?);
    let again = http.post(auth("resend-verification")).json(&json!({ "email": EMAIL }));
    steps.push(step(m, "POST /api/auth/resend-verification", again).await?);
    let token = mailed_token(m).ok_or("no verification link was mailed")?;
    let verify = http.post(auth("verify-email")).json(&json!({ "token": token }));
    steps.push(step(m, "POST /api/auth/verify-email", verify).await?);
    let login = http.post(auth("login")).json(&json!({ "email": EMAIL, "password": PASSWORD, "transport": "body" }));
    let login = step(m, "POST /api/auth/login", login).await?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let data = login.body["data"].clone();
    steps.push(login);
    let forgot = http.post(auth("password/forgot")).json(&json!({ "email": EMAIL }));
    steps.push(step(m, "POST /api/auth/password/forgot", forgot).await?);
    let refresh = http.post(auth("refresh")).json(&json!({ "refresh_token": text(&data["refresh_token"]) }));
    let refreshed = step(m, "POST /api/auth/refresh", refresh).await?;
    let account = Account { user_id: text(&data["user"]["id"]), access: text(&refreshed.body["data"]["access_token"]) };
    steps.push(refreshed);
    steps.push(step(m, "GET /api/auth/profile", http.get(auth("profile")).bearer_auth(&account.access)).await?);
    Ok(account)
}

/// The newest verification token in the outbox (`…?token=<token>` in the mail's text).
fn mailed_token(m: &Metered) -> Option<String> {
    let mail = m.outbox.last_to(EMAIL)?;
    let text = mail.text.as_deref()?;
    let start = text.find("token=")? + "token=".len();
    Some(text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
}

/// The aspect ratio the request names for a PNG of `width`×`height` (the model's sizes per ratio).
pub fn ratio_of(png: &[u8]) -> &'static str {
    // IHDR: width and height are the big-endian words at bytes 16..24.
    let word = |at: usize| png.get(at..at + 4).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let (w, h) = (word(16), word(20));
    match w.cmp(&h) {
        std::cmp::Ordering::Equal => "1:1",
        std::cmp::Ordering::Greater => "16:9",
        std::cmp::Ordering::Less => "9:16",
    }
}

/// Queues the model's answer for the next `pngs.len()` calls, one PNG each, in order.
pub fn answer_with(m: &Metered, pngs: &[&[u8]]) {
    for png in pngs {
        let data = base64::engine::general_purpose::STANDARD.encode(png);
        let answer = json!({
            "candidates": [{
                "content": { "role": "model", "parts": [
                    { "text": "Here is the picture." },
                    { "inlineData": { "mimeType": "image/png", "data": data } }
                ] },
                "finishReason": "STOP",
                "index": 0
            }],
            "usageMetadata": { "promptTokenCount": 8, "candidatesTokenCount": 1120, "totalTokenCount": 1128 },
            "modelVersion": "gemini-3.1-flash-image"
        });
        m.faults.inject(Service::Gemini, Fault::json(200, answer), 1);
    }
}

/// One generation of `variations` images, answered with `pngs` (or by the preview renderer when
/// empty); the measured step.
pub async fn generate(
    m: &Metered,
    http: &reqwest::Client,
    account: &Account,
    route: &str,
    pngs: &[&[u8]],
    variations: usize,
) -> Result<Step, String> {
    answer_with(m, pngs);
    let ratio = pngs.first().map_or("1:1", |png| ratio_of(png));
    let body = json!({ "prompt": "pasar malam di Yogyakarta, foto", "aspect_ratio": ratio, "variations": variations });
    let request = http.post(format!("{}/api/generate", m.url)).bearer_auth(&account.access).json(&body);
    let done = step(m, route, request).await?;
    let left = m.faults.pending(Service::Gemini);
    if left > 0 {
        m.faults.clear();
        return Err(format!("{route}: {left} queued model answers were not used"));
    }
    Ok(done)
}
