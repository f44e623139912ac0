//! The PostgREST stand-in, read side beyond JSON: HEAD on tables and functions with every count
//! mode, CSV, the "Perhaps you meant …" hints of unknown tables, functions and columns, and the
//! errors that stand for embedding (not served).

use reqwest::Method;
use serde_json::json;

use crate::postgrest::{Api, Reply};

async fn head(api: &Api, path: &str, prefer: Option<&str>) -> Reply {
    let mut request = api.request(Method::HEAD, path);
    if let Some(prefer) = prefer {
        request = request.header("Prefer", prefer);
    }
    Reply::from(request.send().await.unwrap()).await
}

/// The planner's estimate PostgREST reports for `count=planned`, asked of PostgreSQL directly.
async fn planned(api: &Api, sql: &str) -> i64 {
    let row = api.db.client().await.query_one(&format!("explain (format json) {sql}"), &[]).await.unwrap();
    let plan: serde_json::Value = row.get(0);
    plan[0]["Plan"]["Plan Rows"].as_i64().unwrap()
}

#[tokio::test]
async fn head_on_a_table_answers_the_get_headers_without_a_body() {
    let api = Api::start().await;
    let estimate = planned(&api, "select 1 from items where id > 1").await;

    let exact = head(&api, "/items?select=id&id=gt.1", Some("count=exact")).await;
    let estimated = head(&api, "/items?select=id&id=gt.1&limit=2", Some("count=estimated")).await;
    let planned = head(&api, "/items?select=id&id=gt.1", Some("count=planned")).await;
    let uncounted = head(&api, "/items", None).await;
    // Range is honoured on GET only (RFC 9110), so HEAD reads the whole page.
    let ranged = api.request(Method::HEAD, "/items").header("Range", "0-1").header("Prefer", "count=exact");
    let ranged = Reply::from(ranged.send().await.unwrap()).await;

    assert_eq!((exact.status, exact.header("content-range"), exact.body.as_str()), (200, Some("0-3/4"), ""));
    assert_eq!(exact.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(exact.header("preference-applied"), Some("count=exact"));
    assert_eq!((estimated.status, estimated.header("content-range")), (206, Some("0-1/4")));
    assert_eq!(planned.header("content-range"), Some(format!("0-3/{estimate}").as_str()));
    assert_eq!(planned.header("preference-applied"), Some("count=planned"));
    assert_eq!(
        (uncounted.status, uncounted.header("content-range"), uncounted.body.as_str()),
        (200, Some("0-4/*"), "")
    );
    assert_eq!((ranged.status, ranged.header("content-range")), (200, Some("0-4/5")));
}

#[tokio::test]
async fn estimated_count_is_exact_up_to_max_rows_and_the_planner_estimate_beyond() {
    let api = Api::start().await;
    let client = api.db.client().await;
    client.batch_execute("insert into logs select 'x', g from generate_series(1, 1500) g; analyze logs").await.unwrap();
    let estimate = planned(&api, "select 1 from logs").await;

    let estimated = head(&api, "/logs", Some("count=estimated")).await;
    let exact = head(&api, "/logs", Some("count=exact")).await;

    assert!(estimate > 1000, "the planner saw the rows: {estimate}");
    assert_eq!(
        (estimated.status, estimated.header("content-range")),
        (206, Some(format!("0-999/{estimate}").as_str()))
    );
    assert_eq!(exact.header("content-range"), Some("0-999/1502"));
}

#[tokio::test]
async fn head_on_a_function_counts_its_rows_like_get() {
    let api = Api::start().await;

    let exact = head(&api, "/rpc/series?n=3", Some("count=exact")).await;
    let estimated = head(&api, "/rpc/cheaper?max=2&select=id", Some("count=estimated")).await;
    // A function's result has no planner estimate: PostgREST leaves the total out.
    let planned = head(&api, "/rpc/series?n=3", Some("count=planned")).await;
    let get = api.get("/rpc/series?n=3").await;

    assert_eq!((exact.status, exact.header("content-range"), exact.body.as_str()), (200, Some("0-2/3"), ""));
    assert_eq!(estimated.header("content-range"), Some("0-1/2"));
    assert_eq!((planned.status, planned.header("content-range")), (200, Some("0-2/*")));
    assert_eq!((get.status, get.json()), (200, json!([1, 2, 3])));
}

#[tokio::test]
async fn csv_renders_a_header_line_and_postgresql_text_rows() {
    let api = Api::start().await;
    let csv = |path: &str| api.request(Method::GET, path).header("Accept", "text/csv");

    let rows = Reply::from(csv("/items?select=id,name,price&id=lt.5&order=id").send().await.unwrap()).await;
    let empty = Reply::from(csv("/items?select=id&id=eq.999").send().await.unwrap()).await;
    let rpc = Reply::from(csv("/rpc/pairs?id=lt.3").send().await.unwrap()).await;

    assert_eq!(rows.status, 200);
    assert_eq!(rows.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(rows.body, "id,name,price\n1,apple,1.50\n2,banana,0.25\n3,carrot,\n4,\"a,b\",3.00");
    assert_eq!((empty.status, empty.body.as_str()), (200, "\n"));
    assert_eq!((rpc.status, rpc.body.as_str()), (200, "id,label\n1,apple!\n2,banana!"));
}

#[tokio::test]
async fn nulls_stripped_drops_null_valued_keys_from_arrays_and_objects() {
    let api = Api::start().await;
    let accept = |path: &str, media: &str| api.request(Method::GET, path).header("Accept", media);
    let path = "/items?select=id,price,data&id=in.(2,3)&order=id";

    let array =
        Reply::from(accept(path, "application/vnd.pgrst.array+json;nulls=stripped").send().await.unwrap()).await;
    let object = Reply::from(
        accept("/items?select=id,price&id=eq.3", "application/vnd.pgrst.object+json;nulls=stripped")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let plain = Reply::from(accept(path, "application/vnd.pgrst.array+json").send().await.unwrap()).await;

    assert_eq!(array.status, 200);
    assert_eq!(array.header("content-type"), Some("application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8"));
    assert_eq!(array.body, r#"[{"id":2,"price":0.25,"data":{"color":"yellow"}},{"id":3}]"#);
    assert_eq!((object.status, object.body.as_str()), (200, r#"{"id":3}"#));
    assert_eq!(plain.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(plain.json()[1], json!({"id": 3, "price": null, "data": null}));
}

#[tokio::test]
async fn unknown_names_get_postgrest_hints() {
    let api = Api::start().await;
    let post = |path: &str, body: &'static str| api.request(Method::POST, path).body(body);

    let table = api.get("/itemz").await;
    let far_table = api.get("/zzqqxx").await;
    let function = Reply::from(post("/rpc/helo", "{}").send().await.unwrap()).await;
    let params = Reply::from(post("/rpc/add", r#"{"a":1,"c":2}"#).send().await.unwrap()).await;
    let get_params = api.get("/rpc/add?a=1").await;
    let column = api.get("/items?select=nme").await;

    assert_eq!(table.status, 404);
    assert_eq!(
        table.json(),
        json!({"code": "PGRST205", "details": null, "hint": "Perhaps you meant the table 'public.items'",
               "message": "Could not find the table 'public.itemz' in the schema cache"})
    );
    assert_eq!((far_table.status, far_table.json()["hint"].clone()), (404, json!(null)));
    assert_eq!((function.status, function.json()["code"].as_str()), (404, Some("PGRST202")));
    assert_eq!(function.json()["hint"], "Perhaps you meant to call the function public.hello");
    assert_eq!(
        params.json(),
        json!({"code": "PGRST202", "hint": "Perhaps you meant to call the function public.add(a, b)",
               "message": "Could not find the function public.add(a, c) in the schema cache",
               "details": "Searched for the function public.add with parameters a, c or with a single unnamed \
                           json/jsonb parameter, but no matches were found in the schema cache."})
    );
    assert_eq!(
        get_params.json()["details"],
        "Searched for the function public.add with parameter a, but no matches were found in the schema cache."
    );
    // Unknown columns are PostgreSQL's own 42703, with its own hint.
    assert_eq!((column.status, column.json()["code"].as_str()), (400, Some("42703")));
    assert_eq!(column.json()["hint"], "Perhaps you meant to reference the column \"items.name\".");
}

#[tokio::test]
async fn embedding_is_answered_with_postgrest_errors_or_a_clear_400() {
    let api = Api::start().await;
    // (path, status, code, message, hint): PostgREST's own error wherever it would refuse too.
    let cases = [
        (
            "/items?select=id,review(stars)",
            "PGRST200",
            "Could not find a relationship between 'items' and 'review' in the schema cache",
            json!("Perhaps you meant 'reviews' instead of 'review'."),
        ),
        (
            "/items?select=id,todos(id)",
            "PGRST200",
            "Could not find a relationship between 'items' and 'todos' in the schema cache",
            json!(null),
        ),
        (
            "/logs?select=...items(id)",
            "PGRST200",
            "Could not find a relationship between 'logs' and 'items' in the schema cache",
            json!(null),
        ),
        (
            "/items?todos.order=id",
            "PGRST108",
            "'todos' is not an embedded resource in this request",
            json!("Verify that 'todos' is included in the 'select' query parameter."),
        ),
        ("/items?select=count()", "PGRST123", "Use of aggregate functions is not allowed", json!(null)),
    ];
    for (path, code, message, hint) in cases {
        let reply = api.get(path).await;
        assert_eq!(reply.status, 400, "{path}: {}", reply.body);
        let body = reply.json();
        assert_eq!((body["code"].as_str(), body["message"].as_str()), (Some(code), Some(message)), "{path}");
        assert_eq!(body["hint"], hint, "{path}");
    }
    let no_fk = api.get("/items?select=id,todos(id)").await.json();
    assert_eq!(
        no_fk["details"],
        "Searched for a foreign key relationship between 'items' and 'todos' in the schema 'public', but no matches were found."
    );
    // A real relationship PostgREST would embed: refused as a feature this stand-in does not serve.
    let served_upstream = api.get("/items?select=id,reviews(stars)").await;
    assert_eq!((served_upstream.status, served_upstream.json()["code"].as_str()), (400, Some("PGRST100")));
    assert!(served_upstream.body.contains("not supported"), "{}", served_upstream.body);
    let put = Reply::from(api.request(Method::PUT, "/items?id=eq.1").body("{}").send().await.unwrap()).await;
    assert_eq!(put.status, 400, "PUT");
    let csv = api.request(Method::POST, "/items").header("Content-Type", "text/csv").body("name\nz");
    let csv = Reply::from(csv.send().await.unwrap()).await;
    assert_eq!((csv.status, csv.json()["code"].as_str()), (400, Some("PGRST100")), "{}", csv.body);
    assert!(csv.body.contains("CSV request body is not supported"), "{}", csv.body);
    assert_eq!(api.sql_count("select count(*) from items where name = 'z'").await, 0);
}
