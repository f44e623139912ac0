//! The PostgREST stand-in, write side: inserts with defaults, upserts (201 vs 200), PATCH/DELETE with
//! filters, Supabase's safeupdate refusal, `Prefer` handling, singular rollbacks, postgrest-rs writes.

use reqwest::Method;
use serde_json::json;

use crate::postgrest::{Api, Reply, text};

pub async fn send(api: &Api, method: Method, path: &str, prefer: Option<&str>, body: &str) -> Reply {
    let mut request = api.request(method, path).header("Content-Type", "application/json").body(body.to_owned());
    if let Some(prefer) = prefer {
        request = request.header("Prefer", prefer);
    }
    Reply::from(request.send().await.unwrap()).await
}

const REPRESENTATION: Option<&str> = Some("return=representation");

#[tokio::test]
async fn inserts_objects_and_arrays_filling_absent_columns_with_defaults() {
    let api = Api::start().await;

    let one =
        send(&api, Method::POST, "/items?select=id,name,tags,price,created_at", REPRESENTATION, r#"{"name":"date"}"#)
            .await;
    let two = send(
        &api,
        Method::POST,
        "/items?select=name",
        REPRESENTATION,
        r#"[{"name":"e","price":1},{"name":"f","price":2}]"#,
    )
    .await;
    let none = send(&api, Method::POST, "/items", REPRESENTATION, "[]").await;

    assert_eq!(one.status, 201, "{}", one.body);
    assert_eq!(
        one.json(),
        json!([{"id": 6, "name": "date", "tags": [], "price": null, "created_at": "2024-01-02T03:04:05.123+00:00"}])
    );
    assert_eq!(one.header("content-range"), Some("*/*"));
    assert_eq!(one.header("preference-applied"), Some("return=representation"));
    assert_eq!((two.status, two.json()), (201, json!([{"name": "e"}, {"name": "f"}])));
    assert_eq!((none.status, none.body.as_str()), (201, "[]"));
}

#[tokio::test]
async fn insert_return_preferences_shape_the_answer() {
    let api = Api::start().await;

    let minimal = send(&api, Method::POST, "/items", None, r#"{"name":"g"}"#).await;
    let headers_only = send(&api, Method::POST, "/items", Some("return=headers-only"), r#"{"id":40,"name":"h"}"#).await;
    let counted = send(&api, Method::POST, "/items", Some("count=exact"), r#"[{"name":"i"},{"name":"j"}]"#).await;

    assert_eq!((minimal.status, minimal.body.as_str()), (201, ""));
    assert_eq!(minimal.header("content-type"), None);
    assert_eq!(minimal.header("content-length"), Some("0"));
    assert_eq!(headers_only.status, 201);
    assert_eq!(headers_only.header("location"), Some("/items?id=eq.40"));
    assert_eq!(headers_only.body, "");
    assert_eq!((counted.status, counted.header("content-range")), (201, Some("*/2")));
    assert_eq!(api.sql_count("select count(*) from items where name in ('g','h','i','j')").await, 4);
}

#[tokio::test]
async fn insert_errors_match_postgrest() {
    let api = Api::start().await;
    let cases = [
        (r#"[{"name":"a"},{"price":1}]"#, 400, "PGRST102", "All object keys must match"),
        ("{not json", 400, "PGRST102", "Empty or invalid json"),
        ("", 400, "PGRST102", "Empty or invalid json"),
        (
            r#"{"name":"x","nope":1}"#,
            400,
            "PGRST204",
            "Could not find the 'nope' column of 'items' in the schema cache",
        ),
        (
            r#"{"price":1}"#,
            400,
            "23502",
            "null value in column \"name\" of relation \"items\" violates not-null constraint",
        ),
        (r#"{"id":1,"name":"dup"}"#, 409, "23505", "duplicate key value violates unique constraint \"items_pkey\""),
        (r#"{"name":"x","price":"cheap"}"#, 400, "22P02", "invalid input syntax for type numeric: \"cheap\""),
    ];
    for (body, status, code, message) in cases {
        let reply = send(&api, Method::POST, "/items", REPRESENTATION, body).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        assert_eq!(
            (reply.json()["code"].as_str(), reply.json()["message"].as_str()),
            (Some(code), Some(message)),
            "{body}"
        );
    }
    assert_eq!(api.sql_count("select count(*) from items").await, 5, "every failed insert rolled back");
}

#[tokio::test]
async fn upsert_answers_201_when_a_row_is_new_and_200_when_all_merged() {
    let api = Api::start().await;
    let merge = Some("return=representation,resolution=merge-duplicates");

    let merged =
        send(&api, Method::POST, "/items?select=id,price", merge, r#"{"id":1,"name":"apple","price":7}"#).await;
    let mixed =
        send(&api, Method::POST, "/items?select=id", merge, r#"[{"id":2,"name":"banana"},{"id":50,"name":"kiwi"}]"#)
            .await;
    let by_name =
        send(&api, Method::POST, "/items?on_conflict=name&select=id,price", merge, r#"{"name":"carrot","price":4}"#)
            .await;
    let ignored = send(
        &api,
        Method::POST,
        "/items",
        Some("return=representation,resolution=ignore-duplicates"),
        r#"{"id":3,"name":"zzz"}"#,
    )
    .await;
    let no_pk = send(&api, Method::POST, "/logs", merge, r#"{"msg":"c","at":3}"#).await;

    assert_eq!((merged.status, merged.json()), (200, json!([{"id": 1, "price": 7.00}])));
    assert_eq!(merged.header("preference-applied"), Some("resolution=merge-duplicates, return=representation"));
    assert_eq!((mixed.status, mixed.json()), (201, json!([{"id": 2}, {"id": 50}])));
    assert_eq!((by_name.status, by_name.json()), (200, json!([{"id": 3, "price": 4.00}])));
    // Only merge-duplicates turns "nothing inserted" into 200 (src `Response.hs` `isInsertIfGTZero`).
    assert_eq!((ignored.status, ignored.body.as_str()), (201, "[]"));
    assert_eq!(api.sql_count("select count(*) from items where name = 'zzz'").await, 0);
    assert_eq!(no_pk.status, 201);
    assert_eq!(no_pk.header("preference-applied"), Some("return=representation"), "no PK: resolution not applied");
}

#[tokio::test]
async fn patch_and_delete_apply_filters_and_answer_204_or_200() {
    let api = Api::start().await;

    let patched = send(&api, Method::PATCH, "/items?id=eq.1&select=id,price", REPRESENTATION, r#"{"price":9}"#).await;
    let minimal = send(&api, Method::PATCH, "/items?id=in.(2,3)", Some("count=exact"), r#"{"price":1}"#).await;
    let missed = send(&api, Method::PATCH, "/items?id=eq.999", REPRESENTATION, r#"{"price":1}"#).await;
    let empty = send(&api, Method::PATCH, "/items?id=eq.1", REPRESENTATION, "{}").await;
    let deleted = send(&api, Method::DELETE, "/items?id=eq.4&select=name", REPRESENTATION, "").await;
    let gone = send(&api, Method::DELETE, "/items?id=eq.5", None, "").await;

    assert_eq!((patched.status, patched.json()), (200, json!([{"id": 1, "price": 9.00}])));
    assert_eq!(patched.header("content-range"), Some("0-0/*"));
    assert_eq!((minimal.status, minimal.body.as_str()), (204, ""));
    assert_eq!(minimal.header("content-range"), Some("0-1/2"));
    assert_eq!((missed.status, missed.body.as_str(), missed.header("content-range")), (200, "[]", Some("*/*")));
    assert_eq!((empty.status, empty.body.as_str()), (200, "[]"));
    assert_eq!((deleted.status, deleted.json()), (200, json!([{"name": "a,b"}])));
    assert_eq!((gone.status, gone.header("content-range")), (204, Some("*/*")));
    assert_eq!(api.sql_count("select count(*) from items").await, 3);
}

#[tokio::test]
async fn rejects_unfiltered_patch_and_delete_like_supabase() {
    let api = Api::start().await;
    let cases = [
        (Method::PATCH, "/items", r#"{"price":0}"#, "UPDATE requires a WHERE clause"),
        (Method::DELETE, "/items", "", "DELETE requires a WHERE clause"),
        (Method::DELETE, "/items?limit=1&order=id", "", "DELETE requires a WHERE clause"),
    ];
    for (method, path, body, message) in cases {
        let reply = send(&api, method.clone(), path, REPRESENTATION, body).await;
        assert_eq!(reply.status, 400, "{method} {path}");
        assert_eq!(reply.json(), json!({"code": "21000", "details": null, "hint": null, "message": message}));
    }
    assert_eq!(api.sql_count("select count(*) from items where price = 0").await, 0);
    assert_eq!(api.sql_count("select count(*) from items").await, 5);
}

#[tokio::test]
async fn singular_write_of_several_rows_is_refused_and_rolled_back() {
    let api = Api::start().await;
    let request = api
        .request(Method::PATCH, "/items?id=in.(1,2)")
        .header("Accept", "application/vnd.pgrst.object+json")
        .header("Prefer", "return=representation")
        .header("Content-Type", "application/json")
        .body(r#"{"price":99}"#);

    let reply = Reply::from(request.send().await.unwrap()).await;

    assert_eq!((reply.status, reply.json()["code"].as_str()), (406, Some("PGRST116")));
    assert_eq!(reply.json()["details"], "The result contains 2 rows");
    assert_eq!(api.sql_count("select count(*) from items where price = 99").await, 0);
}

#[tokio::test]
async fn range_header_is_ignored_on_writes() {
    let api = Api::start().await;
    let request = api
        .request(Method::PATCH, "/items?id=gt.0")
        .header("Range", "0-0")
        .header("Content-Type", "application/json")
        .body(r#"{"body":"x"}"#);

    let reply = Reply::from(request.send().await.unwrap()).await;

    assert_eq!(reply.status, 204);
    assert_eq!(api.sql_count("select count(*) from items where body = 'x'").await, 5);
}

#[tokio::test]
async fn postgrest_rs_write_builders_round_trip() {
    let api = Api::start().await;
    let items = || api.client().from("items").auth(&api.keys.service_key);

    let inserted = text(items().insert(r#"{"id":60,"name":"lime"}"#).execute().await.unwrap()).await;
    let upserted = text(items().upsert(r#"{"id":60,"name":"lime","price":2}"#).execute().await.unwrap()).await;
    let on_conflict = text(
        items().upsert(r#"{"name":"lime","price":3}"#).on_conflict("name").select("id,price").execute().await.unwrap(),
    )
    .await;
    let updated = text(items().update(r#"{"price":4}"#).eq("id", "60").select("price").execute().await.unwrap()).await;
    let counted = items().insert(r#"{"name":"plum"}"#).exact_count().execute().await.unwrap();
    let deleted = text(items().delete().eq("name", "lime").select("id").execute().await.unwrap()).await;
    let unfiltered = text(items().delete().execute().await.unwrap()).await;

    assert_eq!(inserted.0, 201, "{}", inserted.1);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&inserted.1).unwrap()[0]["name"], "lime");
    assert_eq!(upserted.0, 200, "{}", upserted.1);
    assert_eq!((on_conflict.0, on_conflict.1.as_str()), (200, r#"[{"id":60,"price":3.00}]"#));
    assert_eq!((updated.0, updated.1.as_str()), (200, r#"[{"price":4.00}]"#));
    assert_eq!((counted.status().as_u16(), counted.headers()["content-range"].to_str().unwrap()), (201, "*/1"));
    assert_eq!((deleted.0, deleted.1.as_str()), (200, r#"[{"id":60}]"#));
    assert_eq!(unfiltered.0, 400, "{}", unfiltered.1);
}
