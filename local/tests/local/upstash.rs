//! The Upstash REST stand-in and the library's `Kv` client over real HTTP: every client call, the
//! stand-in's own validation, the faults Upstash can answer with, and one table of commands run
//! through both backends (the real `redis-server` and the in-process engine) with identical answers.

mod compare;
mod rest;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use studio::config::Secret;
use studio::kv::{Kv, KvError, UpstashConfig};
use studio_local::faults::{Fault, Service};
use studio_local::testing::{TestStack, serve};
use studio_local::upstash::{LOCAL_UPSTASH_TOKEN, ManualClock, SystemClock, Upstash};

/// The stand-in over the real `redis-server`. It must exist under CI (`CI=true`), where its absence
/// fails the test; a developer's machine without it gets `None`.
pub fn real_redis() -> Option<Upstash> {
    let real = Upstash::redis().expect("redis-server is installed but did not start");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(real.is_some() || !ci, "CI=true but redis-server is not installed: .ci/run installs it");
    real
}

/// A client for a stand-in served at `url`.
pub fn kv(url: &str, token: &str, timeout: Duration) -> Kv {
    let config = UpstashConfig { url: url.parse().expect("a stand-in URL"), token: Secret::new(token), timeout };
    Kv::new(&config, reqwest::Client::new())
}

