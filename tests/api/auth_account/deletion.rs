//! Deleting an account: it needs the password, and it leaves nothing of the user behind: no row in
//! any table, no stored object, no working credential. A storage failure deletes nothing.

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::json;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{access_works, call, refresh_works, refused_field};
use crate::helpers::{Account, PASSWORD, signed_up};

/// The public tables with a `user_id` column: every one must hold nothing of a deleted user.
async fn tables_with_user_id(stack: &TestStack) -> Vec<String> {
    let db = stack.db.client().await;
    let rows = db
        .query(
            "select c.table_name::text from information_schema.columns c
               join information_schema.tables t using (table_schema, table_name)
              where c.table_schema = 'public' and c.column_name = 'user_id' and t.table_type = 'BASE TABLE'
              order by 1",
            &[],
        )
        .await
        .unwrap();
    rows.iter().map(|row| row.get(0)).collect()
}

/// Rows of `user` per table with a `user_id` column.
async fn rows_per_table(stack: &TestStack, user: &str) -> Vec<(String, i64)> {
    let db = stack.db.client().await;
    let mut counts = Vec::new();
    for table in tables_with_user_id(stack).await {
        let sql = format!("select count(*) from public.\"{table}\" where user_id::text = $1");
        counts.push((table, db.query_one(&sql, &[&user]).await.unwrap().get(0)));
    }
    counts
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() { files_under(&path) } else { vec![path] }
        })
        .collect()
}

/// A generated image of `user` as the generator stores it: a row with its original, two derivatives
/// and (if `published`) public copies, and an object in Storage for every path. Returns its id.
pub(crate) async fn stored_image(stack: &TestStack, user: &str, n: u32, published: bool) -> String {
    let id = format!("00000000-0000-4000-8000-{n:012}");
    let original = format!("{user}/{id}/original.png");
    let derivatives = json!({ "150": format!("{user}/{id}/w150.webp"), "600": format!("{user}/{id}/w600.webp") });
    let public = published
        .then(|| json!({ "original": format!("{user}/{id}/original.png"), "150": format!("{user}/{id}/w150.webp") }));
    let db = stack.db.client().await;
    db.execute(
        "insert into generated_images (id, user_id, prompt, model, storage_path, derivative_paths, public_paths,
                                       is_public, published_at)
         values ($1::text::uuid, $2::text::uuid, 'kucing oranye di atas genteng', 'gemini-2.5-flash-image', $3, $4, $5,
                 $6, case when $6 then now() end)",
        &[&id, &user, &original, &derivatives, &public, &published],
    )
    .await
    .unwrap();
    let storage = &stack.app.storage;
    let mut objects = vec![(storage.private_bucket(), original.clone())];
    for path in derivatives.as_object().unwrap().values() {
        objects.push((storage.private_bucket(), path.as_str().unwrap().to_owned()));
    }
    for path in public.iter().flat_map(|p| p.as_object().unwrap().values().cloned().collect::<Vec<_>>()) {
        objects.push((storage.public_bucket(), path.as_str().unwrap().to_owned()));
    }
    for (bucket, path) in objects {
        let mime = if path.ends_with(".png") { "image/png" } else { "image/webp" };
        storage.upload(bucket, &path, b"not really an image".to_vec(), mime, "max-age=3600", false).await.unwrap();
    }
    id
}

/// The rest of what an active account has: settings, an API key, a collection, a share, history,
/// a usage record, an idempotency record and a quota hold. Returns the API key.
async fn everything_else(stack: &TestStack, account: &Account, image: &str) -> String {
    let settings = json!({ "default_quality": "high" });
    call(stack, Method::PATCH, "settings", Some(&account.access), Some(settings)).await.data();
    let key = json!({ "name": "laptop", "scopes": ["gallery:read"] });
    let key = call(stack, Method::POST, "api-keys", Some(&account.access), Some(key)).await;
    let key = key.data()["key"].as_str().unwrap().to_owned();
    let db = stack.db.client().await;
    db.batch_execute(&format!(
        "insert into collections (user_id, name, cover_image_id) values ('{user}', 'Kucing', '{image}');
         insert into collection_images (collection_id, image_id) select id, '{image}' from collections;
         insert into shares (user_id, token, image_id) values ('{user}', 'c2hhcmUtdG9rZW4tZm9yLWEtY2F0', '{image}');
         insert into prompt_history (user_id, prompt) values ('{user}', 'kucing oranye di atas genteng');
         insert into usage_logs (user_id, action, status, units, image_id) values ('{user}', 'generate', 'success', 1, '{image}');
         insert into idempotency_keys (user_id, key, request_hash) values ('{user}', 'retry-1', sha256('x'));
         insert into quota_holds (user_id, units, day, expires_at) values ('{user}', 1, current_date, now() + interval '10 minutes');",
        user = account.id,
    ))
    .await
    .unwrap();
    key
}

async fn delete_account(stack: &TestStack, account: &Account, password: &str) -> crate::helpers::Answer {
    call(stack, Method::DELETE, "account", Some(&account.access), Some(json!({ "password": password }))).await
}

#[tokio::test]
async fn deleting_the_account_needs_its_password() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    let wrong = delete_account(&stack, &account, "not-my-password-at-all").await;
    let missing = call(&stack, Method::DELETE, "account", Some(&account.access), Some(json!({}))).await;

    assert_eq!(refused_field(&wrong), "password");
    assert_eq!(refused_field(&missing), "password");
    let db = stack.db.client().await;
    let disabled: bool = db.query_one("select is_disabled from users", &[]).await.unwrap().get(0);
    assert!(!disabled, "a refused deletion disabled the account");
    assert!(access_works(&stack, &account.access).await && refresh_works(&stack, &account.refresh).await);
}

