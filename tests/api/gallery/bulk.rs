//! Bulk actions: each action changes the caller's images and answers every id (another user's
//! image is `not_found`, like a missing one); row changes are all or nothing; publishing,
//! unpublishing and deleting move the stored objects first and leave nothing behind on failure.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{api_key, call, files_of, generated, inserted, refused_field, sql};
use crate::helpers::{Answer, signed_up};

const MISSING: &str = "00000000-0000-4000-8000-0000000000ff";
const COLLECTION: &str = "00000000-0000-4000-8000-00000000c011";

async fn bulk(stack: &TestStack, bearer: &str, body: Value) -> Answer {
    call(stack, Method::POST, "/bulk", Some(bearer), Some(body)).await
}

/// `(id, status)` of each answered id, in order.
fn statuses(answer: &Answer) -> Vec<(String, String)> {
    let results = answer.data()["results"].as_array().unwrap_or_else(|| panic!("results: {}", answer.body));
    results.iter().map(|r| (r["id"].as_str().unwrap().to_owned(), r["status"].as_str().unwrap().to_owned())).collect()
}

async fn rows(stack: &TestStack) -> i64 {
    stack.db.client().await.query_one("select count(*) from generated_images", &[]).await.unwrap().get(0)
}

/// One expression over each image's row, as text, in the order of `ids`.
async fn column(stack: &TestStack, expression: &str, ids: &[&str]) -> Vec<String> {
    let db = stack.db.client().await;
    let mut values = Vec::new();
    for id in ids {
        let query = format!("select ({expression})::text from generated_images i where id::text = $1");
        values.push(db.query_one(&query, &[id]).await.unwrap().get::<_, String>(0));
    }
    values
}

#[tokio::test]
async fn each_row_action_changes_only_the_callers_images_and_answers_every_id() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let (a, b) = (inserted(&stack, &siti.id, "kucing oren", 2).await, inserted(&stack, &siti.id, "batik", 1).await);
    let theirs = inserted(&stack, &budi.id, "milik budi", 1).await;
    sql(&stack, &format!("update generated_images set tags = '{{kucing}}' where id = '{a}'")).await;
    sql(
        &stack,
        &format!("insert into collections (id, user_id, name) values ('{COLLECTION}', '{}', 'Liburan')", siti.id),
    )
    .await;
    let ids = json!([a, theirs, b, MISSING, a]);
    let expected = vec![
        (a.clone(), "ok".to_owned()),
        (theirs.clone(), "not_found".to_owned()),
        (b.clone(), "ok".to_owned()),
        (MISSING.to_owned(), "not_found".to_owned()),
    ];
    let in_collection = format!(
        "exists (select 1 from collection_images c where c.image_id = i.id and c.collection_id = '{COLLECTION}')"
    );
    let steps = [
        (
            json!({ "action": "tag", "tags": ["Batik", "kucing", "Laut"] }),
            "array_to_string(tags, ',')",
            ["kucing,batik,laut", "batik,kucing,laut"],
        ),
        (json!({ "action": "untag", "tags": ["KUCING"] }), "array_to_string(tags, ',')", ["batik,laut", "batik,laut"]),
        (json!({ "action": "favorite" }), "is_favorite", ["true", "true"]),
        (json!({ "action": "unfavorite" }), "is_favorite", ["false", "false"]),
        (
            json!({ "action": "add_to_collection", "collection_id": COLLECTION }),
            in_collection.as_str(),
            ["true", "true"],
        ),
        (
            json!({ "action": "remove_from_collection", "collection_id": COLLECTION }),
            in_collection.as_str(),
            ["false", "false"],
        ),
    ];

    for (mut body, expression, after) in steps {
        body["ids"] = ids.clone();
        let answer = bulk(&stack, &siti.access, body.clone()).await;

        assert_eq!(answer.status, 200, "{body}: {}", answer.body);
        assert_eq!(statuses(&answer), expected, "{body}");
        assert_eq!(answer.data()["counts"], json!({ "ok": 2, "not_found": 2 }), "{body}");
        assert_eq!(column(&stack, expression, &[&a, &b]).await, after, "{body}");
    }
    let untouched = column(&stack, "tags = '{}' and not is_favorite", &[&theirs]).await;
    assert_eq!(untouched, ["true"], "the other user's image changed");
}

