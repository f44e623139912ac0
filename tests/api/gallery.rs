//! The gallery through HTTP: listing (order, keyset pagination, search, filters), one image with
//! its versions, browser edits saved as new versions, editing and publishing, deleting, bulk
//! actions, downloads and exports, the public feed, share links and their page. Images come from
//! `POST /api/generate` where real stored objects matter, and from SQL inserts where volume does.

mod access;
mod bulk;
mod collections;
mod downloads;
mod editing;
mod export;
mod listing;
mod prompts;
mod public_feed;
mod removal;
mod retention;
mod search;
mod share_access;
mod share_page;
mod shared_links;
mod sharing;
mod stored_layout;
mod upload_limits;
mod versions;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use studio_local::testing::TestStack;

pub use crate::helpers::refused_field;
use crate::helpers::{Account, Answer, request, send};

/// One call to `/api/gallery{path}` (`path` empty or starting with `/` or `?`).
pub async fn call(
    stack: &TestStack,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> Answer {
    send(request(method, &format!("{}/api/gallery{path}", stack.url), bearer, body)).await
}

/// One call to `/api/gallery{path}` whose answer is read as it comes (a file, not an envelope).
pub async fn fetch(
    stack: &TestStack,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    request(method, &format!("{}/api/gallery{path}", stack.url), bearer, body).send().await.expect("the server answers")
}

/// The stored original of image `id`, from the Storage stand-in's directory.
pub async fn original(stack: &TestStack, id: &str) -> Vec<u8> {
    let row = stack
        .db
        .client()
        .await
        .query_one("select storage_path from generated_images where id::text = $1", &[&id])
        .await
        .unwrap();
    let path: String = row.get(0);
    std::fs::read(studio_local::storage::object_file(&stack.storage_dir, "images", &path)).unwrap()
}

/// One image made by the generator (1:1, standard: the stand-in renders it quickly), with its
/// stored original and derivatives. Returns the image as the generator answered.
pub async fn generated(stack: &TestStack, account: &Account, prompt: &str) -> Value {
    generated_at(stack, account, prompt, "standard").await
}

/// A generated image at `quality`: `high` asks for 2K, a 2048² image whose original stands in for
/// the 1920 px size.
pub async fn generated_at(stack: &TestStack, account: &Account, prompt: &str, quality: &str) -> Value {
    let body = json!({ "prompt": prompt, "aspect_ratio": "1:1", "quality": quality });
    let url = format!("{}/api/generate", stack.url);
    let answer = send(request(reqwest::Method::POST, &url, Some(&account.access), Some(body))).await;
    assert_eq!(answer.status, 201, "generate: {}", answer.body);
    answer.data()["images"][0].clone()
}

/// A generated_images row of `user` inserted with SQL (no stored objects), `minutes_ago` old.
/// Returns its id.
pub async fn inserted(stack: &TestStack, user: &str, prompt: &str, minutes_ago: i32) -> String {
    let db = stack.db.client().await;
    let row = db
        .query_one(
            "insert into generated_images (user_id, prompt, model, storage_path, derivative_paths, width, height,
                                           created_at)
             select $1::text::uuid, $2, 'gemini-2.5-flash-image', $1 || '/' || g.id || '/original.png',
                    jsonb_build_object('150', $1 || '/' || g.id || '/w150.webp'), 1024, 1024,
                    now() - make_interval(mins => $3)
               from (select gen_random_uuid() as id) g
             returning id::text",
            &[&user, &prompt, &minutes_ago],
        )
        .await
        .unwrap();
    row.get(0)
}

/// Runs SQL against the test database (arrangements and checks that the API does not expose).
pub async fn sql(stack: &TestStack, statement: &str) {
    stack.db.client().await.batch_execute(statement).await.unwrap();
}

/// Ids of the listed images, in order.
pub fn ids(answer: &Answer) -> Vec<String> {
    let items = answer.data().as_array().unwrap_or_else(|| panic!("a list: {}", answer.body));
    items.iter().map(|item| item["id"].as_str().unwrap().to_owned()).collect()
}

/// A new API key of `account` with `scopes`.
pub async fn api_key(stack: &TestStack, account: &Account, scopes: &[&str]) -> String {
    let url = format!("{}/api/auth/api-keys", stack.url);
    let body = json!({ "name": format!("key {}", scopes.join(" ")), "scopes": scopes });
    let answer = send(request(reqwest::Method::POST, &url, Some(&account.access), Some(body))).await;
    answer.data()["key"].as_str().unwrap().to_owned()
}

/// The Storage stand-in's files whose path mentions `needle` (an image id).
pub fn files_of(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() { files_of(&path, needle) } else { vec![path] }
        })
        .filter(|path| path.to_string_lossy().contains(needle))
        .collect()
}

/// Publishes the SQL-inserted image `id` as if `PATCH {is_public: true}` had: `minutes_ago`, with
/// public paths for its 150 px derivative and its original.
pub async fn published(stack: &TestStack, id: &str, minutes_ago: i32) {
    sql(
        stack,
        &format!(
            "update generated_images set is_public = true, published_at = now() - make_interval(mins => {minutes_ago}),
                    public_paths = jsonb_build_object('150', id || '/w150.webp', 'original', id || '/original.png')
              where id = '{id}'"
        ),
    )
    .await;
}

/// A new share link of `account` for `target` (`/{image}` or `/collections/{id}`); returns its data.
pub async fn shared(stack: &TestStack, account: &Account, target: &str, body: Option<Value>) -> Value {
    let answer = call(stack, reqwest::Method::POST, &format!("{target}/share"), Some(&account.access), body).await;
    assert_eq!(answer.status, 201, "share {target}: {}", answer.body);
    answer.data().clone()
}

/// One number from the test database (a count, a view count).
pub async fn count(stack: &TestStack, query: &str) -> i64 {
    stack.db.client().await.query_one(query, &[]).await.unwrap().get(0)
}
