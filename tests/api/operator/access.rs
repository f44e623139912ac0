//! Who reaches the operator's routes: the signed-in, confirmed operator (by `OPERATOR_EMAIL` or by
//! the SQL flag), with a session. Everyone else, whatever the credential or the method, gets the
//! very answer of a path that does not exist; and no API call can make an account an operator.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{OPERATOR, REPORTS, call, sql};
use crate::gallery::api_key;
use crate::helpers::{Answer, PASSWORD, log_in, request, send, signed_up};

/// The `error` object an unknown path gets, with the path it names replaced by `path`.
async fn unknown_path_error(stack: &TestStack, path: &str) -> Value {
    let unknown = call(stack, Method::GET, "/api/auth/no-such-route", None).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let text = unknown.body["error"].to_string().replace("/api/auth/no-such-route", path);
    serde_json::from_str(&text).expect("JSON")
}

fn assert_hidden(case: &str, answer: &Answer, expected: &Value) {
    assert_eq!(answer.status, 404, "{case}: {}", answer.body);
    assert_eq!(&answer.body["error"], expected, "{case}: not the answer of an unknown path");
}

async fn profile(stack: &TestStack, bearer: &str) -> Value {
    let answer = call(stack, Method::GET, "/api/auth/profile", Some(bearer)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.data().clone()
}

#[tokio::test]
async fn the_operator_email_account_reads_the_reports_and_its_profile_says_operator() {
    let stack = TestStack::start_with_env(&[("OPERATOR_EMAIL", "Studio Ops <Ops@Studio.example>")]).await;
    let operator = signed_up(&stack, OPERATOR).await;

    let answer = call(&stack, Method::GET, REPORTS, Some(&operator.access)).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.data()["days"], 30);
    assert_eq!(answer.data()["reports"], json!([]), "no cron has run yet");
    assert!(answer.data()["storage_limit_bytes"].is_u64() && answer.data()["generation_budget"].is_u64());
    assert_eq!(profile(&stack, &operator.access).await["operator"], true);
    let wrong_method = call(&stack, Method::POST, REPORTS, Some(&operator.access)).await;
    assert_eq!((wrong_method.status, wrong_method.error_code()), (405, "METHOD_NOT_ALLOWED"), "{}", wrong_method.body);
}

#[tokio::test]
async fn an_account_flagged_in_sql_is_an_operator_and_no_api_call_can_set_the_flag() {
    let stack = TestStack::start().await;
    let budi = signed_up(&stack, "budi@example.com").await;
    assert_eq!(profile(&stack, &budi.access).await["operator"], false);
    let patch = json!({ "is_operator": true });
    let url = format!("{}/api/auth/profile", stack.url);
    let refused = send(request(Method::PATCH, &url, Some(&budi.access), Some(patch))).await;
    assert_eq!((refused.status, refused.error_code()), (400, "VALIDATION_ERROR"), "{}", refused.body);
    assert_eq!(call(&stack, Method::GET, REPORTS, Some(&budi.access)).await.status, 404);

    sql(&stack, &format!("update users set is_operator = true where id = '{}'", budi.id)).await;

    assert_eq!(profile(&stack, &budi.access).await["operator"], true);
    let answer = call(&stack, Method::GET, REPORTS, Some(&budi.access)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn everyone_else_gets_the_answer_of_a_path_that_does_not_exist() {
    let stack = TestStack::start_with_env(&[("OPERATOR_EMAIL", OPERATOR)]).await;
    let operator = signed_up(&stack, OPERATOR).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let all = ["generate", "gallery:read", "gallery:write"];
    let (siti_key, operator_key) = (api_key(&stack, &siti, &all).await, api_key(&stack, &operator, &all).await);
    // Flagged in SQL, but the address was never confirmed.
    let unconfirmed = "tamu@example.com";
    let body = json!({ "email": unconfirmed, "password": PASSWORD, "name": "Tamu" });
    let registered = send(request(Method::POST, &format!("{}/api/auth/register", stack.url), None, Some(body))).await;
    assert_eq!(registered.status, 202, "{}", registered.body);
    sql(&stack, &format!("update users set is_operator = true where email = '{unconfirmed}'")).await;
    let unconfirmed = log_in(&stack, unconfirmed, PASSWORD).await;
    let expected = unknown_path_error(&stack, REPORTS).await;

    let cases: [(&str, Method, Option<&str>); 8] = [
        ("anonymous", Method::GET, None),
        ("a forged token", Method::GET, Some("eyJhbGciOiJIUzI1NiJ9.e30.AAAA")),
        ("a user who is not the operator", Method::GET, Some(&siti.access)),
        ("that user with a wrong method", Method::POST, Some(&siti.access)),
        ("that user's API key with every scope", Method::GET, Some(&siti_key)),
        ("the operator's own API key", Method::GET, Some(&operator_key)),
        ("a flagged account whose address is unconfirmed", Method::GET, Some(&unconfirmed.access)),
        ("anonymous with a wrong method", Method::DELETE, None),
    ];
    for (case, method, bearer) in cases {
        let answer = call(&stack, method, REPORTS, bearer).await;
        assert_hidden(case, &answer, &expected);
    }
    let key_profile = call(&stack, Method::GET, "/api/auth/profile", Some(&operator_key)).await;
    assert_eq!(key_profile.status, 200, "{}", key_profile.body);
    assert!(key_profile.data().get("operator").is_none(), "a key tells whose it is: {}", key_profile.body);
    assert_eq!(call(&stack, Method::GET, REPORTS, Some(&operator.access)).await.status, 200);
}

#[tokio::test]
async fn an_unconfirmed_account_with_the_operator_address_is_not_the_operator() {
    let stack = TestStack::start_with_env(&[("OPERATOR_EMAIL", OPERATOR)]).await;
    let body = json!({ "email": OPERATOR, "password": PASSWORD, "name": "Squatter" });
    let registered = send(request(Method::POST, &format!("{}/api/auth/register", stack.url), None, Some(body))).await;
    assert_eq!(registered.status, 202, "{}", registered.body);
    let squatter = log_in(&stack, OPERATOR, PASSWORD).await;

    let answer = call(&stack, Method::GET, REPORTS, Some(&squatter.access)).await;

    assert_hidden("the operator's address, unconfirmed", &answer, &unknown_path_error(&stack, REPORTS).await);
    assert_eq!(profile(&stack, &squatter.access).await["operator"], false);
}
