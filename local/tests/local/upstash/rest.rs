//! The stand-in's REST protocol as Upstash documents it (restapi.mdx): `Upstash-Encoding: base64`,
//! path-style commands, `_token`, `/pipeline`, `/multi-exec`, status codes and error bodies, and
//! the in-process engine's answer for commands it leaves to `redis-server`.

use std::sync::Arc;

use base64::Engine as _;
use base64::prelude::BASE64_STANDARD;
use serde_json::{Value, json};
use studio_local::testing::serve;
use studio_local::upstash::{LOCAL_UPSTASH_TOKEN, SystemClock, Upstash};

use super::real_redis;

/// The in-process engine, and the real `redis-server` when installed: each served on its own.
async fn backends() -> Vec<(&'static str, String)> {
    let mut served = vec![("in-process", serve(Upstash::in_process(Arc::new(SystemClock)).router()).await)];
    if let Some(real) = real_redis() {
        served.push(("redis-server", serve(real.router()).await));
    }
    served
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("a JSON body, got {status} {text:?}")))
}

fn post(url: &str, body: &Value) -> reqwest::RequestBuilder {
    reqwest::Client::new().post(url).bearer_auth(LOCAL_UPSTASH_TOKEN).json(body)
}

fn b64(text: &str) -> Value {
    json!(BASE64_STANDARD.encode(text))
}

#[tokio::test]
async fn base64_encodes_every_string_but_a_top_level_ok_and_never_an_error() {
    for (backend, url) in backends().await {
        let batch = json!([
            ["SET", "k", "héllo"],
            ["GET", "k"],
            ["INCR", "n"],
            ["GET", "missing"],
            ["HSET", "h", "f", "v"],
            ["HGETALL", "h"],
            ["TYPE", "k"],
            ["PING"],
            ["INCR", "k"],
            ["SET", "ok", "OK"],
            ["GET", "ok"]
        ]);
        let (status, body) = send(post(&format!("{url}/pipeline"), &batch).header("upstash-encoding", "base64")).await;

        let expected = json!([
            {"result": "OK"}, {"result": b64("héllo")}, {"result": 1}, {"result": null}, {"result": 1},
            {"result": [b64("f"), b64("v")]}, {"result": b64("string")}, {"result": b64("PONG")},
            {"error": "ERR value is not an integer or out of range"}, {"result": "OK"}, {"result": b64("OK")}
        ]);
        assert_eq!((status, body), (200, expected), "{backend}");

        let (status, body) = send(post(&url, &json!(["INCR", "k"])).header("upstash-encoding", "base64")).await;
        assert_eq!((status, body), (400, json!({"error": "ERR value is not an integer or out of range"})), "{backend}");
        let transaction = json!([["SET", "t", "x"], ["ZADD", "z", 1.5, "m"], ["ZRANGE", "z", 0, -1, "WITHSCORES"]]);
        let (status, body) =
            send(post(&format!("{url}/multi-exec"), &transaction).header("upstash-encoding", "base64")).await;
        let expected = json!([{"result": "OK"}, {"result": 1}, {"result": [b64("m"), b64("1.5")]}]);
        assert_eq!((status, body), (200, expected), "{backend}");
    }
}

#[tokio::test]
async fn invalid_utf8_is_replaced_in_json_and_kept_exact_in_base64() {
    for (backend, url) in backends().await {
        let http = reqwest::Client::new();
        let (status, _) = send(http.post(format!("{url}/set/bin/%FFa")).bearer_auth(LOCAL_UPSTASH_TOKEN)).await;
        assert_eq!(status, 200, "{backend}");

        let (_, plain) = send(post(&url, &json!(["GET", "bin"]))).await;
        let (_, encoded) = send(post(&url, &json!(["GET", "bin"])).header("upstash-encoding", "base64")).await;

        assert_eq!(plain, json!({"result": "\u{FFFD}a"}), "{backend}");
        assert_eq!(encoded, json!({"result": BASE64_STANDARD.encode([0xFF, b'a'])}), "{backend}");
    }
}

