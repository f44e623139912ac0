//! The due date the gallery shows: `deletes_at` is `RETENTION_IMAGE_DAYS` after the image was made
//! for private images, and null for the ones retention keeps (favourites, collection members,
//! published images); it follows the image in and out of a collection.

use reqwest::Method;
use serde_json::Value;
use studio_local::testing::TestStack;

use super::{call, inserted, sql};
use crate::helpers::signed_up;

const DAY_MINUTES: i32 = 24 * 60;

fn by_id<'a>(page: &'a Value, id: &str) -> &'a Value {
    let items = page.as_array().unwrap_or_else(|| panic!("a list: {page}"));
    items.iter().find(|item| item["id"] == id).unwrap_or_else(|| panic!("{id} missing: {page}"))
}

/// Days from the image's creation (as stored) to `deletes_at`, as PostgreSQL reads both.
async fn days_until(stack: &TestStack, id: &str, deletes_at: &Value) -> String {
    let text = deletes_at.as_str().unwrap_or_else(|| panic!("a time: {deletes_at}"));
    let query = "select ($2::text::timestamptz - created_at)::text from generated_images where id = $1::text::uuid";
    stack.db.client().await.query_one(query, &[&id, &text]).await.unwrap_or_else(|e| panic!("{text}: {e}")).get(0)
}

#[tokio::test]
async fn due_images_show_when_they_go_and_kept_ones_show_null() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let due = inserted(&stack, &account.id, "sawah hampir dihapus", 85 * DAY_MINUTES).await;
    let favourite = inserted(&stack, &account.id, "favorit lama", 85 * DAY_MINUTES).await;
    let collected = inserted(&stack, &account.id, "dalam koleksi", 85 * DAY_MINUTES).await;
    let published = inserted(&stack, &account.id, "dipublikasikan", 85 * DAY_MINUTES).await;
    sql(&stack, &format!(
        "update generated_images set is_favorite = true where id = '{favourite}';
         update generated_images set is_public = true, published_at = now() where id = '{published}';
         insert into collections (id, user_id, name) values ('00000000-0000-4000-8000-00000000c021', '{user}', 'Sawah');
         insert into collection_images (collection_id, image_id) values ('00000000-0000-4000-8000-00000000c021', '{collected}');",
        user = account.id,
    ))
    .await;

    let page = call(&stack, Method::GET, "", Some(&account.access), None).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let data = page.data();
    assert_eq!(days_until(&stack, &due, &by_id(data, &due)["deletes_at"]).await, "90 days", "{data}");
    for kept in [&favourite, &collected, &published] {
        assert_eq!(by_id(data, kept)["deletes_at"], Value::Null, "{kept}: {data}");
    }

    // Out of its collection, the image is due again; one image's read says the same as the list.
    sql(&stack, &format!("delete from collection_images where image_id = '{collected}'")).await;
    let one = call(&stack, Method::GET, &format!("/{collected}"), Some(&account.access), None).await;
    assert_eq!(one.status, 200, "{}", one.body);
    let image = if one.data()["image"].is_object() { &one.data()["image"] } else { one.data() };
    assert!(image["deletes_at"].is_string(), "{}", one.body);
}
