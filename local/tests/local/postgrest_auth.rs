//! The PostgREST stand-in, auth: the gateway's `apikey` check and key → role mapping, user JWTs and
//! every way a JWT is refused, and RLS as anon, as a signed-in user and as the service role.

use reqwest::Method;
use serde_json::json;
use studio_local::postgrest::Gateway;

use crate::postgrest::{ALICE, Api, Reply, mint, now};

async fn todos(api: &Api, apikey: &str, bearer: Option<&str>) -> Reply {
    let mut request = api.request_with_key(Method::GET, "/todos?select=task&order=id", apikey);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    Reply::from(request.send().await.unwrap()).await
}

#[tokio::test]
async fn gateway_refuses_missing_or_unknown_api_keys_with_supabase_bodies() {
    let api = Api::start().await;
    let http = reqwest::Client::new();

    let missing = Reply::from(http.get(format!("{}/items", api.url)).send().await.unwrap()).await;
    let unknown =
        Reply::from(http.get(format!("{}/items", api.url)).header("apikey", "nope").send().await.unwrap()).await;
    let in_query = Reply::from(
        http.get(format!("{}/items?select=id&apikey={}", api.url, api.keys.anon_key)).send().await.unwrap(),
    )
    .await;

    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.json(),
        json!({"message": "No API key found in request", "hint": "No `apikey` request header or url param was found."})
    );
    assert_eq!(unknown.status, 401);
    assert_eq!(
        unknown.json(),
        json!({"message": "Invalid API key", "hint": "Double check your Supabase `anon` or `service_role` API key."})
    );
    assert_eq!((in_query.status, in_query.json().as_array().unwrap().len()), (200, 5), "apikey param is no filter");
}

#[tokio::test]
async fn rls_sees_nothing_as_anon_own_rows_as_user_all_as_service_role() {
    let api = Api::start().await;
    let alice = api.user_token(ALICE);

    let anon = todos(&api, &api.keys.anon_key, None).await;
    let user = todos(&api, &api.keys.anon_key, Some(&alice)).await;
    let service = todos(&api, &api.keys.service_key, None).await;

    assert_eq!((anon.status, anon.json()), (200, json!([])));
    assert_eq!(user.json(), json!([{"task": "mine"}]));
    assert_eq!(service.json(), json!([{"task": "mine"}, {"task": "theirs"}]));
}

#[tokio::test]
async fn rls_and_grant_refusals_are_401_for_anon_and_403_for_users() {
    let api = Api::start().await;
    let alice = api.user_token(ALICE);
    let foreign = r#"{"task":"x","user_id":"22222222-2222-2222-2222-222222222222"}"#;
    let rls = "new row violates row-level security policy for table \"todos\"";
    let cases = [
        (Method::POST, "/todos", None, foreign, 401, rls),
        (Method::POST, "/todos", Some(&alice), foreign, 403, rls),
        (Method::GET, "/secrets", Some(&alice), "", 403, "permission denied for table secrets"),
    ];
    for (method, path, bearer, body, status, message) in cases {
        let mut request = api.request(method.clone(), path).header("Content-Type", "application/json").body(body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let reply = Reply::from(request.send().await.unwrap()).await;
        assert_eq!(reply.status, status, "{method} {path} as {bearer:?}");
        assert_eq!((reply.json()["code"].as_str(), reply.json()["message"].as_str()), (Some("42501"), Some(message)));
    }
    let own = api.request(Method::POST, "/todos").bearer_auth(&alice).body(r#"{"task":"new"}"#).send().await.unwrap();
    assert_eq!(own.status().as_u16(), 201, "user_id defaults to auth.uid()");
}

#[tokio::test]
async fn refuses_bad_jwts_with_postgrest_messages() {
    let api = Api::start().await;
    let now = now();
    let none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
    let claims = "eyJyb2xlIjoic2VydmljZV9yb2xlIn0";
    let wrong_secret = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"role": "service_role"}),
        &jsonwebtoken::EncodingKey::from_secret(b"not-the-secret"),
    )
    .unwrap();
    let cases = [
        (mint(&json!({"role": "authenticated", "exp": now - 100})), "PGRST303", "JWT expired"),
        (mint(&json!({"role": "authenticated", "nbf": now + 100})), "PGRST303", "JWT not yet valid"),
        (mint(&json!({"role": "authenticated", "iat": now + 100})), "PGRST303", "JWT issued at future"),
        (mint(&json!({"role": "authenticated", "exp": "soon"})), "PGRST303", "The JWT 'exp' claim must be a number"),
        (format!("{none_header}.{claims}."), "PGRST301", "Wrong or unsupported encoding algorithm"),
        (wrong_secret, "PGRST301", "No suitable key or wrong key type"),
        ("abc.def.ghi".to_owned(), "PGRST301", "JWT cryptographic operation failed"),
        ("abc.def".to_owned(), "PGRST301", "Expected 3 parts in JWT; got 2"),
        (String::new(), "PGRST301", "Empty JWT is sent in Authorization header"),
    ];
    for (token, code, message) in cases {
        let request = api.request(Method::GET, "/items").header("Authorization", format!("Bearer {token}"));
        let reply = Reply::from(request.send().await.unwrap()).await;
        assert_eq!(reply.status, 401, "{message}");
        assert_eq!((reply.json()["code"].as_str(), reply.json()["message"].as_str()), (Some(code), Some(message)));
        let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{message}\"");
        assert_eq!(reply.header("www-authenticate"), Some(challenge.as_str()), "{message}");
    }
}

