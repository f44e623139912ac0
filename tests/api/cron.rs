//! The daily cron through HTTP: who may call it, what it deletes and what it keeps (rows in
//! PostgreSQL, objects in the Storage stand-in), how it behaves run twice, at once, out of time or
//! with Storage failing, the quota reset, and the operator report with its e-mails (read from the
//! Resend stand-in's outbox). Data is arranged with SQL at the ages retention looks at.

mod access;
mod alerts;
mod budget;
mod concurrency;
mod notice_cadence;
mod operator_alerts;
mod pass;
mod public_orphans;
mod purge;
mod quotas;
mod retention;
mod retention_notice;

use std::path::Path;

use reqwest::Method;
use serde_json::Value;
use studio_local::stack::LOCAL_CRON_SECRET;
use studio_local::storage::object_file;
use studio_local::testing::TestStack;

use crate::helpers::{Answer, request, send};

pub const PRIVATE: &str = "images";
pub const PUBLIC: &str = "public-images";

/// `GET /api/cron/reset` as Vercel Cron calls it, with `authorization` as the whole header value.
pub async fn call(stack: &TestStack, authorization: Option<&str>) -> Answer {
    let mut builder = request(Method::GET, &format!("{}/api/cron/reset", stack.url), None, None);
    if let Some(value) = authorization {
        builder = builder.header("authorization", value);
    }
    send(builder).await
}

/// One authorised run; its `data`, after checking it answered 200.
pub async fn run(stack: &TestStack) -> Value {
    let answer = call(stack, Some(&format!("Bearer {LOCAL_CRON_SECRET}"))).await;
    assert_eq!(answer.status, 200, "cron: {}", answer.body);
    answer.data().clone()
}

/// Runs SQL against the test database.
pub async fn sql(stack: &TestStack, statement: &str) {
    stack.db.client().await.batch_execute(statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// The one number `query` selects.
pub async fn number(stack: &TestStack, query: &str) -> i64 {
    stack.db.client().await.query_one(query, &[]).await.unwrap_or_else(|e| panic!("{query}: {e}")).get(0)
}

/// The texts `query` selects, in its order.
pub async fn texts(stack: &TestStack, query: &str) -> Vec<String> {
    let rows = stack.db.client().await.query(query, &[]).await.unwrap_or_else(|e| panic!("{query}: {e}"));
    rows.iter().map(|row| row.get(0)).collect()
}

/// A user made with SQL (the cron never signs anyone in); returns the id.
pub async fn user(stack: &TestStack, email: &str) -> String {
    let insert = "insert into users (email, password_hash) values ($1, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA')
                  returning id::text";
    stack.db.client().await.query_one(insert, &[&email]).await.unwrap().get(0)
}

/// An image row and the objects it owns.
pub struct Stored {
    pub id: String,
    pub private: Vec<String>,
    pub public: Vec<String>,
}

impl Stored {
    /// `(bucket, path)` of every object it owns.
    pub fn objects(&self) -> Vec<(&'static str, &str)> {
        let private = self.private.iter().map(|p| (PRIVATE, p.as_str()));
        private.chain(self.public.iter().map(|p| (PUBLIC, p.as_str()))).collect()
    }
}

/// An image of `user` created `days_old` days ago, its original and two derivatives stored in the
/// private bucket and, when `published`, copies in the public bucket as publishing leaves them.
pub async fn stored_image(stack: &TestStack, user: &str, days_old: i32, published: bool) -> Stored {
    let db = stack.db.client().await;
    let id: String = db
        .query_one(
            "insert into generated_images (user_id, prompt, model, storage_path, created_at)
             values ($1::text::uuid, 'sawah di pagi hari', 'gemini-2.5-flash-image', 'pending',
                     now() - make_interval(days => $2))
             returning id::text",
            &[&user, &days_old],
        )
        .await
        .unwrap()
        .get(0);
    let private: Vec<String> =
        ["original.png", "w150.webp", "w300.webp"].iter().map(|f| format!("{user}/{id}/{f}")).collect();
    let public: Vec<String> = if published {
        ["original.png", "w150.webp", "w300.webp"].iter().map(|f| format!("{id}/{f}")).collect()
    } else {
        Vec::new()
    };
    for path in &private {
        upload(stack, PRIVATE, path).await;
    }
    for path in &public {
        upload(stack, PUBLIC, path).await;
    }
    db.execute(
        "update generated_images
            set storage_path = $2, derivative_paths = jsonb_build_object('150', $3::text, '300', $4::text),
                public_paths = case when $5 then jsonb_build_object('original', $6::text, '150', $7::text, '300', $8::text) end,
                is_public = $5, published_at = case when $5 then created_at end
          where id = $1::text::uuid",
        &[
            &id,
            &private[0],
            &private[1],
            &private[2],
            &published,
            &public.first().cloned().unwrap_or_default(),
            &public.get(1).cloned().unwrap_or_default(),
            &public.get(2).cloned().unwrap_or_default(),
        ],
    )
    .await
    .unwrap();
    Stored { id, private, public }
}

/// Stores a small object at `path` of `bucket` through the library's Storage client.
pub async fn upload(stack: &TestStack, bucket: &str, path: &str) {
    let content_type = if path.ends_with(".png") { "image/png" } else { "image/webp" };
    let bytes = format!("bytes of {path}").into_bytes();
    stack.app.storage.upload(bucket, path, bytes, content_type, "no-cache", false).await.expect("upload");
}

/// Whether the Storage stand-in holds `bucket/path`.
pub fn stored(stack: &TestStack, bucket: &str, path: &str) -> bool {
    object_file(Path::new(&stack.storage_dir), bucket, path).exists()
}
