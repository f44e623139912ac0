//! Share links for their owner: made for an image or a collection with an unguessable token, an
//! optional expiry and a prompt switch; bad requests named by field; listed with their view counts
//! and states; revoked.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{call, count, generated, inserted, refused_field, shared, sql};
use crate::helpers::signed_up;

#[tokio::test]
async fn sharing_an_image_answers_201_with_an_unguessable_token_and_its_page_url() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = inserted(&stack, &account.id, "kucing oren", 1).await;

    let answer = call(
        &stack,
        Method::POST,
        &format!("/{image}/share"),
        Some(&account.access),
        Some(json!({ "expires_in_hours": 24, "show_prompt": true })),
    )
    .await;
    let plain = shared(&stack, &account, &format!("/{image}"), None).await;

    assert_eq!(answer.status, 201, "{}", answer.body);
    let link = answer.data();
    let token = link["token"].as_str().unwrap();
    assert!(token.len() >= 22 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_ne!(token, plain["token"].as_str().unwrap(), "two links share a token");
    assert_eq!(link["url"], format!("{}/s/{token}", stack.url));
    assert_eq!(link["target"], json!({ "type": "image", "id": image }));
    assert_eq!(
        (&link["show_prompt"], &link["state"], &link["view_count"]),
        (&json!(true), &json!("active"), &json!(0))
    );
    let hours_left = count(
        &stack,
        &format!(
            "select round(extract(epoch from expires_at - now()) / 3600)::bigint from shares where token = '{token}'"
        ),
    )
    .await;
    assert_eq!(hours_left, 24);
    assert_eq!((&plain["expires_at"], &plain["show_prompt"]), (&Value::Null, &json!(false)), "defaults without a body");
    let logged = count(
        &stack,
        &format!(
            "select count(*) from usage_logs where action = 'share_create' and user_id = '{}'
                and image_id = '{image}' and details->>'share_id' = '{}'",
            account.id,
            link["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(logged, 1, "share_create not logged");
}

#[tokio::test]
async fn sharing_a_collection_links_the_collection() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let created =
        call(&stack, Method::POST, "/collections", Some(&account.access), Some(json!({ "name": "Liburan" }))).await;
    let collection = created.data()["id"].as_str().unwrap().to_owned();

    let db = stack.db.client().await;
    let in_ten_days = "to_char(date_trunc('second', now() at time zone 'utc') + interval '10 days',
                               'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
    let at: String = db.query_one(&format!("select {in_ten_days}"), &[]).await.unwrap().get(0);

    let body = json!({ "expires_at": at });
    let link = shared(&stack, &account, &format!("/collections/{collection}"), Some(body)).await;

    assert_eq!(link["target"], json!({ "type": "collection", "id": collection }));
    let stored = db.query_one("select expires_at = $1::text::timestamptz from shares", &[&at]).await.unwrap();
    assert!(stored.get::<_, bool>(0), "expires_at not stored as {at}: {link}");
}

#[tokio::test]
async fn bad_share_requests_are_refused_naming_the_field_and_make_no_link() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = inserted(&stack, &account.id, "kucing oren", 1).await;
    let path = format!("/{image}/share");
    let cases = [
        ("zero hours", json!({ "expires_in_hours": 0 }), "expires_in_hours"),
        ("more than a year", json!({ "expires_in_hours": 8761 }), "expires_in_hours"),
        ("hours as text", json!({ "expires_in_hours": "24" }), "expires_in_hours"),
        ("fractional hours", json!({ "expires_in_hours": 1.5 }), "expires_in_hours"),
        ("not a time", json!({ "expires_at": "besok" }), "expires_at"),
        ("in the past", json!({ "expires_at": "2020-01-01T00:00:00Z" }), "expires_at"),
        ("too far ahead", json!({ "expires_at": "2199-01-01T00:00:00Z" }), "expires_at"),
        ("both expiries", json!({ "expires_in_hours": 1, "expires_at": "2099-01-01T00:00:00Z" }), "expires_at"),
        ("show_prompt not a boolean", json!({ "show_prompt": "yes" }), "show_prompt"),
        ("an unknown field", json!({ "password": "rahasia" }), "password"),
        ("not an object", json!([24]), "body"),
    ];
    for (case, body, field) in cases {
        let answer = call(&stack, Method::POST, &path, Some(&account.access), Some(body)).await;
        assert_eq!(refused_field(&answer), field, "{case}");
    }
    let bad_image = call(&stack, Method::POST, "/kucing/share", Some(&account.access), None).await;
    let bad_collection = call(&stack, Method::POST, "/collections/42/share", Some(&account.access), None).await;
    assert_eq!(refused_field(&bad_image), "id");
    assert_eq!(refused_field(&bad_collection), "id");
    let missing = call(&stack, Method::POST, &format!("/{}/share", uuid_zero()), Some(&account.access), None).await;
    assert_eq!((missing.status, missing.error_code()), (404, "NOT_FOUND"));
    assert_eq!(count(&stack, "select count(*) from shares").await, 0, "a refused request made a link");
}

fn uuid_zero() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}

