//! The verification gate: until its address is confirmed an account may sign in and out, see and
//! change its profile and settings, confirm its address and delete itself, and nothing else, on
//! any function; and the first confirmation ends whatever a squatter of the address set up.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{profile, registered, url};
use crate::helpers::{Account, Answer, PASSWORD, log_in, mailed_token, request, send};

/// Routes that act for nobody (or for the cron's secret): the gate has nothing to check.
const PUBLIC: [&str; 16] = [
    "POST /api/auth/register",
    "POST /api/auth/verify-email",
    "POST /api/auth/resend-verification",
    "POST /api/auth/login",
    "POST /api/auth/refresh",
    "POST /api/auth/password/forgot",
    "POST /api/auth/password/reset",
    "GET /api/gallery/public",
    "GET /api/gallery/shared/:token",
    "GET /api/gallery/shared/:token/:image/:file",
    "GET /api/gallery/s/:token",
    "GET /s/:token",
    "GET /api/templates",
    "GET /api/templates/categories",
    "GET /api/templates/:id",
    "GET /api/cron/reset",
];

/// What an account may do before it confirms its address.
const OPEN: [&str; 9] = [
    "POST /api/auth/logout",
    "POST /api/auth/logout-all",
    "GET /api/auth/sessions",
    "DELETE /api/auth/sessions/:id",
    "GET /api/auth/profile",
    "PATCH /api/auth/profile",
    "GET /api/auth/settings",
    "PATCH /api/auth/settings",
    "DELETE /api/auth/account",
];

/// The operator's routes: to an unconfirmed account (as to anyone but the operator) they are the
/// 404 of a path that does not exist, not the gate's 403.
const OPERATOR: [&str; 1] = ["GET /api/auth/operator/reports"];

/// An account that registered `email` and signed in, never having opened the mailed link.
async fn unverified(stack: &TestStack, email: &str) -> Account {
    registered(stack, email).await;
    log_in(stack, email, PASSWORD).await
}

async fn call(stack: &TestStack, method: Method, path: &str, bearer: &str, body: Option<Value>) -> Answer {
    send(request(method, &format!("{}{path}", stack.url), Some(bearer), body)).await
}

fn assert_gated(case: &str, answer: &Answer) {
    assert_eq!((answer.status, answer.error_code()), (403, "EMAIL_NOT_VERIFIED"), "{case}: {}", answer.body);
    let message = answer.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("resend-verification"), "{case}: the message does not say what to do: {message}");
}

#[tokio::test]
async fn an_unverified_account_is_refused_every_route_of_every_function_that_acts_for_it() {
    let stack = TestStack::start().await;
    let budi = unverified(&stack, "budi@example.com").await;
    let routes: Vec<String> = studio::routes::all().iter().map(|(m, p)| format!("{} {p}", m.as_str())).collect();
    let gated: Vec<&String> = routes
        .iter()
        .filter(|r| ![&PUBLIC[..], &OPEN[..], &OPERATOR[..]].iter().any(|table| table.contains(&r.as_str())))
        .collect();
    for named in [
        "POST /api/generate",
        "POST /api/generate/edit",
        "GET /api/generate/quota",
        "GET /api/gallery",
        "POST /api/gallery/:id/versions",
        "GET /api/gallery/:id/download",
        "POST /api/gallery/export",
        "POST /api/gallery/collections",
        "POST /api/gallery/:id/share",
        "PATCH /api/gallery/:id",
        "POST /api/auth/api-keys",
        "PUT /api/auth/gemini-key",
        "POST /api/auth/password/change",
    ] {
        assert!(gated.iter().any(|r| r.as_str() == named), "{named} is not among the routes: {routes:?}");
    }

    for route in gated {
        let (method, pattern) = route.split_once(' ').expect("METHOD PATH");
        // Every parameter a well-formed id, so that only the gate can refuse the request.
        let path: Vec<String> = pattern
            .split('/')
            .map(|s| if s.starts_with(':') { "3b241101-e2bb-4255-8caf-4136c566a962".into() } else { s.to_owned() })
            .collect();
        let method = Method::from_bytes(method.as_bytes()).expect("a method");

        let answer = call(&stack, method, &path.join("/"), &budi.access, None).await;

        assert_gated(route, &answer);
    }
    for route in OPERATOR {
        let (method, path) = route.split_once(' ').expect("METHOD PATH");
        assert!(routes.iter().any(|r| r == route), "{route} is not among the routes");
        let answer =
            call(&stack, Method::from_bytes(method.as_bytes()).expect("a method"), path, &budi.access, None).await;
        assert_eq!((answer.status, answer.error_code()), (404, "NOT_FOUND"), "{route}: {}", answer.body);
    }
    assert_eq!(stack.gemini.all().len(), 0, "the model was called for an unverified account");
    let db = stack.db.client().await;
    let rows: i64 = db
        .query_one(
            "select (select count(*) from api_keys) + (select count(*) from generated_images)
                  + (select count(*) from collections) + (select count(*) from usage_logs)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0, "a refused request left rows behind");
}