#[tokio::test]
async fn accepts_clock_skew_and_refuses_unknown_roles() {
    let api = Api::start().await;
    let skewed = mint(&json!({"role": "authenticated", "sub": ALICE, "exp": now() - 10}));
    let ghost = mint(&json!({"role": "ghost"}));

    let within_skew = todos(&api, &api.keys.anon_key, Some(&skewed)).await;
    let unknown_role = todos(&api, &api.keys.anon_key, Some(&ghost)).await;

    assert_eq!((within_skew.status, within_skew.json()), (200, json!([{"task": "mine"}])));
    assert_eq!(unknown_role.status, 401);
    assert_eq!(unknown_role.json()["code"], "22023");
    assert_eq!(unknown_role.json()["message"], "role \"ghost\" does not exist");
}

#[tokio::test]
async fn sb_keys_map_to_roles_and_an_sb_bearer_is_not_a_jwt() {
    let api = Api::with_gateway(|_| {
        Some(Gateway { anon_key: "sb_publishable_test".into(), service_key: "sb_secret_test".into() })
    })
    .await;
    let alice = api.user_token(ALICE);

    let publishable = todos(&api, "sb_publishable_test", None).await;
    let secret = todos(&api, "sb_secret_test", None).await;
    let sb_bearer = todos(&api, "sb_publishable_test", Some("sb_secret_test")).await;
    let user = todos(&api, "sb_publishable_test", Some(&alice)).await;

    assert_eq!((publishable.status, publishable.json()), (200, json!([])));
    assert_eq!(secret.json().as_array().unwrap().len(), 2);
    assert_eq!((sb_bearer.status, sb_bearer.json()), (200, json!([])), "Bearer sb_… falls back to the apikey's role");
    assert_eq!(user.json(), json!([{"task": "mine"}]));
}

#[tokio::test]
async fn standalone_mode_needs_no_api_key() {
    let api = Api::with_gateway(|_| None).await;
    let http = reqwest::Client::new();

    let anon = Reply::from(http.get(format!("{}/todos", api.url)).send().await.unwrap()).await;
    let user = http.get(format!("{}/todos?select=task", api.url)).bearer_auth(api.user_token(ALICE));
    let user = Reply::from(user.send().await.unwrap()).await;

    assert_eq!((anon.status, anon.json()), (200, json!([])));
    assert_eq!(user.json(), json!([{"task": "mine"}]));
}
