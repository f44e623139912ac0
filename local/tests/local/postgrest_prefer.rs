//! The PostgREST stand-in, `Prefer` beyond return/count/resolution: `handling`, `tx`, `timezone`
//! and `max-affected`, each with the `Preference-Applied` echo PostgREST v14 sends.

use reqwest::Method;
use serde_json::json;

use crate::postgrest::{Api, Reply};
use crate::postgrest_write::send;

async fn get(api: &Api, path: &str, prefer: &str) -> Reply {
    Reply::from(api.request(Method::GET, path).header("Prefer", prefer).send().await.unwrap()).await
}

#[tokio::test]
async fn strict_handling_refuses_unknown_preferences_lenient_ignores_them() {
    let api = Api::start().await;

    let strict = get(&api, "/items?select=id", "handling=strict, foo, bar=1").await;
    let lenient = get(&api, "/items?select=id", "handling=lenient, foo").await;
    let known = get(&api, "/items?select=id", "handling=strict, count=exact, tx=rollback, max-affected=1").await;

    assert_eq!(strict.status, 400);
    assert_eq!(
        strict.json(),
        json!({"code": "PGRST122", "details": "Invalid preferences: foo, bar=1", "hint": null,
               "message": "Invalid preferences given with handling=strict"})
    );
    assert_eq!((lenient.status, lenient.header("preference-applied")), (200, Some("handling=lenient")));
    // `tx` and `max-affected` are recognised; a read echoes neither.
    assert_eq!((known.status, known.header("preference-applied")), (200, Some("count=exact, handling=strict")));
}

#[tokio::test]
async fn tx_rollback_is_not_applied_under_supabase_default_tx_end() {
    let api = Api::start().await;

    let reply = send(&api, Method::POST, "/items", Some("tx=rollback, return=minimal"), r#"{"name":"kept"}"#).await;

    assert_eq!((reply.status, reply.header("preference-applied")), (201, Some("return=minimal")));
    assert_eq!(api.sql_count("select count(*) from items where name = 'kept'").await, 1);
}

#[tokio::test]
async fn timezone_preference_applies_known_zones_only() {
    let api = Api::start().await;
    let path = "/items?select=created_at&id=eq.1";

    let zoned = get(&api, path, "timezone=America/Sao_Paulo").await;
    let unknown = get(&api, path, "timezone=Mars/Olympus").await;
    let strict = get(&api, path, "handling=strict, timezone=Mars/Olympus").await;

    assert_eq!((zoned.status, zoned.json()), (200, json!([{"created_at": "2024-01-02T00:04:05.123-03:00"}])));
    assert_eq!(zoned.header("preference-applied"), Some("timezone=America/Sao_Paulo"));
    assert_eq!((unknown.status, unknown.header("preference-applied")), (200, None));
    assert_eq!(unknown.json(), json!([{"created_at": "2024-01-02T03:04:05.123+00:00"}]));
    assert_eq!(
        (strict.status, strict.json()["details"].as_str()),
        (400, Some("Invalid preferences: timezone=Mars/Olympus"))
    );
}

#[tokio::test]
async fn max_affected_with_strict_handling_refuses_larger_writes_and_rolls_back() {
    let api = Api::start().await;

    let refused =
        send(&api, Method::PATCH, "/items?id=lt.4", Some("handling=strict, max-affected=2"), r#"{"price":0}"#).await;
    let after_refusal = api.sql_count("select count(*) from items where price = 0").await;
    let lenient = send(&api, Method::DELETE, "/logs?at=gt.0", Some("max-affected=1"), "").await;
    let allowed =
        send(&api, Method::PATCH, "/items?id=lt.4", Some("handling=strict, max-affected=3"), r#"{"price":0}"#).await;
    let single =
        send(&api, Method::POST, "/rpc/add", Some("handling=strict, max-affected=1"), r#"{"a":1,"b":2}"#).await;

    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json(),
        json!({"code": "PGRST124", "details": "The query affects 3 rows", "hint": null,
               "message": "Query result exceeds max-affected preference constraint"})
    );
    assert_eq!(after_refusal, 0, "the refused update was rolled back");
    // Without handling=strict the bound is ignored (PostgREST binds it only then).
    assert_eq!((lenient.status, lenient.header("preference-applied")), (204, None));
    assert_eq!(api.sql_count("select count(*) from logs").await, 0);
    assert_eq!((allowed.status, allowed.header("preference-applied")), (204, Some("handling=strict, max-affected=3")));
    assert_eq!(api.sql_count("select count(*) from items where price = 0").await, 3);
    assert_eq!((single.status, single.json()["code"].as_str()), (400, Some("PGRST128")));
}
