//! A recovered account is clean: a password reset and "sign out everywhere" leave nothing working
//! that someone who held the account before could have kept (logins, API keys), and a password
//! change ends the other logins and shows the keys still live, each revocable.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::url;
use crate::auth_account::{access_works, refresh_works};
use crate::helpers::{Account, Answer, PASSWORD, log_in, mailed_token, request, send, signed_up};

const NEW_PASSWORD: &str = "teh-manis-sore-hari";

/// A new API key of the signed-in `account` with every scope: its id and the key itself.
async fn full_key(stack: &TestStack, account: &Account, name: &str) -> (String, String) {
    let body = json!({ "name": name, "scopes": ["generate", "gallery:read", "gallery:write"] });
    let answer = send(request(Method::POST, &url(stack, "api-keys"), Some(&account.access), Some(body))).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let data = answer.data();
    (data["id"].as_str().unwrap().to_owned(), data["key"].as_str().unwrap().to_owned())
}

/// The gallery list as `bearer` sees it: a key's reach into the owner's images.
async fn gallery(stack: &TestStack, bearer: &str) -> Answer {
    send(request(Method::GET, &format!("{}/api/gallery", stack.url), Some(bearer), None)).await
}

async fn post(stack: &TestStack, path: &str, bearer: Option<&str>, body: Option<Value>) -> Answer {
    send(request(Method::POST, &url(stack, path), bearer, body)).await
}

/// "Forgot password" and the mailed link, used with `NEW_PASSWORD`.
async fn recover(stack: &TestStack, email: &str) -> Answer {
    assert_eq!(post(stack, "password/forgot", None, Some(json!({ "email": email }))).await.status, 202);
    let token = mailed_token(stack, email);
    post(stack, "password/reset", None, Some(json!({ "token": token, "password": NEW_PASSWORD }))).await
}

#[tokio::test]
async fn a_password_reset_by_the_mailbox_owner_ends_the_earlier_holders_key_and_logins() {
    let stack = TestStack::start().await;
    // Someone else holds the account at the owner's address (however it came to be verified): a
    // login, a second one for good measure, and a key with every scope.
    let holder = signed_up(&stack, "dewi@example.com").await;
    let second = log_in(&stack, "dewi@example.com", PASSWORD).await;
    let (_, key) = full_key(&stack, &holder, "sync").await;
    assert_eq!(gallery(&stack, &key).await.status, 200, "the key reads the gallery before");

    let reset = recover(&stack, "dewi@example.com").await;

    assert_eq!(reset.status, 200, "{}", reset.body);
    assert_eq!(reset.data()["revoked"], json!({ "sessions": 2, "api_keys": 1 }), "{}", reset.body);
    let owner = log_in(&stack, "dewi@example.com", NEW_PASSWORD).await;
    for (case, answer) in [("profile", super::profile(&stack, &key).await), ("gallery", gallery(&stack, &key).await)] {
        assert_eq!((answer.status, answer.error_code()), (401, "UNAUTHORIZED"), "the key reads the {case}");
    }
    for (which, login) in [("first", &holder), ("second", &second)] {
        assert!(!access_works(&stack, &login.access).await, "the {which} earlier login's access token works");
        assert!(!refresh_works(&stack, &login.refresh).await, "the {which} earlier login can refresh");
    }
    let keys = send(request(Method::GET, &url(&stack, "api-keys"), Some(&owner.access), None)).await;
    assert_eq!(keys.data(), &json!([]), "the owner sees no live key");
    let db = stack.db.client().await;
    let live: i64 = db.query_one("select count(*) from api_keys where revoked_at is null", &[]).await.unwrap().get(0);
    assert_eq!(live, 0, "the key's row is revoked");
}

#[tokio::test]
async fn a_password_reset_of_an_account_without_keys_says_so_and_touches_no_other_account() {
    let stack = TestStack::start().await;
    signed_up(&stack, "dewi@example.com").await;
    let neighbour = signed_up(&stack, "budi@example.com").await;
    let (_, neighbours_key) = full_key(&stack, &neighbour, "budi's bot").await;

    let reset = recover(&stack, "dewi@example.com").await;

    assert_eq!(reset.status, 200, "{}", reset.body);
    let data = reset.data();
    assert_eq!(data["revoked"], json!({ "sessions": 1, "api_keys": 0 }), "{data}");
    assert_eq!((&data["password_reset"], &data["sessions_ended"]), (&json!(true), &json!(true)));
    assert!(access_works(&stack, &neighbours_key).await, "another account's key was revoked");
    assert!(access_works(&stack, &neighbour.access).await, "another account's login ended");
}

