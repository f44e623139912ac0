//! What the scenarios need, made through the API itself (so a `--url` studio is seeded the same
//! way): verified, signed-in users and generated images in their galleries. Templates come from
//! the migrations' seed.
//!
//! Each user registers and signs in from an address of its own (`x-vercel-forwarded-for`, which
//! Vercel's proxy sets and the local stack takes from a loopback caller): the per-address limits on registration and login are for one
//! client, and a load run plays many.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};
use tokio::task::JoinSet;

pub const PASSWORD: &str = "kopi-tubruk-pagi-hari";

/// At most this many seeding requests at a time: argon2 and image rendering are CPU work.
const PARALLEL: usize = 8;

#[derive(Clone, Debug)]
pub struct User {
    pub email: String,
    pub access: String,
    pub refresh: String,
}

/// A distinct client address per call, in 10.0.0.0/8.
pub fn next_ip() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

/// `count` users `{group}-{i}@load.example.com`: registered, verified from the mailed link in the
/// Resend stand-in's outbox (`/__outbox.json`) and signed in with the refresh token in the body.
pub async fn users(http: &Client, base: &str, group: &str, count: usize) -> Result<Vec<User>, String> {
    let emails: Vec<(String, String)> =
        (0..count).map(|i| (format!("{group}-{i}@load.example.com"), next_ip())).collect();
    let register = emails.iter().map(|(email, ip)| {
        let body = json!({ "email": email, "password": PASSWORD, "name": "Load Test" });
        (http.post(format!("{base}/api/auth/register")).header("x-vercel-forwarded-for", ip).json(&body), 202)
    });
    in_parallel(register.collect()).await?;
    let outbox = expect(http.get(format!("{base}/__outbox.json")), 200).await?;
    let verify = emails.iter().map(|(email, _)| {
        let token = mailed_token(&outbox, email).ok_or(format!("no verification mail to {email}"))?;
        Ok((http.post(format!("{base}/api/auth/verify-email")).json(&json!({ "token": token })), 200))
    });
    in_parallel(verify.collect::<Result<_, String>>()?).await?;
    let login = emails.iter().map(|(email, ip)| {
        let body = json!({ "email": email, "password": PASSWORD, "transport": "body" });
        (http.post(format!("{base}/api/auth/login")).header("x-vercel-forwarded-for", ip).json(&body), 200)
    });
    let answers = in_parallel(login.collect()).await?;
    Ok(emails
        .into_iter()
        .zip(answers)
        .map(|((email, _), answer)| {
            let text = |key: &str| answer["data"][key].as_str().unwrap_or_default().to_owned();
            User { email, access: text("access_token"), refresh: text("refresh_token") }
        })
        .collect())
}

/// One generation of four variations per user (four images in each gallery); the new images' ids.
pub async fn images(http: &Client, base: &str, users: &[User]) -> Result<Vec<String>, String> {
    let body = json!({ "prompt": "kucing oren di atas genteng, cat air", "aspect_ratio": "1:1", "variations": 4 });
    let generate =
        users.iter().map(|u| (http.post(format!("{base}/api/generate")).bearer_auth(&u.access).json(&body), 201));
    let answers = in_parallel(generate.collect()).await?;
    let ids = answers.iter().flat_map(|a| a["data"]["images"].as_array().cloned().unwrap_or_default());
    Ok(ids.filter_map(|image| image["id"].as_str().map(str::to_owned)).collect())
}

/// The token of the newest verification link mailed to `email` (`…?token=<token>`).
fn mailed_token(outbox: &Value, email: &str) -> Option<String> {
    let message =
        outbox.as_array()?.iter().find(|m| m["to"].as_array().is_some_and(|to| to.iter().any(|t| t == email)))?;
    let text = message["text"].as_str()?;
    let start = text.find("token=")? + "token=".len();
    Some(text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
}

/// Sends every request, [`PARALLEL`] at a time; the answers in order, or the first failure.
async fn in_parallel(requests: Vec<(RequestBuilder, u16)>) -> Result<Vec<Value>, String> {
    let gate = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = JoinSet::new();
    for (i, (request, status)) in requests.into_iter().enumerate() {
        let gate = gate.clone();
        tasks.spawn(async move {
            let _permit = gate.acquire().await;
            (i, expect(request, status).await)
        });
    }
    let mut answers = vec![Value::Null; tasks.len()];
    while let Some(done) = tasks.join_next().await {
        let (i, answer) = done.map_err(|e| e.to_string())?;
        answers[i] = answer?;
    }
    Ok(answers)
}

/// Sends and insists on `status`: seeding that half worked would measure something else.
pub async fn expect(request: RequestBuilder, status: u16) -> Result<Value, String> {
    let answer = request.send().await.map_err(|e| format!("seeding request failed: {e}"))?;
    let got = answer.status().as_u16();
    let url = answer.url().path().to_owned();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    if got != status {
        return Err(format!("seeding: {url} answered {got} (expected {status}): {body}"));
    }
    Ok(body)
}