/// A raw REST call: status and JSON body.
async fn call(url: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new().post(url).bearer_auth(LOCAL_UPSTASH_TOKEN).json(body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Single commands run in order; each answer (status and body) is compared across backends.
const SINGLE: &str = r#"[
  ["SET","s","hello"], ["GET","s"], ["GET","missing"], ["SET","s","x","NX"], ["SET","s","y","XX","GET"],
  ["SET","new","v","XX"], ["SET","new","v","NX","GET"], ["SET","s","v","NX","XX"], ["SET","s","v","EX",0],
  ["SET","s","v","EX","soon"], ["SET","s","v","EX",10,"PX",100], ["SET","s","v","EX"],
  ["SET","s","v","KEEPTTL","EX",5], ["SET","s","v","EX",9223372036854775807], ["SET","s","v","BOGUS"],
  ["SET","t","v","EX",100], ["TTL","t"], ["SET","t","w","KEEPTTL"], ["TTL","t"], ["SET","t","w"], ["TTL","t"],
  ["SET","gone","v","PXAT",1], ["GET","gone"], ["EXISTS","gone"],
  ["INCR","n"], ["INCRBY","n",41], ["DECR","n"], ["DECRBY","n","-10"], ["INCR","s"], ["INCRBY","n","1.5"],
  ["INCRBY","n","01"], ["INCRBY","n"," 1"], ["SET","big","9223372036854775807"], ["INCR","big"],
  ["DECRBY","n","-9223372036854775808"], ["SET","z","-0"], ["INCR","z"],
  ["DEL","n","n","missing"], ["EXISTS","s","s","missing"], ["TTL","missing"], ["PTTL","missing"], ["PTTL","s"],
  ["EXPIRE","s",100,"XX"], ["EXPIRE","s",100,"GT"], ["EXPIRE","s",100,"NX"], ["EXPIRE","s",50,"GT"],
  ["EXPIRE","s",50,"LT"], ["TTL","s"], ["EXPIRE","s",10,"NX","XX"], ["EXPIRE","s",10,"GT","LT"],
  ["EXPIRE","s",10,"SOON"], ["EXPIRE","s","ten"], ["EXPIRE","s",9223372036854775807], ["PEXPIRE","s",-1],
  ["GET","s"], ["EXPIRE","missing",10],
  ["get"], ["GET","a","b"], ["NOSUCH","a",1], ["nosuch"], ["PING"], ["PING","hi"], ["PING","a","b"],
  ["set","lower","case"], ["GET","lower"], ["SET","num",12.5], ["GET","num"]
]"#;

/// Pipelines and transactions, each compared across backends, then the keys they should have left.
fn batches() -> Vec<(&'static str, Value)> {
    vec![
        ("/pipeline", json!([["SET", "p", 1], ["INCR", "p"], ["INCR", "lower"], ["GET"], ["GET", "p"]])),
        ("/multi-exec", json!([["SET", "m", "a"], ["INCR", "m"], ["GET", "m"]])),
        ("/multi-exec", json!([["SET", "m2", "a"], ["GET"], ["INCR", "m2"]])),
        ("/multi-exec", json!([["SET", "m3", "a"], ["NOSUCH"]])),
        ("/pipeline", json!([["GET", "m2"], ["GET", "m3"], ["EXISTS", "m", "p"]])),
    ]
}

async fn answers(upstash: &Upstash) -> Vec<(String, u16, Value)> {
    let url = serve(upstash.router()).await;
    let mut answers = Vec::new();
    for command in serde_json::from_str::<Vec<Value>>(SINGLE).unwrap() {
        let (status, body) = call(&url, &command).await;
        answers.push((command.to_string(), status, body));
    }
    for (path, batch) in batches() {
        let (status, body) = call(&format!("{url}{path}"), &batch).await;
        answers.push((format!("{path} {batch}"), status, body));
    }
    answers
}

#[tokio::test]
async fn the_in_process_engine_answers_every_command_exactly_as_redis_server_does() {
    let Some(real) = real_redis() else {
        eprintln!("redis-server is not installed: nothing to compare the in-process engine with");
        return;
    };
    let expected = answers(&real).await;
    let got = answers(&Upstash::in_process(Arc::new(SystemClock))).await;

    for ((case, status, body), (_, got_status, got_body)) in expected.iter().zip(&got) {
        assert_eq!((got_status, got_body), (status, body), "{case}");
    }
    let rejected = expected.iter().filter(|(_, status, _)| *status == 400).count();
    assert!(rejected > 20, "the table should exercise Redis's errors, only {rejected} did");
}

#[tokio::test]
async fn the_client_sends_commands_and_reads_redis_replies() {
    let stack = TestStack::start().await;
    let kv = &stack.app.kv;

    assert_eq!(kv.command(&[json!("SET"), json!("k"), json!("v"), json!("EX"), json!(60)]).await.unwrap(), "OK");
    assert_eq!(kv.command(&[json!("GET"), json!("k")]).await.unwrap(), "v");
    assert_eq!(kv.command(&[json!("GET"), json!("nothing")]).await.unwrap(), Value::Null);
    assert_eq!(kv.command(&[json!("INCRBY"), json!("n"), json!(5)]).await.unwrap(), 5);
    assert_eq!(kv.command(&[json!("TTL"), json!("k")]).await.unwrap(), 60);
}

#[tokio::test]
async fn redis_errors_arrive_as_rejected_with_the_redis_text() {
    let stack = TestStack::start().await;
    let kv = &stack.app.kv;
    kv.command(&[json!("SET"), json!("text"), json!("abc")]).await.unwrap();
    let cases: [(Vec<Value>, &str); 3] = [
        (vec![json!("GET")], "ERR wrong number of arguments for 'get' command"),
        (vec![json!("INCR"), json!("text")], "ERR value is not an integer or out of range"),
        (vec![json!("NOPE"), json!("x")], "ERR unknown command 'NOPE', with args beginning with: 'x' "),
    ];
    for (command, expected) in cases {
        let err = kv.command(&command).await.unwrap_err();
        assert!(matches!(&err, KvError::Rejected(text) if text == expected), "{command:?}: {err:?}");
    }
}

#[tokio::test]
async fn a_pipeline_reports_the_failing_command_and_runs_the_others() {
    let stack = TestStack::start().await;
    let commands = vec![
        vec![json!("SET"), json!("a"), json!("x")],
        vec![json!("INCR"), json!("a")],
        vec![json!("SET"), json!("b"), json!(2)],
        vec![json!("INCR"), json!("b")],
    ];

    let items = stack.app.kv.pipeline(&commands).await.unwrap();

    assert_eq!(items[0], Ok(json!("OK")));
    assert_eq!(items[1], Err("ERR value is not an integer or out of range".to_owned()));
    assert_eq!(items[3], Ok(json!(3)));
}

#[tokio::test]
async fn a_transaction_with_a_runtime_error_fails_that_command_alone() {
    let stack = TestStack::start().await;
    let commands = vec![
        vec![json!("SET"), json!("t"), json!("x")],
        vec![json!("INCR"), json!("t")],
        vec![json!("GET"), json!("t")],
    ];

    let items = stack.app.kv.multi_exec(&commands).await.unwrap();

    assert_eq!(items, vec![Ok(json!("OK")), Err("ERR value is not an integer or out of range".into()), Ok(json!("x"))]);
}

#[tokio::test]
async fn a_transaction_with_a_queue_time_error_is_discarded_as_a_whole() {
    let stack = TestStack::start().await;
    let kv = &stack.app.kv;
    let commands = vec![vec![json!("SET"), json!("d"), json!("1")], vec![json!("GET")]];

    let err = kv.multi_exec(&commands).await.unwrap_err();

    assert!(matches!(&err, KvError::Rejected(text) if text.starts_with("EXECABORT")), "{err:?}");
    assert_eq!(kv.command(&[json!("GET"), json!("d")]).await.unwrap(), Value::Null, "the SET ran");
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_401_wrongpass() {
    let stack = TestStack::start().await;
    let url = format!("{}/upstash", stack.url);
    let http = reqwest::Client::new();
    let wrong = http.post(&url).bearer_auth("rotated").json(&json!(["PING"])).send().await.unwrap();
    let missing = http.post(&url).json(&json!(["PING"])).send().await.unwrap();
    for response in [wrong, missing] {
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({"error": "WRONGPASS invalid or missing auth token"})
        );
    }

    let err = kv(&url, "rotated", Duration::from_secs(2)).command(&[json!("PING")]).await.unwrap_err();
    assert!(matches!(err, KvError::Unauthorized), "{err:?}");
}

#[tokio::test]
async fn each_upstash_failure_becomes_its_own_error_after_one_attempt() {
    let stack = TestStack::start().await;
    let html = Fault::Respond {
        status: 502,
        headers: vec![("content-type".into(), "text/html".into())],
        body: "<html><body>502 Bad Gateway</body></html>".into(),
    };
    let empty = Fault::Respond { status: 503, headers: vec![], body: String::new() };
    let daily = "ERR max daily request limit exceeded. Limit: 10000, Usage: 10001. See https://upstash.com/docs";
    let cases: [(Fault, &str); 4] = [
        (html, "Upstream { status: 502"),
        (empty, "Upstream { status: 503"),
        (Fault::json(400, json!({ "error": daily })), "Rejected(\"ERR max daily request limit exceeded"),
        (Fault::Drop, "Unreachable"),
    ];
    for (fault, expected) in cases {
        let case = format!("{fault:?}");
        stack.faults.inject(Service::Upstash, fault, 1);

        let err = stack.app.kv.command(&[json!("PING")]).await.unwrap_err();

        assert!(format!("{err:?}").starts_with(expected), "{case}: {err:?}");
        assert_eq!(stack.faults.pending(Service::Upstash), 0, "{case}");
        // The next call is served: one attempt consumed the fault, and the client did not retry.
        assert_eq!(stack.app.kv.command(&[json!("PING")]).await.unwrap(), "PONG", "{case}");
    }
}

#[tokio::test]
async fn a_daily_limit_rejection_is_recognised_as_a_plan_limit() {
    let err = KvError::Rejected("ERR max daily request limit exceeded. Limit: 10000, Usage: 10001".into());
    assert!(err.is_plan_limit());
    assert!(!KvError::Rejected("ERR syntax error".into()).is_plan_limit());
}

#[tokio::test]
async fn an_answer_slower_than_upstash_timeout_ms_is_a_timeout() {
    let stack = TestStack::start_with_env(&[("UPSTASH_TIMEOUT_MS", "200")]).await;
    stack.faults.inject(Service::Upstash, Fault::Delay { millis: 1_000 }, 1);

    let started = std::time::Instant::now();
    let err = stack.app.kv.command(&[json!("PING")]).await.unwrap_err();

    assert!(matches!(err, KvError::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(900), "waited {:?}", started.elapsed());
}

#[tokio::test]
async fn a_refused_connection_is_unreachable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let kv = kv(&format!("http://{closed}"), LOCAL_UPSTASH_TOKEN, Duration::from_secs(2));
    let err = kv.command(&[json!("PING")]).await.unwrap_err();
    assert!(matches!(err, KvError::Unreachable(_)), "{err:?}");
}

#[tokio::test]
async fn the_in_process_engine_expires_keys_on_its_own_clock() {
    let clock = ManualClock::new(1_700_000_000_000);
    let url = serve(Upstash::in_process(clock.clone()).router()).await;
    let kv = kv(&url, LOCAL_UPSTASH_TOKEN, Duration::from_secs(2));
    kv.command(&[json!("SET"), json!("k"), json!("v"), json!("PX"), json!(1_500)]).await.unwrap();

    clock.advance(Duration::from_millis(1_000));
    assert_eq!(kv.command(&[json!("PTTL"), json!("k")]).await.unwrap(), 500);
    assert_eq!(kv.command(&[json!("TTL"), json!("k")]).await.unwrap(), 1, "rounded to the nearest second");
    clock.advance(Duration::from_millis(500));
    assert_eq!(kv.command(&[json!("GET"), json!("k")]).await.unwrap(), "v", "alive through its last millisecond");
    clock.advance(Duration::from_millis(1));
    assert_eq!(kv.command(&[json!("GET"), json!("k")]).await.unwrap(), Value::Null);
    assert_eq!(kv.command(&[json!("TTL"), json!("k")]).await.unwrap(), -2);
}

#[tokio::test]
async fn every_stack_has_a_keyspace_of_its_own() {
    let (one, two) = (TestStack::start().await, TestStack::start().await);
    one.app.kv.command(&[json!("SET"), json!("shared-name"), json!("one")]).await.unwrap();
    assert_eq!(two.app.kv.command(&[json!("GET"), json!("shared-name")]).await.unwrap(), Value::Null);
}
