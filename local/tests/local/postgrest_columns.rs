//! The PostgREST stand-in, `?columns=` and `Prefer: missing=default` (what @supabase/postgrest-js
//! sends for every array insert/upsert): checked against PostgREST v14's InsertSpec/UpsertSpec.

use reqwest::Method;
use serde_json::json;

use crate::postgrest::Api;
use crate::postgrest_write::send;

const REPRESENTATION: Option<&str> = Some("return=representation");

#[tokio::test]
async fn columns_takes_only_the_listed_keys_and_absent_ones_insert_null() {
    let api = Api::start().await;

    let reply = send(
        &api,
        Method::POST,
        r#"/items?columns="name",price&select=name,price,data,tags"#,
        REPRESENTATION,
        r#"[{"name":"k1","price":1,"data":{"ignored":true}},{"name":"k2"}]"#,
    )
    .await;

    assert_eq!(reply.status, 201, "{}", reply.body);
    // `data` is not listed, so it is ignored; `tags` is not written, so it takes its DEFAULT; `k2`
    // lacks a listed key, which inserts NULL (PostgREST's default `missing=null`).
    assert_eq!(
        reply.json(),
        json!([{"name": "k1", "price": 1.00, "data": null, "tags": []}, {"name": "k2", "price": null, "data": null, "tags": []}])
    );
    assert_eq!(reply.header("preference-applied"), Some("return=representation"));
}

#[tokio::test]
async fn missing_default_fills_absent_keys_with_the_column_default() {
    let api = Api::start().await;
    let body = r#"[{"name":"m1"},{"name":"m2","tags":["x"]}]"#;
    let path = "/items?columns=name,tags,created_at&select=name,tags,created_at";

    let defaulted = send(&api, Method::POST, path, Some("return=representation, missing=default"), body).await;
    let nulled = send(&api, Method::POST, path, REPRESENTATION, r#"[{"name":"m3"}]"#).await;

    assert_eq!(defaulted.status, 201, "{}", defaulted.body);
    let at = "2024-01-02T03:04:05.123+00:00";
    assert_eq!(
        defaulted.json(),
        json!([{"name": "m1", "tags": [], "created_at": at}, {"name": "m2", "tags": ["x"], "created_at": at}])
    );
    assert_eq!(defaulted.header("preference-applied"), Some("missing=default, return=representation"));
    // Without it the absent `tags` is NULL, which the NOT NULL column refuses.
    assert_eq!((nulled.status, nulled.json()["code"].as_str()), (400, Some("23502")), "{}", nulled.body);
}

#[tokio::test]
async fn missing_default_applies_to_a_single_object_and_to_patch() {
    let api = Api::start().await;

    let inserted = send(
        &api,
        Method::POST,
        "/items?columns=name,tags&select=tags",
        Some("missing=default,return=representation"),
        r#"{"name":"o"}"#,
    )
    .await;
    let patched = send(
        &api,
        Method::PATCH,
        "/items?columns=tags,price&id=eq.1&select=tags,price",
        Some("missing=default,return=representation"),
        r#"{"price":9}"#,
    )
    .await;

    assert_eq!((inserted.status, inserted.json()), (201, json!([{"tags": []}])));
    assert_eq!((patched.status, patched.json()), (200, json!([{"tags": [], "price": 9.00}])));
    assert_eq!(patched.header("preference-applied"), Some("missing=default, return=representation"));
}

#[tokio::test]
async fn columns_errors_carry_postgrest_codes() {
    let api = Api::start().await;
    let rows = r#"[{"name":"x"}]"#;

    let unknown = send(&api, Method::POST, "/items?columns=name,helicopter", None, rows).await;
    let blank = send(&api, Method::POST, "/items?columns=", None, rows).await;
    let no_table = send(&api, Method::POST, "/itemz?columns=helicopter", None, rows).await;

    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.json(),
        json!({"code": "PGRST204", "details": null, "hint": null,
               "message": "Could not find the 'helicopter' column of 'items' in the schema cache"})
    );
    assert_eq!(blank.status, 400);
    assert_eq!(
        blank.json(),
        json!({"code": "PGRST100", "hint": null,
               "details": "unexpected end of input expecting field name (* or [a..z0..9_$])",
               "message": "\"failed to parse columns parameter ()\" (line 1, column 1)"})
    );
    // The table is looked up first, as in PostgREST's "returns missing table error" spec.
    assert_eq!((no_table.status, no_table.json()["code"].as_str()), (404, Some("PGRST205")));
    assert_eq!(api.sql_count("select count(*) from items where name = 'x'").await, 0);
}

#[tokio::test]
async fn upserts_with_columns_merge_or_ignore_on_the_conflict_target() {
    let api = Api::start().await;
    let rows = r#"[{"name":"apple","price":7},{"name":"fig","price":2}]"#;
    let path = r#"/items?on_conflict=name&columns="name","price"&select=name,price"#;

    let merged = send(&api, Method::POST, path, Some("resolution=merge-duplicates,return=representation"), rows).await;
    let ignored = send(
        &api,
        Method::POST,
        path,
        Some("resolution=ignore-duplicates,return=representation"),
        r#"[{"name":"apple","price":1},{"name":"grape","price":3}]"#,
    )
    .await;

    assert_eq!(merged.status, 201, "{}", merged.body);
    assert_eq!(merged.json(), json!([{"name": "apple", "price": 7.00}, {"name": "fig", "price": 2.00}]));
    assert_eq!(merged.header("preference-applied"), Some("resolution=merge-duplicates, return=representation"));
    assert_eq!((ignored.status, ignored.json()), (201, json!([{"name": "grape", "price": 3.00}])));
    assert_eq!(api.sql_count("select (price * 100)::bigint from items where name = 'apple'").await, 700);
}