#[tokio::test]
async fn tagging_changes_no_image_when_one_would_pass_thirty_tags() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let (a, b) = (inserted(&stack, &siti.id, "kucing", 2).await, inserted(&stack, &siti.id, "batik", 1).await);
    sql(&stack, &format!("update generated_images set tags = array(select 'tag ' || n from generate_series(1, 29) n) where id = '{b}'")).await;

    let answer = bulk(&stack, &siti.access, json!({ "ids": [a, b], "action": "tag", "tags": ["laut", "senja"] })).await;

    assert_eq!(refused_field(&answer), "tags");
    assert!(answer.body["error"]["message"].as_str().unwrap().contains(&b), "{}", answer.body);
    assert_eq!(column(&stack, "cardinality(tags)", &[&a, &b]).await, ["0", "29"], "a change took effect");
}

#[tokio::test]
async fn bulk_publishing_serves_public_copies_and_unpublishing_removes_them() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let a = generated(&stack, &siti, "kucing oren di atas genteng").await["id"].as_str().unwrap().to_owned();
    let b = generated(&stack, &siti, "perahu di danau toba").await["id"].as_str().unwrap().to_owned();
    let theirs = inserted(&stack, &budi.id, "milik budi", 1).await;
    let public_dir = stack.storage_dir.join("objects").join("public-images");

    let published = bulk(&stack, &siti.access, json!({ "ids": [a, theirs, b], "action": "publish" })).await;

    assert_eq!(published.status, 200, "{}", published.body);
    assert_eq!(statuses(&published).iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(), ["ok", "not_found", "ok"]);
    for id in [&a, &b] {
        let one = call(&stack, Method::GET, &format!("/{id}"), Some(&siti.access), None).await;
        let url = one.data()["public_urls"]["800"].as_str().unwrap_or_else(|| panic!("{}", one.body)).to_owned();
        assert_eq!(reqwest::get(&url).await.unwrap().status(), 200, "{url}");
        let key = url.rsplit('/').nth(1).unwrap();
        assert_eq!(files_of(&public_dir, key).len(), 3, "no public copies of {id}");
    }
    let again = bulk(&stack, &siti.access, json!({ "ids": [a, b], "action": "publish" })).await;
    assert_eq!(again.data()["counts"]["ok"], 2, "publishing published images is fine");

    let unpublished = bulk(&stack, &siti.access, json!({ "ids": [a, b, MISSING], "action": "unpublish" })).await;

    assert_eq!(unpublished.data()["counts"], json!({ "ok": 2, "not_found": 1 }));
    assert_eq!(column(&stack, "is_public::text || (public_paths is null)::text", &[&a, &b]).await, ["falsetrue"; 2]);
    assert_eq!(files_of(&public_dir, ""), Vec::<std::path::PathBuf>::new(), "public copies left");
}

