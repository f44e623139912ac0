//! Storage that cannot run out by surprise: the bytes each image stores, the account's and the
//! studio's counters kept by the image rows' triggers, and the limits checked before anything is
//! stored. Each test compares the counters with the rows and with Storage's own catalogue.
//!
//! - `counters`: generate, edit, save a version, publish, unpublish, delete, retention, account
//!   deletion; the Dashboard's figures in the profile.
//! - `limits`: `STORAGE_FULL` for a full account, the studio's stop at 95 %, twenty at once.

mod counters;
mod limits;

use std::io::Cursor;

use reqwest::Method;
use studio_local::testing::TestStack;

use crate::helpers::{Account, Answer, send};

/// The model of rows inserted with SQL to fill an account: they have bytes but no stored objects.
pub const FILLER: &str = "sql-filler";

/// `(account's counter, studio's counter)`.
pub async fn counters(stack: &TestStack, account: &Account) -> (i64, i64) {
    let row = stack
        .db
        .client()
        .await
        .query_one(
            "select (select storage_used_bytes from users where id = $1::text::uuid),
                    (select used_bytes from storage_usage)",
            &[&account.id],
        )
        .await
        .expect("the counters");
    (row.get(0), row.get(1))
}

/// Asserts that every counter is exact: the studio's equals the bytes of every row and, without
/// the filler rows, every byte in Storage's catalogue (both buckets); each account's equals the
/// bytes of its rows and, without its filler rows, its objects (private folder and published copies).
pub async fn assert_exact(stack: &TestStack, when: &str) {
    let db = stack.db.client().await;
    let studio = db
        .query_one(
            "select (select used_bytes from storage_usage),
                    (select coalesce(sum(image_storage_bytes(stored_bytes, publish_bytes, public_paths)), 0)::bigint
                       from generated_images),
                    (select coalesce(sum(image_storage_bytes(stored_bytes, publish_bytes, public_paths)), 0)::bigint
                       from generated_images where model = $1),
                    (select coalesce(sum((metadata ->> 'size')::bigint), 0)::bigint from storage.objects)",
            &[&FILLER],
        )
        .await
        .expect("the studio's figures");
    let (counter, rows, filler, objects): (i64, i64, i64, i64) =
        (studio.get(0), studio.get(1), studio.get(2), studio.get(3));
    assert_eq!((counter, counter - filler), (rows, objects), "{when}: the studio's counter, rows and objects");
    let users = db
        .query(
            "select u.email, u.storage_used_bytes,
                    (select coalesce(sum(image_storage_bytes(stored_bytes, publish_bytes, public_paths)), 0)::bigint
                       from generated_images i where i.user_id = u.id),
                    (select coalesce(sum(image_storage_bytes(stored_bytes, publish_bytes, public_paths)), 0)::bigint
                       from generated_images i where i.user_id = u.id and i.model = $1),
                    (select coalesce(sum((o.metadata ->> 'size')::bigint), 0)::bigint from storage.objects o
                      where o.name like u.id::text || '/%'
                         or o.name in (select p.value from generated_images i, jsonb_each_text(i.public_paths) p
                                        where i.user_id = u.id))
               from users u",
            &[&FILLER],
        )
        .await
        .expect("each account's figures");
    for user in users {
        let (email, counter, rows, filler, objects): (String, i64, i64, i64, i64) =
            (user.get(0), user.get(1), user.get(2), user.get(3), user.get(4));
        assert_eq!((counter, counter - filler), (rows, objects), "{when}: {email}'s counter, rows and objects");
    }
}

/// Inserts a row of `bytes` for `account` with no stored object, as if it had been stored before.
pub async fn filler(stack: &TestStack, account: &Account, bytes: i64) {
    let db = stack.db.client().await;
    db.execute(
        "insert into generated_images (user_id, prompt, model, storage_path, stored_bytes)
         select $1::text::uuid, 'isian', $2, $1 || '/' || g.id || '/original.png', $3
           from (select gen_random_uuid() as id) g",
        &[&account.id, &FILLER, &bytes],
    )
    .await
    .expect("a filler row");
}

/// An opaque `width` x `height` PNG, as a canvas would export it.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut bytes = Vec::new();
    picture.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png).expect("a PNG");
    bytes
}

/// `POST /api/gallery/{image}/versions` with a 400×300 PNG.
pub async fn save_version(stack: &TestStack, account: &Account, image: &str) -> Answer {
    let url = format!("{}/api/gallery/{image}/versions?edits=crop", stack.url);
    let request = reqwest::Client::new()
        .request(Method::POST, url)
        .bearer_auth(&account.access)
        .header(reqwest::header::CONTENT_TYPE, "image/png")
        .body(png(400, 300));
    send(request).await
}
