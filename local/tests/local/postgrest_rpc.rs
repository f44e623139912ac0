//! The PostgREST stand-in, `/rpc`: every result shape, GET and POST calls, overload resolution,
//! custom statuses from SQL, the request GUCs, and postgrest-rs `rpc()`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::postgrest::{ALICE, Api, Reply, text};

async fn call(api: &Api, path: &str, body: &str) -> Reply {
    let request = api.request(Method::POST, path).header("Content-Type", "application/json").body(body.to_owned());
    Reply::from(request.send().await.unwrap()).await
}

#[tokio::test]
async fn renders_every_function_result_shape() {
    let api = Api::start().await;
    let cases = [
        ("scalar", "/rpc/add", r#"{"a":1,"b":2}"#, json!(3)),
        ("scalar text", "/rpc/hello", "", json!("Hello, world")),
        ("setof scalar", "/rpc/series", r#"{"n":3}"#, json!([1, 2, 3])),
        ("setof table", "/rpc/cheaper?select=id&order=id", r#"{"max":2}"#, json!([{"id": 1}, {"id": 2}])),
        (
            "returns table",
            "/rpc/pairs?id=lt.3",
            "{}",
            json!([{"id": 1, "label": "apple!"}, {"id": 2, "label": "banana!"}]),
        ),
        ("single composite", "/rpc/first_item?select=id,name", "{}", json!({"id": 1, "name": "apple"})),
        ("jsonb", "/rpc/config", "{}", json!({"a": [1, 2]})),
        ("default omitted", "/rpc/greet", r#"{"name":"Ann"}"#, json!("Hello, Ann")),
        ("default given", "/rpc/greet", r#"{"name":"Ann","greeting":"Hi"}"#, json!("Hi, Ann")),
        ("array body: first element", "/rpc/add", r#"[{"a":2,"b":2},{"a":9,"b":9}]"#, json!(4)),
        ("single unnamed jsonb", "/rpc/echo", r#"{"x":[1,"y"]}"#, json!({"x": [1, "y"]})),
    ];
    for (case, path, body, expected) in cases {
        let reply = call(&api, path, body).await;
        assert_eq!(reply.status, 200, "{case}: {}", reply.body);
        assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"), "{case}");
        assert_eq!(reply.json(), expected, "{case}");
    }
}

#[tokio::test]
async fn void_function_answers_204_without_body() {
    let api = Api::start().await;

    let reply = call(&api, "/rpc/touch", r#"{"msg":"hi"}"#).await;

    assert_eq!((reply.status, reply.body.as_str(), reply.header("content-type")), (204, "", None));
    assert_eq!(api.sql_count("select count(*) from logs where msg = 'hi'").await, 1);
}

#[tokio::test]
async fn get_calls_take_query_args_and_shape_the_result() {
    let api = Api::start().await;
    let cases = [
        ("/rpc/add?a=1&b=2", json!(3)),
        ("/rpc/series?n=5&limit=2&offset=1", json!([2, 3])),
        ("/rpc/cheaper?max=5&select=id&id=gt.1&order=id.desc", json!([{"id": 4}, {"id": 2}])),
        ("/rpc/greet?name=Bo+Li", json!("Hello, Bo Li")),
    ];
    for (path, expected) in cases {
        let reply = api.get(path).await;
        assert_eq!((reply.status, reply.json()), (200, expected), "{path}");
    }
    let counted = api.request(Method::GET, "/rpc/series?n=3").header("Range", "0-0").header("Prefer", "count=exact");
    let counted = Reply::from(counted.send().await.unwrap()).await;
    assert_eq!((counted.status, counted.header("content-range")), (206, Some("0-0/3")));
    let scalar = api.request(Method::POST, "/rpc/add").header("Prefer", "count=exact").body(r#"{"a":1,"b":1}"#);
    let scalar = Reply::from(scalar.send().await.unwrap()).await;
    assert_eq!(scalar.header("content-range"), Some("0-0/1"));
}

#[tokio::test]
async fn rpc_errors_carry_postgrest_codes_and_statuses() {
    let api = Api::start().await;
    // (method, path, body, status, code, message)
    let cases = [
        (
            Method::POST,
            "/rpc/nope",
            "{}",
            404,
            "PGRST202",
            "Could not find the function public.nope without parameters in the schema cache",
        ),
        (
            Method::POST,
            "/rpc/add",
            r#"{"a":1}"#,
            404,
            "PGRST202",
            "Could not find the function public.add(a) in the schema cache",
        ),
        (
            Method::POST,
            "/rpc/add",
            r#"{"a":1,"b":2,"c":3}"#,
            404,
            "PGRST202",
            "Could not find the function public.add(a, b, c) in the schema cache",
        ),
        (
            Method::POST,
            "/rpc/twin",
            r#"{"x":1}"#,
            300,
            "PGRST203",
            "Could not choose the best candidate function between: public.twin(x => integer), public.twin(x => text)",
        ),
        (Method::POST, "/rpc/boom", "{}", 400, "P0001", "boom"),
        (Method::POST, "/rpc/add", r#"{"a":"x","b":1}"#, 400, "22P02", "invalid input syntax for type integer: \"x\""),
        (
            Method::POST,
            "/rpc/add?a=1",
            r#"{"b":1}"#,
            400,
            "PGRST100",
            "\"failed to parse filter (1)\" (line 1, column 1)",
        ),
        (Method::GET, "/rpc/touch?msg=x", "", 405, "25006", "cannot execute INSERT in a read-only transaction"),
        (Method::DELETE, "/rpc/add", "", 405, "PGRST101", "Cannot use the DELETE method on RPC"),
        (Method::PATCH, "/rpc/add", "{}", 405, "PGRST101", "Cannot use the PATCH method on RPC"),
        (Method::POST, "/rpc/add", "{bad", 400, "PGRST102", "Empty or invalid json"),
    ];
    for (method, path, body, status, code, message) in cases {
        let request = api.request(method.clone(), path).header("Content-Type", "application/json").body(body);
        let reply = Reply::from(request.send().await.unwrap()).await;
        assert_eq!(reply.status, status, "{method} {path} {body}: {}", reply.body);
        assert_eq!(
            (reply.json()["code"].as_str(), reply.json()["message"].as_str()),
            (Some(code), Some(message)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn custom_sqlstate_sets_the_status_and_every_error_field() {
    let api = Api::start().await;

    let reply = call(&api, "/rpc/pay", "{}").await;

    assert_eq!(reply.status, 402);
    assert_eq!(
        reply.json(),
        json!({"code": "PT402", "details": "Quota used up", "hint": "Upgrade", "message": "Payment required"})
    );
    assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
}

#[tokio::test]
async fn singular_rpc_result_must_be_one_row() {
    let api = Api::start().await;
    let request = api
        .request(Method::POST, "/rpc/cheaper")
        .header("Accept", "application/vnd.pgrst.object+json")
        .body(r#"{"max":2}"#);

    let reply = Reply::from(request.send().await.unwrap()).await;

    assert_eq!((reply.status, reply.json()["code"].as_str()), (406, Some("PGRST116")));
}

#[tokio::test]
async fn exposes_role_claims_and_request_to_sql() {
    let api = Api::start().await;
    let as_user = api.request(Method::POST, "/rpc/whoami").bearer_auth(api.user_token(ALICE)).body("{}");

    let anon = call(&api, "/rpc/whoami", "{}").await.json();
    let user = Reply::from(as_user.send().await.unwrap()).await.json();

    assert_eq!(
        (&anon["role"], &anon["method"], &anon["path"], &anon["claims"]["role"], &anon["apikey"], &anon["uid"]),
        (&json!("anon"), &json!("POST"), &json!("/rpc/whoami"), &json!("anon"), &json!(true), &Value::Null)
    );
    assert_eq!(
        (&user["role"], &user["uid"], &user["claims"]["aud"]),
        (&json!("authenticated"), &json!(ALICE), &json!("authenticated"))
    );
}

#[tokio::test]
async fn postgrest_rs_rpc_round_trips() {
    let api = Api::start().await;
    let client = api.client();

    let scalar = text(client.rpc("add", r#"{"a":20,"b":22}"#).execute().await.unwrap()).await;
    let filtered =
        text(client.rpc("cheaper", r#"{"max":5}"#).select("id").gt("id", "1").order("id").execute().await.unwrap())
            .await;
    let ranged = text(client.rpc("series", r#"{"n":4}"#).limit(1).execute().await.unwrap()).await;
    let limited = client.rpc("series", r#"{"n":4}"#).build().query(&[("limit", "2")]).send().await.unwrap();

    assert_eq!(scalar, (200, "42".to_owned()));
    assert_eq!(filtered.0, 200);
    assert_eq!(serde_json::from_str::<Value>(&filtered.1).unwrap(), json!([{"id": 2}, {"id": 4}]));
    assert_eq!(ranged, (200, "[1, 2, 3, 4]".to_owned()), "Range is ignored on POST, as PostgREST does");
    assert_eq!(text(limited).await, (200, "[1, 2]".to_owned()));
}
