//! Who may generate and on whose account: API keys with the `generate` scope (their usage rows
//! carry the key), the quota endpoint, and a user's own Gemini key, which is used for their calls
//! and lifts the daily quota.

use reqwest::Method;
use serde_json::json;
use studio_local::gemini::LOCAL_GEMINI_KEY;
use studio_local::testing::TestStack;

use super::{count, generate, generate_as, images, quota, used};
use crate::auth_account::call;
use crate::helpers::signed_up;

/// A new API key of the account's with `scopes`: its id and the key itself.
async fn api_key(stack: &TestStack, access: &str, scopes: &[&str]) -> (String, String) {
    let body = json!({ "name": "bot", "scopes": scopes });
    let answer = call(stack, Method::POST, "api-keys", Some(access), Some(body)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    (answer.data()["id"].as_str().unwrap().to_owned(), answer.data()["key"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn an_api_key_with_the_generate_scope_generates_and_its_usage_rows_name_it() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let (id, key) = api_key(&stack, &account.access, &["generate"]).await;

    let answer = generate_as(&stack, &key, json!({ "prompt": "logo warung kopi", "variations": 2 })).await;

    assert_eq!(images(&answer).len(), 2);
    let by_key = format!("select count(*) from usage_logs where action = 'generate' and api_key_id = '{id}'");
    assert_eq!(count(&stack, &by_key).await, 2);
    assert_eq!(used(&stack, &account).await, (2, 2), "charged to the key's owner");
}

#[tokio::test]
async fn an_api_key_without_the_generate_scope_is_forbidden_and_not_charged() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let (_, key) = api_key(&stack, &account.access, &["gallery:read", "gallery:write"]).await;

    let answer = generate_as(&stack, &key, json!({ "prompt": "logo warung kopi" })).await;

    assert_eq!((answer.status, answer.error_code()), (403, "FORBIDDEN"), "{}", answer.body);
    assert_eq!(used(&stack, &account).await, (0, 0));
}

#[tokio::test]
async fn the_quota_shows_used_limit_and_reset_time_for_the_day_and_the_month() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    generate(&stack, &account, json!({ "prompt": "layang-layang di pantai", "variations": 3 })).await.data();

    let answer = quota(&stack, &account.access).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = answer.data();
    assert_eq!((&data["daily"]["used"], &data["daily"]["limit"]), (&json!(3), &json!(50)));
    assert_eq!((&data["monthly"]["used"], &data["monthly"]["limit"]), (&json!(3), &json!(1500)));
    let db = stack.db.client().await;
    let row = db
        .query_one(
            "select to_char(current_date + 1, 'YYYY-MM-DD\"T00:00:00Z\"'),
                    to_char(date_trunc('month', now() at time zone 'utc') + interval '1 month', 'YYYY-MM-DD\"T00:00:00Z\"')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(data["daily"]["resets_at"], row.get::<_, String>(0), "the day resets at the next UTC midnight");
    assert_eq!(data["monthly"]["resets_at"], row.get::<_, String>(1), "the month resets on the next month's first");
}

/// The operator's key is refused by the Gemini stand-in: only a user's own key can succeed.
const WRONG_OPERATOR_KEY: [(&str, &str); 1] = [("GEMINI_API_KEY", "operator-key-that-is-wrong")];

#[tokio::test]
async fn a_user_with_their_own_gemini_key_generates_with_it_beyond_the_daily_quota() {
    let stack = TestStack::start_with_env(&WRONG_OPERATOR_KEY).await;
    let account = signed_up(&stack, "siti@example.com").await;
    call(&stack, Method::PUT, "gemini-key", Some(&account.access), Some(json!({ "api_key": LOCAL_GEMINI_KEY })))
        .await
        .data();
    let db = stack.db.client().await;
    db.execute("update users set daily_quota = 1", &[]).await.unwrap();

    let answer = generate(&stack, &account, json!({ "prompt": "kebun teh di Puncak", "variations": 2 })).await;

    assert_eq!(images(&answer).len(), 2, "the user's own key was not the one used, or the daily quota held");
    assert_eq!(used(&stack, &account).await, (2, 2), "the month still counts");
}

#[tokio::test]
async fn without_their_own_key_a_generation_on_a_broken_operator_key_fails_and_is_refunded() {
    let stack = TestStack::start_with_env(&WRONG_OPERATOR_KEY).await;
    let account = signed_up(&stack, "siti@example.com").await;

    let answer = generate(&stack, &account, json!({ "prompt": "kebun teh di Puncak", "variations": 2 })).await;

    assert_eq!((answer.status, answer.error_code()), (500, "INTERNAL"), "{}", answer.body);
    assert_eq!(used(&stack, &account).await, (0, 0), "a failed generation was charged");
    let refunds = "select coalesce(sum(units), 0) from usage_logs where action = 'quota_refund'";
    assert_eq!(count(&stack, refunds).await, 2);
    assert_eq!(count(&stack, "select count(*) from generated_images").await, 0);
}

#[tokio::test]
async fn a_users_own_key_that_gemini_refuses_is_theirs_to_fix_and_not_charged() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let wrong = json!({ "api_key": "AIzaSy-this-key-is-not-the-stand-ins-key" });
    call(&stack, Method::PUT, "gemini-key", Some(&account.access), Some(wrong)).await.data();

    let answer = generate(&stack, &account, json!({ "prompt": "kebun teh di Puncak" })).await;

    assert_eq!((answer.status, answer.error_code()), (403, "FORBIDDEN"), "{}", answer.body);
    assert!(answer.body["error"]["message"].as_str().unwrap().contains("your own API key"), "{}", answer.body);
    assert_eq!(used(&stack, &account).await, (0, 0), "a refused key was charged");
}