#[tokio::test]
async fn deleting_the_account_leaves_no_row_no_object_and_no_working_credential() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let neighbour = signed_up(&stack, "budi@example.com").await;
    let private = stored_image(&stack, &account.id, 1, false).await;
    stored_image(&stack, &account.id, 2, true).await;
    let kept = stored_image(&stack, &neighbour.id, 3, true).await;
    let api_key = everything_else(&stack, &account, &private).await;
    let empty: Vec<(String, i64)> =
        rows_per_table(&stack, &account.id).await.into_iter().filter(|(_, n)| *n == 0).collect();
    assert_eq!(empty, vec![], "the arrangement misses a table with a user_id column");
    let neighbour_rows = rows_per_table(&stack, &neighbour.id).await;

    let answer = delete_account(&stack, &account, PASSWORD).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let left: Vec<(String, i64)> =
        rows_per_table(&stack, &account.id).await.into_iter().filter(|(_, n)| *n > 0).collect();
    assert_eq!(left, vec![], "rows of the deleted user are left");
    let db = stack.db.client().await;
    let users: i64 =
        db.query_one("select count(*) from users where id::text = $1", &[&account.id]).await.unwrap().get(0);
    assert_eq!(users, 0);
    let files = files_under(&stack.storage_dir);
    let theirs: Vec<&PathBuf> = files.iter().filter(|f| f.to_string_lossy().contains(&account.id)).collect();
    assert_eq!(theirs, Vec::<&PathBuf>::new(), "stored objects of the deleted user are left");
    let neighbours = files.iter().filter(|f| f.to_string_lossy().contains(&kept)).count();
    assert!(neighbours >= 5, "the neighbour's objects went too: {files:?}");
    assert_eq!(rows_per_table(&stack, &neighbour.id).await, neighbour_rows, "the neighbour's rows changed");
    assert!(!access_works(&stack, &account.access).await, "the access token still works");
    assert!(!refresh_works(&stack, &account.refresh).await, "the refresh token still works");
    assert!(!access_works(&stack, &api_key).await, "the API key still works");
    assert!(access_works(&stack, &neighbour.access).await);

    let again = call(
        &stack,
        Method::POST,
        "register",
        None,
        Some(json!({ "email": account.email, "password": "a-brand-new-start", "name": "Siti" })),
    )
    .await;
    assert_eq!(again.status, 202, "{}", again.body);
    assert_eq!(
        stack.outbox.last_to(&account.email).unwrap().subject,
        "Konfirmasi alamat e-mail Anda",
        "the address is still taken"
    );
}

#[tokio::test]
async fn a_storage_failure_during_deletion_deletes_nothing_and_a_retry_completes() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = stored_image(&stack, &account.id, 1, true).await;
    let objects = files_under(&stack.storage_dir).len();
    let rows = rows_per_table(&stack, &account.id).await;
    let outage = json!({ "statusCode": "503", "error": "Service Unavailable", "message": "storage is down" });
    stack.faults.inject(Service::Storage, Fault::json(503, outage), 1);

    let failed = delete_account(&stack, &account, PASSWORD).await;

    assert_eq!((failed.status, failed.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", failed.body);
    assert_eq!(stack.faults.pending(Service::Storage), 0);
    assert_eq!(rows_per_table(&stack, &account.id).await, rows, "the failed deletion removed rows");
    assert_eq!(files_under(&stack.storage_dir).len(), objects, "the failed deletion removed objects");
    assert!(access_works(&stack, &account.access).await, "the failed deletion signed the user out");

    let retried = delete_account(&stack, &account, PASSWORD).await;

    assert_eq!(retried.status, 200, "{}", retried.body);
    let left: Vec<(String, i64)> =
        rows_per_table(&stack, &account.id).await.into_iter().filter(|(_, n)| *n > 0).collect();
    assert_eq!(left, vec![], "the retry left rows");
    let files = files_under(&stack.storage_dir);
    assert!(!files.iter().any(|f| f.to_string_lossy().contains(&image)), "the retry left objects: {files:?}");
}

#[tokio::test]
async fn the_account_row_goes_only_once_every_object_it_owns_is_among_those_removed() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    stored_image(&stack, &account.id, 1, true).await;
    let db = stack.db.client().await;
    let delete =
        "select coalesce(jsonb_agg(jsonb_build_object('bucket', bucket, 'path', path) order by bucket, path), '[]')
                    from public.account_delete($1::text::uuid, $2::text::jsonb)";
    let users = "select count(*) from users where id::text = $1";

    let all: serde_json::Value = db.query_one(delete, &[&account.id, &"[]"]).await.unwrap().get(0);
    let all_but_one = serde_json::Value::Array(all.as_array().unwrap()[1..].to_vec()).to_string();
    let left: serde_json::Value = db.query_one(delete, &[&account.id, &all_but_one]).await.unwrap().get(0);
    let kept: i64 = db.query_one(users, &[&account.id]).await.unwrap().get(0);
    let none: serde_json::Value = db.query_one(delete, &[&account.id, &all.to_string()]).await.unwrap().get(0);
    let after: i64 = db.query_one(users, &[&account.id]).await.unwrap().get(0);

    assert_eq!(all.as_array().unwrap().len(), 5, "an original, two derivatives and two public copies: {all}");
    assert_eq!(left, json!([all[0]]), "the object not yet removed is handed back");
    assert_eq!((kept, none, after), (1, json!([]), 0), "the row went before its objects, or not at all");
}