#[tokio::test]
async fn links_are_listed_newest_first_with_their_views_and_states_and_revoked_once() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &account, "kucing oren di atas genteng").await;
    let image = image["id"].as_str().unwrap().to_owned();
    let created =
        call(&stack, Method::POST, "/collections", Some(&account.access), Some(json!({ "name": "Liburan" }))).await;
    let collection = created.data()["id"].as_str().unwrap().to_owned();
    let first = shared(&stack, &account, &format!("/{image}"), None).await;
    let second = shared(&stack, &account, &format!("/{image}"), None).await;
    let third = shared(&stack, &account, &format!("/collections/{collection}"), None).await;
    for _ in 0..2 {
        let url = format!("{}/api/gallery/shared/{}", stack.url, first["token"].as_str().unwrap());
        assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    }
    sql(
        &stack,
        &format!(
            "update shares set created_at = now() - interval '2 days', expires_at = now() - interval '1 day'
              where id = '{}'",
            second["id"].as_str().unwrap()
        ),
    )
    .await;
    let list = |query: String| {
        let path = format!("/shares{query}");
        let access = account.access.clone();
        let stack = &stack;
        async move { call(stack, Method::GET, &path, Some(&access), None).await }
    };

    let all = list(String::new()).await;
    let of_image = list(format!("?image={image}")).await;
    let of_collection = list(format!("?collection={collection}")).await;
    let paged = list("?limit=2".into()).await;

    let ids = |answer: &crate::helpers::Answer| -> Vec<Value> {
        answer.data().as_array().unwrap().iter().map(|link| link["id"].clone()).collect()
    };
    assert_eq!(ids(&all), vec![third["id"].clone(), first["id"].clone(), second["id"].clone()], "{}", all.body);
    let states: Vec<(&Value, &Value)> =
        all.data().as_array().unwrap().iter().map(|link| (&link["state"], &link["view_count"])).collect();
    assert_eq!(
        states,
        vec![(&json!("active"), &json!(0)), (&json!("active"), &json!(2)), (&json!("expired"), &json!(0))]
    );
    assert_eq!(ids(&of_image), vec![first["id"].clone(), second["id"].clone()]);
    assert_eq!(ids(&of_collection), vec![third["id"].clone()]);
    let next = paged.body["meta"]["pagination"]["next_cursor"].as_str().unwrap().to_owned();
    let rest = list(format!("?limit=2&cursor={next}")).await;
    assert_eq!([ids(&paged), ids(&rest)].concat(), ids(&all));

    let path = format!("/shares/{}", first["id"].as_str().unwrap());
    let revoked = call(&stack, Method::DELETE, &path, Some(&account.access), None).await;
    let again = call(&stack, Method::DELETE, &path, Some(&account.access), None).await;

    assert_eq!((revoked.status, &revoked.data()["state"]), (200, &json!("revoked")), "{}", revoked.body);
    assert!(revoked.data()["revoked_at"].is_string());
    assert_eq!(again.data()["revoked_at"], revoked.data()["revoked_at"], "revoking again moved the time");
    let visit = format!("{}/api/gallery/shared/{}", stack.url, first["token"].as_str().unwrap());
    assert_eq!(reqwest::get(visit).await.unwrap().status(), 404, "a revoked link still works");
    let both = format!("?image={image}&collection={collection}");
    for (case, query, field) in [("image not a UUID", "?image=kucing", "image"), ("both filters", &both, "collection")]
    {
        assert_eq!(refused_field(&list(query.to_owned()).await), field, "{case}");
    }
    let bad_id = call(&stack, Method::DELETE, "/shares/kucing", Some(&account.access), None).await;
    assert_eq!(refused_field(&bad_id), "id");
}