#[tokio::test]
async fn path_style_commands_take_a_posted_body_last_and_query_parameters_after_it() {
    for (backend, url) in backends().await {
        let http = reqwest::Client::new();
        let authed = |request: reqwest::RequestBuilder| request.bearer_auth(LOCAL_UPSTASH_TOKEN);
        let cases = [
            ("GET /set", authed(http.get(format!("{url}/set/foo/bar/EX/100"))), json!({"result": "OK"})),
            ("GET /get", authed(http.get(format!("{url}/GET/foo"))), json!({"result": "bar"})),
            ("percent-encoded", authed(http.put(format!("{url}/set/sp/a%20b%2Fc"))), json!({"result": "OK"})),
            ("read back", authed(http.post(format!("{url}/get/sp"))), json!({"result": "a b/c"})),
            (
                "body as value",
                authed(http.post(format!("{url}/set/doc?EX=60")).body(r#"{"a":1}"#)),
                json!({"result": "OK"}),
            ),
            ("stored body", authed(http.get(format!("{url}/get/doc"))), json!({"result": "{\"a\":1}"})),
            ("query expiry", authed(http.get(format!("{url}/ttl/doc"))), json!({"result": 60})),
            ("_token", http.get(format!("{url}/get/foo?_token={LOCAL_UPSTASH_TOKEN}")), json!({"result": "bar"})),
            (
                "error",
                authed(http.get(format!("{url}/incr/foo"))),
                json!({"error": "ERR value is not an integer or out of range"}),
            ),
        ];
        for (case, request, expected) in cases {
            let (status, body) = send(request).await;
            let want = if expected.get("error").is_some() { 400 } else { 200 };
            assert_eq!((status, body), (want, expected), "{backend}: {case}");
        }
    }
}

#[tokio::test]
async fn every_endpoint_answers_401_wrongpass_without_the_token() {
    let (_, url) = backends().await.remove(0);
    let http = reqwest::Client::new();
    let body = json!(["PING"]);
    let requests = [
        ("no token", http.post(&url).json(&body)),
        ("wrong bearer", http.post(&url).bearer_auth("rotated").json(&body)),
        ("pipeline", http.post(format!("{url}/pipeline")).json(&json!([["PING"]]))),
        ("multi-exec", http.post(format!("{url}/multi-exec")).bearer_auth("x").json(&json!([["PING"]]))),
        ("path style", http.get(format!("{url}/get/k"))),
        ("wrong _token", http.get(format!("{url}/get/k?_token=rotated"))),
    ];
    for (case, request) in requests {
        let expected = json!({"error": "WRONGPASS invalid or missing auth token"});
        assert_eq!(send(request).await, (401, expected), "{case}");
    }
}

#[tokio::test]
async fn methods_other_than_head_get_post_put_are_405() {
    let (_, url) = backends().await.remove(0);
    let http = reqwest::Client::new();
    for request in [http.delete(format!("{url}/del/k")), http.patch(&url), http.request(reqwest::Method::OPTIONS, &url)]
    {
        let (status, body) = send(request.bearer_auth(LOCAL_UPSTASH_TOKEN)).await;
        assert_eq!(status, 405);
        assert!(body["error"].as_str().is_some_and(|e| e.contains("not allowed")), "{body}");
    }
}

#[tokio::test]
async fn a_transaction_runs_atomically_and_is_discarded_whole_on_a_queue_time_error() {
    for (backend, url) in backends().await {
        // Concurrent transactions never interleave: each sees its two increments back to back.
        let runs = (0..20).map(|_| send(post(&format!("{url}/multi-exec"), &json!([["INCR", "c"], ["INCR", "c"]]))));
        for (status, body) in futures_util::future::join_all(runs).await {
            assert_eq!(status, 200, "{backend}");
            let first = body[0]["result"].as_i64().unwrap();
            assert_eq!(body[1]["result"], json!(first + 1), "{backend}: {body}");
        }

        let (status, body) = send(post(&format!("{url}/multi-exec"), &json!([["SET", "d", 1], ["GET"]]))).await;
        assert_eq!(status, 400, "{backend}");
        assert_eq!(body, json!({"error": "EXECABORT Transaction discarded because of previous errors."}), "{backend}");
        assert_eq!(send(post(&url, &json!(["EXISTS", "d"]))).await, (200, json!({"result": 0})), "{backend}");
    }
}

#[tokio::test]
async fn the_in_process_engine_names_redis_server_for_commands_it_leaves_to_it() {
    let url = serve(Upstash::in_process(Arc::new(SystemClock)).router()).await;
    let xadd = json!(["XADD", "stream", "*", "field", "value"]);

    let (status, single) = send(post(&url, &xadd)).await;
    let (_, pipeline) = send(post(&format!("{url}/pipeline"), &json!([["SET", "k", "v"], xadd]))).await;
    let (tx_status, transaction) = send(post(&format!("{url}/multi-exec"), &json!([["SET", "t", "v"], xadd]))).await;

    let names_redis =
        |error: &Value| error.as_str().is_some_and(|e| e.starts_with("ERR ") && e.contains("redis-server"));
    assert_eq!(status, 400);
    assert!(names_redis(&single["error"]), "{single}");
    assert_eq!(pipeline[0], json!({"result": "OK"}));
    assert!(names_redis(&pipeline[1]["error"]), "{pipeline}");
    assert_eq!(tx_status, 400);
    assert!(names_redis(&transaction["error"]), "{transaction}");
    assert_eq!(
        send(post(&url, &json!(["EXISTS", "t"]))).await.1,
        json!({"result": 0}),
        "the transaction was discarded"
    );

    if let Some(real) = real_redis() {
        let (status, body) = send(post(&serve(real.router()).await, &xadd)).await;
        assert_eq!(status, 200, "redis-server runs it: {body}");
    }
}

#[tokio::test]
async fn the_stand_in_refuses_malformed_requests_and_what_it_does_not_implement() {
    let (_, url) = backends().await.remove(0);
    let http = reqwest::Client::new();
    let authed = |path: &str| http.post(format!("{url}{path}")).bearer_auth(LOCAL_UPSTASH_TOKEN);
    let cases = [
        ("not JSON", authed("").header("content-type", "application/json").body("[PING"), "not JSON"),
        ("not an array", authed("").json(&json!({"cmd": "PING"})), "must be an array"),
        ("empty command", authed("").json(&json!([])), "empty command"),
        ("a boolean argument", authed("").json(&json!(["SET", "k", true])), "strings or numbers"),
        ("pipeline of strings", authed("/pipeline").json(&json!(["PING"])), "must be an array"),
        ("empty pipeline", authed("/pipeline").json(&json!([])), "no commands"),
        ("resp2", authed("").header("upstash-response-format", "resp2").json(&json!(["PING"])), "resp2"),
        ("other format", authed("").header("upstash-response-format", "xml").json(&json!(["PING"])), "json or resp2"),
        ("other encoding", authed("").header("upstash-encoding", "hex").json(&json!(["PING"])), "base64"),
        ("SELECT", authed("").json(&json!(["SELECT", 1])), "not allowed"),
        ("FLUSHALL in a batch", authed("/multi-exec").json(&json!([["PING"], ["FLUSHALL"]])), "not allowed"),
        ("blocking pop", authed("/blpop/l/0"), "not allowed"),
        ("over 10 MB", authed("/set/big").body(vec![b'x'; 10 * 1024 * 1024 + 1]), "ERR max request size exceeded"),
    ];
    for (case, request, message) in cases {
        let (status, body) = send(request).await;
        assert_eq!(status, 400, "{case}: {body}");
        assert!(body["error"].as_str().unwrap_or_default().contains(message), "{case}: {body}");
    }
    let welcome = http.get(&url).send().await.unwrap();
    assert_eq!(welcome.status(), 200);
    assert!(welcome.text().await.unwrap().contains("in-process engine"));
}
