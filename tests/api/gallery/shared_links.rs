//! A share link opened by anyone: the image or the collection with signed URLs, the prompt only
//! when the link shows it, each first look counted and logged; expired links are 410, revoked and
//! unknown ones 404, and a malformed token is refused before any database query.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{call, count, generated, inserted, shared, sql};
use crate::helpers::{Answer, get, signed_up};

async fn visit(stack: &TestStack, token: &str, query: &str) -> Answer {
    get(&format!("{}/api/gallery/shared/{token}{query}", stack.url)).await
}

#[tokio::test]
async fn an_image_link_shows_the_image_to_anyone_and_counts_every_first_look() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let prompt = "kucing oren rahasia di atas genteng";
    let image = generated(&stack, &account, prompt).await;
    let id = image["id"].as_str().unwrap().to_owned();
    let change = json!({ "title": "Kucing", "alt_text": "Seekor kucing oranye", "tags": ["rahasia-tag"] });
    call(&stack, Method::PATCH, &format!("/{id}"), Some(&account.access), Some(change)).await;
    let link = shared(&stack, &account, &format!("/{id}"), None).await;
    let token = link["token"].as_str().unwrap();

    let first = visit(&stack, token, "").await;
    let signed_in = send_with_bearer(&stack, token, &account.access).await;

    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!((signed_in.status, &signed_in.data()["image"]["id"]), (200, &json!(id)), "{}", signed_in.body);
    let data = first.data();
    assert_eq!((&data["type"], &data["expires_at"]), (&json!("image"), &Value::Null));
    let shown = &data["image"];
    assert_eq!(
        (&shown["id"], &shown["title"], &shown["alt_text"]),
        (&json!(id), &json!("Kucing"), &json!("Seekor kucing oranye"))
    );
    assert_eq!((&shown["width"], &shown["height"], &shown["prompt"]), (&json!(1024), &json!(1024), &Value::Null));
    let text = first.body.to_string();
    for private in [prompt, &account.email, "rahasia-tag", "seed", "original", "storage_path", "is_favorite"] {
        assert!(!text.contains(private), "a visitor sees {private:?}: {text}");
    }
    let derivatives = shown["derivatives"].as_array().unwrap();
    assert_eq!(derivatives.len(), 3);
    for derivative in derivatives {
        let served = reqwest::get(derivative["url"].as_str().unwrap()).await.unwrap();
        assert_eq!(served.status(), 200, "{derivative}");
    }
    let views = count(&stack, &format!("select view_count::bigint from generated_images where id = '{id}'")).await;
    assert_eq!(count(&stack, "select view_count::bigint from shares").await, 2, "the link's views");
    assert_eq!(views, 2, "the image's views");
    let logged = count(
        &stack,
        &format!(
            "select count(*) from usage_logs where action = 'share_view' and user_id is null and image_id = '{id}'
                and details->>'share_id' = '{}' and details->>'via' = 'api'",
            link["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(logged, 2, "share_view not logged for each look");
}

/// The owner's own credentials change nothing: the endpoint reads none.
async fn send_with_bearer(stack: &TestStack, token: &str, bearer: &str) -> Answer {
    let url = format!("{}/api/gallery/shared/{token}", stack.url);
    crate::helpers::send(reqwest::Client::new().get(url).bearer_auth(bearer)).await
}

#[tokio::test]
async fn a_link_shows_the_prompt_only_when_it_says_so() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = inserted(&stack, &account.id, "naga emas di langit senja", 1).await;
    let with = shared(&stack, &account, &format!("/{image}"), Some(json!({ "show_prompt": true }))).await;
    let without = shared(&stack, &account, &format!("/{image}"), Some(json!({ "show_prompt": false }))).await;

    let shown = visit(&stack, with["token"].as_str().unwrap(), "").await;
    let hidden = visit(&stack, without["token"].as_str().unwrap(), "").await;

    assert_eq!(shown.data()["image"]["prompt"], "naga emas di langit senja");
    assert_eq!(hidden.data()["image"]["prompt"], Value::Null);
    assert!(!hidden.body.to_string().contains("naga"), "{}", hidden.body);
}

#[tokio::test]
async fn a_collection_link_pages_through_its_images_and_counts_only_the_first_page() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let images = [
        inserted(&stack, &account.id, "pantai kuta", 3).await,
        inserted(&stack, &account.id, "sawah ubud", 2).await,
        inserted(&stack, &account.id, "pura uluwatu", 1).await,
    ];
    let outside = inserted(&stack, &account.id, "bukan bagian koleksi", 0).await;
    let body = json!({ "name": "Liburan <Bali>", "description": "Tiga hari di pulau" });
    let created = call(&stack, Method::POST, "/collections", Some(&account.access), Some(body)).await;
    let collection = created.data()["id"].as_str().unwrap().to_owned();
    let add = json!({ "image_ids": images });
    call(&stack, Method::POST, &format!("/collections/{collection}/images"), Some(&account.access), Some(add)).await;
    let link = shared(&stack, &account, &format!("/collections/{collection}"), None).await;
    let token = link["token"].as_str().unwrap();

    let first = visit(&stack, token, "?limit=2").await;
    let cursor = first.body["meta"]["pagination"]["next_cursor"].as_str().unwrap().to_owned();
    let second = visit(&stack, token, &format!("?limit=2&cursor={cursor}")).await;

    let data = first.data();
    assert_eq!(data["type"], "collection");
    assert_eq!(
        data["collection"],
        json!({ "name": "Liburan <Bali>", "description": "Tiga hari di pulau", "image_count": 3 })
    );
    let page_ids = |answer: &Answer| -> Vec<String> {
        let images = answer.data()["images"].as_array().unwrap();
        images.iter().map(|image| image["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(
        [page_ids(&first), page_ids(&second)].concat(),
        vec![images[2].clone(), images[1].clone(), images[0].clone()]
    );
    assert_eq!(second.body["meta"]["pagination"]["next_cursor"], Value::Null);
    assert!(!first.body.to_string().contains(&outside) && !second.body.to_string().contains(&outside));
    assert_eq!(count(&stack, "select view_count::bigint from shares").await, 1, "a next page counted as a view");
    assert_eq!(count(&stack, "select count(*) from usage_logs where action = 'share_view'").await, 1);
    let bad_cursor = visit(&stack, token, "?cursor=kucing").await;
    assert_eq!(crate::helpers::refused_field(&bad_cursor), "cursor");
}

#[tokio::test]
async fn expired_links_are_gone_and_revoked_unknown_or_deleted_ones_not_found() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = inserted(&stack, &account.id, "kucing oren", 1).await;
    let expired = shared(&stack, &account, &format!("/{image}"), Some(json!({ "expires_in_hours": 1 }))).await;
    let revoked = shared(&stack, &account, &format!("/{image}"), None).await;
    let doomed = inserted(&stack, &account.id, "akan dihapus", 1).await;
    let of_deleted = shared(&stack, &account, &format!("/{doomed}"), None).await;
    sql(
        &stack,
        &format!(
            "update shares set created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour'
              where id = '{}'",
            expired["id"].as_str().unwrap()
        ),
    )
    .await;
    let revoke = format!("/shares/{}", revoked["id"].as_str().unwrap());
    assert_eq!(call(&stack, Method::DELETE, &revoke, Some(&account.access), None).await.status, 200);
    assert_eq!(call(&stack, Method::DELETE, &format!("/{doomed}"), Some(&account.access), None).await.status, 200);

    let cases = [
        ("expired", expired["token"].as_str().unwrap(), (410, "GONE")),
        ("revoked", revoked["token"].as_str().unwrap(), (404, "NOT_FOUND")),
        ("its image deleted", of_deleted["token"].as_str().unwrap(), (404, "NOT_FOUND")),
        ("never made", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", (404, "NOT_FOUND")),
    ];
    for (case, token, expected) in cases {
        let answer = visit(&stack, token, "").await;
        assert_eq!((answer.status, answer.error_code()), expected, "{case}: {}", answer.body);
    }
    assert_eq!(count(&stack, "select coalesce(sum(view_count), 0)::bigint from shares").await, 0);
    assert_eq!(count(&stack, "select view_count::bigint from generated_images").await, 0);
    assert_eq!(count(&stack, "select count(*) from usage_logs where action = 'share_view'").await, 0);
}

#[tokio::test]
async fn a_malformed_token_is_not_found_without_a_database_query() {
    let stack = TestStack::start().await;
    stack.faults.inject(Service::Postgrest, Fault::json(503, json!({ "message": "down" })), 1);

    for token in ["short", "abc.def-ghijklmnopqrstuvwxyz", "%2E%2E%2Fetc", &"a".repeat(129)] {
        let answer = visit(&stack, token, "").await;
        assert_eq!((answer.status, answer.error_code()), (404, "NOT_FOUND"), "{token}: {}", answer.body);
    }

    assert_eq!(stack.faults.pending(Service::Postgrest), 1, "a malformed token reached the database");
    let well_formed = visit(&stack, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "").await;
    assert_eq!((well_formed.status, well_formed.error_code()), (503, "UPSTREAM_UNAVAILABLE"));
}
