//! Developer API keys: created with a name, scopes and an optional expiry; the `ais_…` key shown
//! once and stored as its hash; a Bearer credential for its owner until revoked; at most 25 live.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{GEMINI_KEY, set_gemini_key};
use crate::auth_account::{access_works, call, logs_in, refused_field};
use crate::helpers::{Answer, PASSWORD, signed_up};

async fn new_api_key(stack: &TestStack, access: &str, body: Value) -> Answer {
    call(stack, Method::POST, "api-keys", Some(access), Some(body)).await
}

#[tokio::test]
async fn a_new_api_key_is_shown_once_and_stored_only_as_its_hash() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let body =
        json!({ "name": "CI bot", "scopes": ["gallery:read", "generate", "gallery:read"], "expires_in_days": 30 });

    let created = new_api_key(&stack, &account.access, body).await;
    let listed = call(&stack, Method::GET, "api-keys", Some(&account.access), None).await;

    assert_eq!(created.status, 201, "{}", created.body);
    let data = created.data();
    let key = data["key"].as_str().unwrap();
    assert!(key.starts_with("ais_") && key.len() == 47, "not an ais_ key of 256 bits: {key}");
    assert_eq!(data["prefix"].as_str(), Some(&key[..12]));
    assert_eq!((&data["name"], &data["scopes"]), (&json!("CI bot"), &json!(["gallery:read", "generate"])));
    let db = stack.db.client().await;
    let row = db
        .query_one(
            "select to_char(expires_at at time zone 'utc', 'YYYY-MM-DD'),
                    to_char((now() + interval '30 days') at time zone 'utc', 'YYYY-MM-DD'),
                    key_hash = sha256(convert_to($1, 'UTF8')), position($1 in t::text), encode(key_hash, 'hex')
               from api_keys t",
            &[&key],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), row.get::<_, String>(1), "does not expire in 30 days");
    assert!(data["expires_at"].as_str().unwrap().starts_with(&row.get::<_, String>(1)));
    assert!(row.get::<_, bool>(2), "the stored hash is not the key's SHA-256");
    assert_eq!(row.get::<_, i32>(3), 0, "the key is stored in clear");
    let hash: String = row.get(4);
    let list = listed.data().as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], data["id"]);
    assert_eq!((&list[0]["prefix"], &list[0]["name"]), (&data["prefix"], &data["name"]));
    assert!(list[0].get("key").is_none() && list[0].get("key_hash").is_none(), "{}", list[0]);
    let text = listed.body.to_string();
    assert!(!text.contains(key) && !text.contains(&hash), "the listing gives the key away: {text}");
}

#[tokio::test]
async fn an_api_key_acts_for_its_owner_until_revoked() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let created = new_api_key(&stack, &account.access, json!({ "name": "laptop", "scopes": ["gallery:read"] })).await;
    let (id, key) = (created.data()["id"].as_str().unwrap(), created.data()["key"].as_str().unwrap());

    let profile = call(&stack, Method::GET, "profile", Some(key), None).await;
    let revoked = call(&stack, Method::DELETE, &format!("api-keys/{id}"), Some(&account.access), None).await;
    let after = call(&stack, Method::GET, "profile", Some(key), None).await;
    let listed = call(&stack, Method::GET, "api-keys", Some(&account.access), None).await;

    assert_eq!(profile.status, 200, "{}", profile.body);
    assert_eq!(profile.data()["id"].as_str(), Some(account.id.as_str()));
    assert_eq!(created.data()["expires_at"], Value::Null, "a key without expiry expires");
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!((after.status, after.error_code()), (401, "UNAUTHORIZED"), "a revoked key still works");
    assert_eq!(listed.data(), &json!([]), "a revoked key is still listed");
    let again = call(&stack, Method::DELETE, &format!("api-keys/{id}"), Some(&account.access), None).await;
    assert_eq!(again.status, 404, "revoked twice: {}", again.body);
}

#[tokio::test]
async fn an_api_key_cannot_manage_keys_or_the_account() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let created =
        new_api_key(&stack, &account.access, json!({ "name": "bot", "scopes": ["generate", "gallery:write"] })).await;
    let (id, key) =
        (created.data()["id"].as_str().unwrap().to_owned(), created.data()["key"].as_str().unwrap().to_owned());

    let answers = [
        ("list", call(&stack, Method::GET, "api-keys", Some(&key), None).await),
        ("create", new_api_key(&stack, &key, json!({ "name": "child", "scopes": ["generate"] })).await),
        ("revoke", call(&stack, Method::DELETE, &format!("api-keys/{id}"), Some(&key), None).await),
        ("set Gemini key", set_gemini_key(&stack, &key, GEMINI_KEY).await),
        ("delete Gemini key", call(&stack, Method::DELETE, "gemini-key", Some(&key), None).await),
        ("change profile", call(&stack, Method::PATCH, "profile", Some(&key), Some(json!({ "name": "Bot" }))).await),
        (
            "change settings",
            call(&stack, Method::PATCH, "settings", Some(&key), Some(json!({ "offline_cache": false }))).await,
        ),
        (
            "change password",
            call(
                &stack,
                Method::POST,
                "password/change",
                Some(&key),
                Some(json!({ "current_password": PASSWORD, "new_password": "teh-manis-sore-hari" })),
            )
            .await,
        ),
        (
            "delete account",
            call(&stack, Method::DELETE, "account", Some(&key), Some(json!({ "password": PASSWORD }))).await,
        ),
    ];

    for (case, answer) in answers {
        assert_eq!((answer.status, answer.error_code()), (403, "FORBIDDEN"), "{case}");
    }
    assert!(access_works(&stack, &key).await, "the key revoked itself");
    let profile = call(&stack, Method::GET, "profile", Some(&account.access), None).await;
    assert_eq!(
        (&profile.data()["name"], &profile.data()["gemini_key"]["present"]),
        (&json!("Siti Rahma"), &json!(false))
    );
    assert!(logs_in(&stack, &account.email, PASSWORD).await, "the key changed the password");
}