#[tokio::test]
async fn a_failed_copy_publishes_no_image_and_leaves_no_public_object() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let a = generated(&stack, &siti, "kucing oren di atas genteng").await["id"].as_str().unwrap().to_owned();
    let b = generated(&stack, &siti, "perahu di danau toba").await["id"].as_str().unwrap().to_owned();
    let outage = json!({ "statusCode": "503", "error": "Service Unavailable", "message": "storage is down" });
    // Both images copy an original and derivatives: let some copies through, then fail one.
    stack.faults.inject(Service::Storage, Fault::Delay { millis: 0 }, 3);
    stack.faults.inject(Service::Storage, Fault::json(503, outage), 1);

    let answer = bulk(&stack, &siti.access, json!({ "ids": [a, b], "action": "publish" })).await;

    assert_eq!((answer.status, answer.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", answer.body);
    assert_eq!(stack.faults.pending(Service::Storage), 0);
    assert_eq!(column(&stack, "is_public", &[&a, &b]).await, ["false", "false"]);
    let public_dir = stack.storage_dir.join("objects").join("public-images");
    assert_eq!(files_of(&public_dir, ""), Vec::<std::path::PathBuf>::new(), "copies left behind");
}

#[tokio::test]
async fn bulk_delete_removes_objects_then_rows_and_keeps_every_row_when_storage_fails() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let a = generated(&stack, &siti, "kucing oren di atas genteng").await["id"].as_str().unwrap().to_owned();
    let b = generated(&stack, &siti, "perahu di danau toba").await["id"].as_str().unwrap().to_owned();
    let theirs = generated(&stack, &budi, "milik budi").await["id"].as_str().unwrap().to_owned();
    bulk(&stack, &siti.access, json!({ "ids": [a], "action": "publish" })).await.data();
    let outage = json!({ "statusCode": "503", "error": "Service Unavailable", "message": "storage is down" });
    stack.faults.inject(Service::Storage, Fault::json(503, outage), 1);
    let body = json!({ "ids": [a, theirs, b], "action": "delete" });

    let failed = bulk(&stack, &siti.access, body.clone()).await;

    assert_eq!((failed.status, failed.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", failed.body);
    assert_eq!(rows(&stack).await, 3, "a row went");

    let deleted = bulk(&stack, &siti.access, body).await;

    assert_eq!(statuses(&deleted).iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(), ["ok", "not_found", "ok"]);
    let db = stack.db.client().await;
    let left: Vec<String> =
        db.query("select id::text from generated_images", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(left, std::slice::from_ref(&theirs));
    for id in [&a, &b] {
        assert_eq!(files_of(&stack.storage_dir, id), Vec::<std::path::PathBuf>::new(), "objects of {id} left");
    }
    assert!(!files_of(&stack.storage_dir, &theirs).is_empty(), "the other user's objects went");
}

#[tokio::test]
async fn bad_bulk_requests_name_their_field_and_change_nothing() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let image = inserted(&stack, &siti.id, "kucing", 1).await;
    let too_many: Vec<String> = (0..101).map(|n| format!("00000000-0000-4000-8000-{n:012}")).collect();
    sql(
        &stack,
        &format!("insert into collections (id, user_id, name) values ('{COLLECTION}', '{}', 'Milik Budi')", budi.id),
    )
    .await;
    let cases = [
        ("no ids", json!({ "action": "favorite" }), "ids"),
        ("no image ids", json!({ "ids": [], "action": "favorite" }), "ids"),
        ("101 ids", json!({ "ids": too_many, "action": "favorite" }), "ids"),
        ("an id that is no UUID", json!({ "ids": [image, "kucing"], "action": "favorite" }), "ids[1]"),
        ("no action", json!({ "ids": [image] }), "action"),
        ("an unknown action", json!({ "ids": [image], "action": "archive" }), "action"),
        ("tag without tags", json!({ "ids": [image], "action": "tag" }), "tags"),
        ("an empty tag", json!({ "ids": [image], "action": "tag", "tags": ["ok", ""] }), "tags[1]"),
        ("tags for a favourite", json!({ "ids": [image], "action": "favorite", "tags": ["x"] }), "tags"),
        ("a collection action without one", json!({ "ids": [image], "action": "add_to_collection" }), "collection_id"),
        (
            "a collection for a delete",
            json!({ "ids": [image], "action": "delete", "collection_id": COLLECTION }),
            "collection_id",
        ),
        ("an unknown field", json!({ "ids": [image], "action": "delete", "user_id": budi.id }), "user_id"),
    ];
    for (case, body, field) in cases {
        assert_eq!(refused_field(&bulk(&stack, &siti.access, body).await), field, "{case}");
    }
    let foreign = json!({ "ids": [image], "action": "add_to_collection", "collection_id": COLLECTION });
    let answer = bulk(&stack, &siti.access, foreign).await;
    assert_eq!((answer.status, answer.error_code()), (404, "NOT_FOUND"), "another user's collection: {}", answer.body);
    assert_eq!(rows(&stack).await, 1);
    assert_eq!(column(&stack, "is_favorite", &[&image]).await, ["false"]);
}

#[tokio::test]
async fn bulk_needs_a_login_or_a_key_with_gallery_write() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let image = inserted(&stack, &siti.id, "kucing", 1).await;
    let reader = api_key(&stack, &siti, &["gallery:read"]).await;
    let writer = api_key(&stack, &siti, &["gallery:write"]).await;
    let body = json!({ "ids": [image], "action": "favorite" });

    let anonymous = call(&stack, Method::POST, "/bulk", None, Some(body.clone())).await;
    let read_only = bulk(&stack, &reader, body.clone()).await;

    assert_eq!((anonymous.status, anonymous.error_code()), (401, "UNAUTHORIZED"));
    assert_eq!((read_only.status, read_only.error_code()), (403, "FORBIDDEN"));
    assert_eq!(column(&stack, "is_favorite", &[&image]).await, ["false"], "a refused bulk action took effect");
    let written = bulk(&stack, &writer, body).await;
    assert_eq!(statuses(&written), [(image.clone(), "ok".to_owned())]);
    assert_eq!(column(&stack, "is_favorite", &[&image]).await, ["true"]);
}