#[tokio::test]
async fn whoever_registers_someone_elses_address_cannot_mint_a_key_and_loses_the_login_when_the_owner_verifies() {
    let stack = TestStack::start().await;
    let squatter = unverified(&stack, "victim@example.com").await;

    let key = call(
        &stack,
        Method::POST,
        "/api/auth/api-keys",
        &squatter.access,
        Some(json!({ "name": "backdoor", "scopes": ["generate", "gallery:read", "gallery:write"] })),
    )
    .await;
    let generated =
        call(&stack, Method::POST, "/api/generate", &squatter.access, Some(json!({ "prompt": "a cat" }))).await;

    assert_gated("POST /api/auth/api-keys", &key);
    assert_gated("POST /api/generate", &generated);
    // The owner, who holds the inbox, opens the link without signing in.
    let verified = send(request(
        Method::POST,
        &url(&stack, "verify-email"),
        None,
        Some(json!({ "token": mailed_token(&stack, "victim@example.com") })),
    ))
    .await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(verified.data()["sessions_ended"], 1, "{}", verified.body);
    assert_eq!(profile(&stack, &squatter.access).await.status, 401, "the squatter's access token still works");
    let refresh =
        send(request(Method::POST, &url(&stack, "refresh"), None, Some(json!({ "refresh_token": squatter.refresh }))))
            .await;
    assert_eq!(refresh.status, 401, "the squatter's refresh token still works: {}", refresh.body);
    let db = stack.db.client().await;
    let keys: i64 = db.query_one("select count(*) from api_keys", &[]).await.unwrap().get(0);
    assert_eq!(keys, 0, "a key was minted");
}

#[tokio::test]
async fn a_key_made_before_the_address_was_confirmed_is_refused_and_then_revoked_by_the_confirmation() {
    let stack = TestStack::start().await;
    let squatter = unverified(&stack, "victim@example.com").await;
    // A key the account could mint before verification was required.
    let key = "ais_a2V5LW1hZGUtYmVmb3JlLXRoZS1nYXRlLXdhcy1pbi1";
    let db = stack.db.client().await;
    db.execute(
        "insert into api_keys (user_id, name, prefix, key_hash, scopes)
         values ($1::text::uuid, 'old', 'ais_a2V5', sha256(convert_to($2, 'UTF8')), array['gallery:read'])",
        &[&squatter.id, &key],
    )
    .await
    .unwrap();

    let listed = call(&stack, Method::GET, "/api/gallery", key, None).await;
    assert_gated("GET /api/gallery with an old key", &listed);
    let token = mailed_token(&stack, "victim@example.com");
    let verified =
        send(request(Method::POST, &url(&stack, "verify-email"), None, Some(json!({ "token": token })))).await;

    assert_eq!(verified.data()["api_keys_revoked"], 1, "{}", verified.body);
    let after = call(&stack, Method::GET, "/api/gallery", key, None).await;
    assert_eq!((after.status, after.error_code()), (401, "UNAUTHORIZED"), "{}", after.body);
}