#[tokio::test]
async fn logout_all_revokes_every_key_and_login_and_counts_them() {
    let stack = TestStack::start().await;
    let phone = signed_up(&stack, "dewi@example.com").await;
    let laptop = log_in(&stack, "dewi@example.com", PASSWORD).await;
    let (_, ci) = full_key(&stack, &phone, "ci").await;
    let (_, backup) = full_key(&stack, &phone, "backup").await;
    let (expired_id, _) = full_key(&stack, &phone, "old").await;
    let db = stack.db.client().await;
    let expire = "update api_keys set expires_at = now() - interval '1 minute' where id = $1::text::uuid";
    db.execute(expire, &[&expired_id]).await.unwrap();
    let neighbour = signed_up(&stack, "budi@example.com").await;
    let (_, neighbours_key) = full_key(&stack, &neighbour, "budi's bot").await;

    let answer = post(&stack, "logout-all", Some(&phone.access), None).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = answer.data();
    assert_eq!(data["revoked"], json!({ "sessions": 2, "api_keys": 2 }), "live ones only: {data}");
    assert_eq!((&data["signed_out"], &data["api_keys_revoked"]), (&json!(true), &json!(true)), "{data}");
    for (case, key) in [("ci", &ci), ("backup", &backup)] {
        assert!(!access_works(&stack, key).await, "the {case} key still works");
    }
    for (which, login) in [("phone", &phone), ("laptop", &laptop)] {
        assert!(!access_works(&stack, &login.access).await, "the {which} access token still works");
        assert!(!refresh_works(&stack, &login.refresh).await, "the {which} login can still refresh");
    }
    assert!(access_works(&stack, &neighbours_key).await, "another account's key was revoked");
}

#[tokio::test]
async fn a_password_change_ends_the_other_logins_keeps_this_one_and_lists_the_live_keys() {
    let stack = TestStack::start().await;
    let here = signed_up(&stack, "dewi@example.com").await;
    let elsewhere = log_in(&stack, "dewi@example.com", PASSWORD).await;
    let (unknown_id, unknown) = full_key(&stack, &here, "not mine").await;
    let (revoked_id, _) = full_key(&stack, &here, "retired").await;
    let path = url(&stack, &format!("api-keys/{revoked_id}"));
    assert_eq!(send(request(Method::DELETE, &path, Some(&here.access), None)).await.status, 200);
    assert!(access_works(&stack, &unknown).await, "the key is used once, so it shows its last use");

    let body = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
    let answer = post(&stack, "password/change", Some(&here.access), Some(body)).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let listed = answer.data()["api_keys"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "the live keys only: {}", answer.body);
    let key = &listed[0];
    assert_eq!((&key["id"], &key["name"]), (&json!(unknown_id), &json!("not mine")));
    assert_eq!(key["scopes"], json!(["generate", "gallery:read", "gallery:write"]));
    assert!(unknown.starts_with(key["prefix"].as_str().unwrap_or("-")), "the prefix tells the key apart");
    assert!(key["last_used_at"].is_string() && key["created_at"].is_string(), "{key}");
    assert!(key.get("key").is_none() && key.get("key_hash").is_none(), "never the key itself: {key}");
    assert!(access_works(&stack, &here.access).await, "this login ended");
    assert!(refresh_works(&stack, &here.refresh).await, "this login can no longer refresh");
    assert!(!access_works(&stack, &elsewhere.access).await, "the other login still works");
    assert!(!refresh_works(&stack, &elsewhere.refresh).await, "the other login can still refresh");
    assert!(access_works(&stack, &unknown).await, "a change leaves the keys to their owner");
    let revoke = url(&stack, &format!("api-keys/{unknown_id}"));
    assert_eq!(send(request(Method::DELETE, &revoke, Some(&here.access), None)).await.status, 200);
    assert!(!access_works(&stack, &unknown).await, "the listed key, revoked, still works");
}

#[tokio::test]
async fn a_reset_link_confirms_a_squatted_address_for_its_owner_and_ends_the_squatters_login() {
    let stack = TestStack::start().await;
    // Someone registered the owner's address and signed in without ever confirming it.
    super::registered(&stack, "rina@example.com").await;
    let squatter = log_in(&stack, "rina@example.com", PASSWORD).await;
    assert_eq!(gallery(&stack, &squatter.access).await.error_code(), "EMAIL_NOT_VERIFIED");

    let reset = recover(&stack, "rina@example.com").await;

    assert_eq!(reset.status, 200, "{}", reset.body);
    assert!(!access_works(&stack, &squatter.access).await, "the squatter's login still works");
    let owner = log_in(&stack, "rina@example.com", NEW_PASSWORD).await;
    let own = gallery(&stack, &owner.access).await;
    assert_eq!(own.status, 200, "the link came through the mailbox, so the address is confirmed: {}", own.body);
}
