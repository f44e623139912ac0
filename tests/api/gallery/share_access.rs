//! Who may call each sharing endpoint: the feed, a link and its page are anyone's whatever the
//! credentials; making, listing and revoking links is the owner's (another user's image, collection
//! or link is "not found"), and an API key acts within its gallery scopes.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{api_key, call, count, inserted, published, shared};
use crate::helpers::signed_up;

#[tokio::test]
async fn every_sharing_endpoint_answers_each_kind_of_caller_as_specified() {
    let stack = TestStack::start().await;
    let owner = signed_up(&stack, "siti@example.com").await;
    let stranger = signed_up(&stack, "budi@example.com").await;
    let image = inserted(&stack, &owner.id, "kucing oren", 1).await;
    published(&stack, &image, 1).await;
    let created =
        call(&stack, Method::POST, "/collections", Some(&owner.access), Some(json!({ "name": "Liburan" }))).await;
    let collection = created.data()["id"].as_str().unwrap().to_owned();
    let link = shared(&stack, &owner, &format!("/{image}"), None).await;
    let (link_id, token) = (link["id"].as_str().unwrap(), link["token"].as_str().unwrap());
    let reader = api_key(&stack, &owner, &["gallery:read"]).await;
    let writer = api_key(&stack, &owner, &["gallery:write"]).await;
    let generator = api_key(&stack, &owner, &["generate"]).await;
    let callers = [
        ("anonymous", None),
        ("a broken token", Some("eyJub3QiOiJhIHRva2VuIn0")),
        ("the owner", Some(owner.access.as_str())),
        ("another user", Some(stranger.access.as_str())),
        ("a gallery:read key", Some(reader.as_str())),
        ("a gallery:write key", Some(writer.as_str())),
        ("a generate key", Some(generator.as_str())),
    ];
    let open = [200; 7];
    let share_image = format!("/{image}/share");
    let share_collection = format!("/collections/{collection}/share");
    let shared_link = format!("/shared/{token}");
    let revoke = format!("/shares/{link_id}");
    // Expected statuses in the order of `callers`. Revoking comes last: the owner's and the write
    // key's calls both succeed, revoking once is no error.
    let endpoints: [(Method, &str, [u16; 7]); 7] = [
        (Method::GET, "/public", open),
        (Method::GET, &shared_link, open),
        (Method::POST, &share_image, [401, 401, 201, 404, 403, 201, 403]),
        (Method::POST, &share_collection, [401, 401, 201, 404, 403, 201, 403]),
        (Method::GET, "/shares", [401, 401, 200, 200, 200, 403, 403]),
        (Method::DELETE, &revoke, [401, 401, 200, 404, 403, 200, 403]),
        (Method::GET, &shared_link, [404; 7]),
    ];

    for (caller, bearer) in &callers {
        assert_eq!(page_status(&stack, token, *bearer).await, 200, "the page by {caller}");
    }
    for (method, path, expected) in endpoints {
        for ((caller, bearer), status) in callers.iter().zip(expected) {
            let answer = call(&stack, method.clone(), path, *bearer, None).await;
            assert_eq!(answer.status, status, "{method} {path} by {caller}: {}", answer.body);
        }
    }

    let listed = call(&stack, Method::GET, "/shares", Some(&stranger.access), None).await;
    assert_eq!(listed.data(), &json!([]), "another user lists the owner's links");
    for (caller, bearer) in &callers {
        // Revoked above: the page is the same friendly 404 for everyone.
        assert_eq!(page_status(&stack, token, *bearer).await, 404, "the page by {caller}");
    }
    let by_key = count(
        &stack,
        "select count(*) from usage_logs u join api_keys k on k.id = u.api_key_id
          where u.action = 'share_create' and u.user_id = k.user_id",
    )
    .await;
    assert_eq!(by_key, 2, "links made with a key do not name it in usage_logs");
}

/// The status of the share page `/s/{token}` fetched with `bearer`, if any.
async fn page_status(stack: &TestStack, token: &str, bearer: Option<&str>) -> u16 {
    let page = reqwest::Client::new().get(format!("{}/s/{token}", stack.url));
    let page = match bearer {
        Some(bearer) => page.bearer_auth(bearer),
        None => page,
    };
    page.send().await.unwrap().status().as_u16()
}