#[tokio::test]
async fn revoking_another_accounts_key_is_not_found() {
    let stack = TestStack::start().await;
    let owner = signed_up(&stack, "siti@example.com").await;
    let stranger = signed_up(&stack, "budi@example.com").await;
    let created = new_api_key(&stack, &owner.access, json!({ "name": "laptop", "scopes": ["gallery:read"] })).await;
    let (id, key) = (created.data()["id"].as_str().unwrap(), created.data()["key"].as_str().unwrap());

    let theirs = call(&stack, Method::DELETE, &format!("api-keys/{id}"), Some(&stranger.access), None).await;
    let unknown =
        call(&stack, Method::DELETE, "api-keys/00000000-0000-4000-8000-000000000000", Some(&owner.access), None).await;
    let malformed = call(&stack, Method::DELETE, "api-keys/laptop", Some(&owner.access), None).await;

    assert_eq!((theirs.status, theirs.error_code()), (404, "NOT_FOUND"), "{}", theirs.body);
    assert_eq!((unknown.status, unknown.error_code()), (404, "NOT_FOUND"), "{}", unknown.body);
    assert_eq!(refused_field(&malformed), "id");
    assert!(access_works(&stack, key).await, "another account revoked the key");
}

#[tokio::test]
async fn a_bad_api_key_request_is_refused_naming_the_field() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let key =
        |name: Value, scopes: Value, days: Value| json!({ "name": name, "scopes": scopes, "expires_in_days": days });
    let cases = [
        ("unknown scope", key(json!("bot"), json!(["admin"]), Value::Null), "scopes"),
        ("one unknown scope among known", key(json!("bot"), json!(["generate", "billing"]), Value::Null), "scopes"),
        ("no scopes", key(json!("bot"), json!([]), Value::Null), "scopes"),
        ("scopes missing", json!({ "name": "bot" }), "scopes"),
        ("name empty", key(json!("  "), json!(["generate"]), Value::Null), "name"),
        ("name of 101 characters", key(json!("n".repeat(101)), json!(["generate"]), Value::Null), "name"),
        ("name missing", json!({ "scopes": ["generate"] }), "name"),
        ("expires in 0 days", key(json!("bot"), json!(["generate"]), json!(0)), "expires_in_days"),
        ("expires in 3651 days", key(json!("bot"), json!(["generate"]), json!(3651)), "expires_in_days"),
        ("expires in -1 days", key(json!("bot"), json!(["generate"]), json!(-1)), "expires_in_days"),
        ("unknown field", json!({ "name": "bot", "scopes": ["generate"], "user_id": account.id }), "user_id"),
    ];

    for (case, body, field) in cases {
        let answer = new_api_key(&stack, &account.access, body).await;
        assert_eq!(refused_field(&answer), field, "{case}");
    }

    let db = stack.db.client().await;
    let keys: i64 = db.query_one("select count(*) from api_keys", &[]).await.unwrap().get(0);
    assert_eq!(keys, 0, "a refused request made a key");
}

#[tokio::test]
async fn an_account_holds_at_most_twenty_five_live_api_keys() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let mut ids = Vec::new();
    for n in 1..=25 {
        let created =
            new_api_key(&stack, &account.access, json!({ "name": format!("key {n}"), "scopes": ["generate"] })).await;
        assert_eq!(created.status, 201, "key {n}: {}", created.body);
        ids.push(created.data()["id"].as_str().unwrap().to_owned());
    }

    let twenty_sixth = new_api_key(&stack, &account.access, json!({ "name": "key 26", "scopes": ["generate"] })).await;
    call(&stack, Method::DELETE, &format!("api-keys/{}", ids[0]), Some(&account.access), None).await.data();
    let after_revoking =
        new_api_key(&stack, &account.access, json!({ "name": "key 26", "scopes": ["generate"] })).await;

    assert_eq!((twenty_sixth.status, twenty_sixth.error_code()), (409, "CONFLICT"), "{}", twenty_sixth.body);
    assert_eq!(after_revoking.status, 201, "a revoked key still counts: {}", after_revoking.body);
}
