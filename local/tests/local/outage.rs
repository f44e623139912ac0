//! Outages: a stand-in killed mid-request cuts the calls in flight and every new call without an
//! answer until it is restored; `kill_after` picks the step of a request that dies; the Upstash
//! stand-in's own `redis-server` is really stopped and restarted. Synchronised on the calls each
//! stand-in has seen, never on sleeps.

use std::time::Duration;

use serde_json::{Value, json};
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;
use studio_local::upstash::LOCAL_UPSTASH_TOKEN;

/// A PostgREST read as the service role: its status, or the transport error's text.
async fn read_templates(stack: &TestStack) -> Result<u16, String> {
    let response = reqwest::Client::new()
        .get(format!("{}/rest/v1/style_templates?select=slug&limit=1", stack.url))
        .header("apikey", &stack.keys.service_key)
        .bearer_auth(&stack.keys.service_key)
        .send()
        .await;
    match response {
        Ok(response) => {
            let status = response.status().as_u16();
            response.bytes().await.map(|_| status).map_err(|e| format!("body: {e:?}"))
        }
        Err(err) => Err(format!("{err:?}")),
    }
}

/// Waits until `service` has seen `calls` calls (a yield between looks: the stand-in runs in this
/// runtime, so no clock is involved).
async fn seen(stack: &TestStack, service: Service, calls: usize) {
    while stack.faults.outages.calls(service) < calls {
        tokio::task::yield_now().await;
    }
}

fn is_cut(result: &Result<u16, String>) -> bool {
    matches!(result, Err(text) if text.contains("IncompleteMessage") || text.contains("connection")
        || text.contains("reset") || text.contains("closed"))
}

#[tokio::test]
async fn a_killed_service_cuts_every_call_without_an_answer_until_restored() {
    let stack = TestStack::start().await;
    assert_eq!(read_templates(&stack).await, Ok(200));

    stack.faults.outages.kill(Service::Postgrest);
    let first = read_templates(&stack).await;
    let second = read_templates(&stack).await;
    stack.faults.outages.restore(Service::Postgrest);
    let after = read_templates(&stack).await;

    assert!(is_cut(&first) && is_cut(&second), "while down: {first:?} {second:?}");
    assert_eq!(after, Ok(200));
    assert_eq!(stack.faults.outages.calls(Service::Postgrest), 4, "cut calls reached the service too");
}

#[tokio::test]
async fn kill_after_serves_that_many_calls_then_dies_with_the_next_one() {
    let stack = TestStack::start().await;
    stack.faults.outages.kill_after(Service::Postgrest, 2);

    let answers = [read_templates(&stack).await, read_templates(&stack).await, read_templates(&stack).await];

    assert_eq!(answers[..2], [Ok(200), Ok(200)]);
    assert!(is_cut(&answers[2]), "the third call: {:?}", answers[2]);
    assert!(stack.faults.outages.is_down(Service::Postgrest));
    assert!(is_cut(&read_templates(&stack).await), "stays down");
    assert!(!stack.faults.outages.is_down(Service::Storage), "other services live on");
}

#[tokio::test]
async fn a_call_in_flight_loses_its_connection_when_its_service_is_killed() {
    let stack = TestStack::start().await;
    // Held far longer than the test may take: only the kill can end it in time.
    stack.faults.inject(Service::Postgrest, Fault::Delay { millis: 600_000 }, 1);
    let held = {
        let stack_url = stack.url.clone();
        let key = stack.keys.service_key.clone();
        tokio::spawn(async move {
            reqwest::Client::new()
                .get(format!("{stack_url}/rest/v1/style_templates"))
                .header("apikey", &key)
                .bearer_auth(&key)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| format!("{e:?}"))
        })
    };
    seen(&stack, Service::Postgrest, 1).await;

    stack.faults.outages.kill(Service::Postgrest);
    let answer = tokio::time::timeout(Duration::from_secs(30), held).await.expect("cut, not held").unwrap();

    assert!(is_cut(&answer), "the held call: {answer:?}");
}

/// A raw Upstash REST call: status and body.
async fn upstash(stack: &TestStack, command: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/upstash", stack.url))
        .bearer_auth(LOCAL_UPSTASH_TOKEN)
        .json(&command)
        .send()
        .await
        .expect("the REST stand-in stays up when its redis-server dies");
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn killing_redis_stops_the_stand_ins_own_server_and_restoring_restarts_it_empty() {
    let stack = TestStack::start_with_private_redis(&[]).await;
    let other = TestStack::start().await;
    assert_eq!(upstash(&stack, json!(["SET", "k", "v"])).await, (200, json!({ "result": "OK" })));
    assert_eq!(upstash(&other, json!(["SET", "k", "other"])).await.0, 200);

    stack.faults.outages.kill_after(Service::Redis, 1);
    let before = upstash(&stack, json!(["GET", "k"])).await;
    let killed = upstash(&stack, json!(["GET", "k"])).await;
    let still = upstash(&stack, json!(["SET", "k", "w"])).await;
    stack.faults.outages.restore(Service::Redis);
    let restarted = upstash(&stack, json!(["GET", "k"])).await;
    let written = upstash(&stack, json!(["SET", "k", "x"])).await;

    assert_eq!(before, (200, json!({ "result": "v" })));
    for (case, (status, body)) in [("killed", &killed), ("still down", &still)] {
        assert_eq!(*status, 500, "{case}: {body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("redis-server")), "{case}: {body}");
    }
    assert_eq!(restarted, (200, json!({ "result": null })), "nothing persisted");
    assert_eq!(written, (200, json!({ "result": "OK" })));
    assert_eq!(upstash(&other, json!(["GET", "k"])).await, (200, json!({ "result": "other" })), "others untouched");
}

#[tokio::test]
async fn the_control_endpoint_kills_and_restores_a_service() {
    let stack = TestStack::start().await;
    let control = |action: &str| {
        reqwest::Client::new()
            .post(format!("{}/__control/outages", stack.url))
            .json(&json!({ "service": "postgrest", "action": action }))
            .send()
    };

    assert_eq!(control("kill").await.unwrap().status(), 204);
    let down = read_templates(&stack).await;
    assert_eq!(control("restore").await.unwrap().status(), 204);

    assert!(is_cut(&down), "{down:?}");
    assert_eq!(read_templates(&stack).await, Ok(200));
}
