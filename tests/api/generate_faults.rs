//! Money and faults: what a generation costs when the model, Storage, the database or the limiter
//! fails, and how the quota holds under concurrency. Each test reads the whole ledger afterwards:
//! the counters (in SQL and through `GET /api/generate/quota`), the rows, and the stored objects.
//!
//! - `model`: Gemini's rate limits, timeouts, safety blocks and failed variations.
//! - `storage`: an upload, the recording RPC or the signing failing after the model answered.
//! - `limits`: the short-window limit, the daily and monthly quota, and sixty requests at once.
//! - `spending`: the daily budget and the per-minute cap on the operator's key, and their alerts.

mod limits;
mod model;
mod spending;
mod storage;

use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::faults::Fault;
use studio_local::testing::TestStack;

use crate::helpers::{Account, Answer, request, send};

/// `POST /api/generate` as `account`.
pub async fn generate(stack: &TestStack, account: &Account, body: Value) -> Answer {
    send(request(Method::POST, &format!("{}/api/generate", stack.url), Some(&account.access), Some(body))).await
}

/// `POST /api/generate/edit` as `account`.
pub async fn edit(stack: &TestStack, account: &Account, body: Value) -> Answer {
    send(request(Method::POST, &format!("{}/api/generate/edit", stack.url), Some(&account.access), Some(body))).await
}

/// A square request: the stand-in answers 1024×1024, stored as the original and three derivatives
/// (150, 300 and 800; 1920 would be an upscale).
pub fn square(variations: u8) -> Value {
    json!({ "prompt": "layang-layang di atas sawah saat senja", "aspect_ratio": "1:1", "variations": variations })
}

/// Objects stored per square (1024²) image: the original and the 150, 300 and 800 px sizes.
pub const OBJECTS_PER_IMAGE: usize = 4;

/// Everything a generation can leave behind for one user.
#[derive(Debug, PartialEq, Eq)]
pub struct Ledger {
    pub daily_used: i32,
    pub monthly_used: i32,
    /// `daily.used` as `GET /api/generate/quota` shows it.
    pub shown_daily_used: i64,
    pub images: i64,
    /// Usage rows of delivered images (`generate` / `edit`).
    pub charged_rows: i64,
    /// Units given back, summed over the `quota_refund` usage rows.
    pub refunded_units: i64,
    /// Files in the Storage stand-in.
    pub objects: usize,
}

pub async fn ledger(stack: &TestStack, account: &Account) -> Ledger {
    let client = stack.db.client().await;
    let row = client
        .query_one(
            "select u.daily_used, u.monthly_used,
                    (select count(*) from generated_images where user_id = u.id),
                    (select count(*) from usage_logs
                      where user_id = u.id and action in ('generate', 'edit') and status = 'success'),
                    (select coalesce(sum(units), 0)::bigint from usage_logs
                      where user_id = u.id and action = 'quota_refund')
               from users u where u.id = $1::text::uuid",
            &[&account.id],
        )
        .await
        .expect("the user's counters");
    let shown = quota(stack, account).await;
    Ledger {
        daily_used: row.get(0),
        monthly_used: row.get(1),
        shown_daily_used: shown["daily"]["used"].as_i64().expect("daily.used"),
        images: row.get(2),
        charged_rows: row.get(3),
        refunded_units: row.get(4),
        objects: stored_objects(stack).len(),
    }
}

/// The ledger of a request that failed after taking `refunded` units: nothing charged or kept.
pub fn nothing_kept(refunded_units: i64) -> Ledger {
    Ledger {
        daily_used: 0,
        monthly_used: 0,
        shown_daily_used: 0,
        images: 0,
        charged_rows: 0,
        refunded_units,
        objects: 0,
    }
}

/// The ledger of `images` images delivered and charged, with `refunded_units` given back for the
/// variations that failed.
pub fn kept(images: i32, refunded_units: i64) -> Ledger {
    Ledger {
        daily_used: images,
        monthly_used: images,
        shown_daily_used: i64::from(images),
        images: i64::from(images),
        charged_rows: i64::from(images),
        refunded_units,
        objects: images as usize * OBJECTS_PER_IMAGE,
    }
}

/// `GET /api/generate/quota` as `account`.
pub async fn quota(stack: &TestStack, account: &Account) -> Value {
    let answer =
        send(request(Method::GET, &format!("{}/api/generate/quota", stack.url), Some(&account.access), None)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.data().clone()
}

/// Runs superuser SQL (setting counters, installing a failing trigger).
pub async fn sql(stack: &TestStack, statement: &str, account: &Account) {
    let client = stack.db.client().await;
    client.execute(statement, &[&account.id]).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// Every object file the Storage stand-in holds, whoever uploaded it.
pub fn stored_objects(stack: &TestStack) -> Vec<String> {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(&stack.storage_dir.join("objects"), &mut found);
    found
}

/// Google's error body.
pub fn google_error(code: u16, status: &str, message: &str, details: Value) -> Fault {
    Fault::json(code, json!({ "error": { "code": code, "message": message, "status": status, "details": details } }))
}

/// A `RetryInfo` detail asking the client to wait `delay` (protobuf duration text, e.g. "0.05s").
pub fn retry_info(delay: &str) -> Value {
    json!([{ "@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay }])
}

/// A fault that only lets the call through: queued in front of a failing one, it picks which call
/// fails (the queue applies to the next calls in the order they arrive).
pub const PASS: Fault = Fault::Delay { millis: 0 };
