//! The PostgREST stand-in, read side continued: order, Range/limit/offset with Content-Range and
//! counts, singular objects, read errors, and every postgrest-rs 1.6.0 read builder round-tripping.

use reqwest::Method;
use serde_json::json;

use crate::postgrest::{Api, Reply, text};

fn ids(reply: &Reply) -> Vec<i64> {
    reply.json().as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn orders_by_the_first_order_param_with_nulls_placement() {
    let api = Api::start().await;
    let cases = [
        ("order=price.desc.nullslast,id", vec![5, 4, 1, 2, 3]),
        ("order=price.asc.nullsfirst", vec![3, 2, 1, 4, 5]),
        ("order=price.desc", vec![3, 5, 4, 1, 2]),
        ("order=id.desc&order=id.asc", vec![5, 4, 3, 2, 1]),
        ("order=data->>color.asc.nullslast,id.desc", vec![1, 2, 5, 4, 3]),
    ];
    for (order, expected) in cases {
        let reply = api.get(&format!("/items?select=id&{order}")).await;
        assert_eq!(reply.status, 200, "{order}: {}", reply.body);
        assert_eq!(ids(&reply), expected, "{order}");
    }
}

#[tokio::test]
async fn answers_content_range_and_status_exactly_like_postgrest() {
    let api = Api::start().await;
    // `count=planned` reports the planner's estimate: with statistics it is the row count.
    api.db.client().await.batch_execute("analyze items").await.unwrap();
    let exact = Some("count=exact");
    // (query, Range header, Prefer header, status, Content-Range, rows)
    let cases = [
        ("", None, None, 200, "0-4/*", 5),
        ("", Some("0-1"), None, 200, "0-1/*", 2),
        ("", Some("0-1"), exact, 206, "0-1/5", 2),
        ("", Some("3-"), exact, 206, "3-4/5", 2),
        ("", None, exact, 200, "0-4/5", 5),
        ("", Some("0-0"), Some("count=planned"), 206, "0-0/5", 1),
        ("", None, Some("count=estimated"), 200, "0-4/5", 5),
        ("&limit=0", None, None, 200, "*/*", 0),
        ("&limit=2&offset=1", None, None, 200, "1-2/*", 2),
        ("&limit=2&offset=1", Some("0-1"), None, 200, "1-1/*", 1),
        ("&offset=-3", None, None, 200, "0-4/*", 5),
        ("&id=eq.999", None, None, 200, "*/*", 0),
        ("&id=eq.999", None, exact, 200, "*/0", 0),
        ("", Some("items=bogus"), None, 200, "0-4/*", 5),
    ];
    for (query, range, prefer, status, content_range, rows) in cases {
        let mut request = api.request(Method::GET, &format!("/items?select=id{query}"));
        if let Some(range) = range {
            request = request.header("Range", range).header("Range-Unit", "items");
        }
        if let Some(prefer) = prefer {
            request = request.header("Prefer", prefer);
        }
        let reply = Reply::from(request.send().await.unwrap()).await;
        let case = format!("{query} {range:?} {prefer:?}: {}", reply.body);
        assert_eq!(reply.status, status, "{case}");
        assert_eq!(reply.header("content-range"), Some(content_range), "{case}");
        assert_eq!(reply.json().as_array().unwrap().len(), rows, "{case}");
    }
}

#[tokio::test]
async fn refuses_unsatisfiable_ranges_with_416() {
    let api = Api::start().await;
    let cases = [
        (
            "/items?offset=10",
            Some("count=exact"),
            None,
            "An offset of 10 was requested, but there are only 5 rows.",
            "*/5",
        ),
        (
            "/items",
            None,
            Some("3-1"),
            "The lower boundary must be lower than or equal to the upper boundary in the Range header.",
            "*/*",
        ),
        ("/items?limit=-1", None, None, "Limit should be greater than or equal to zero.", "*/*"),
    ];
    for (path, prefer, range, details, content_range) in cases {
        let mut request = api.request(Method::GET, path);
        if let Some(prefer) = prefer {
            request = request.header("Prefer", prefer);
        }
        if let Some(range) = range {
            request = request.header("Range", range);
        }
        let reply = Reply::from(request.send().await.unwrap()).await;
        assert_eq!(reply.status, 416, "{path}");
        assert_eq!(
            reply.json(),
            json!({"code": "PGRST103", "details": details, "hint": null, "message": "Requested range not satisfiable"}),
            "{path}"
        );
        assert_eq!(reply.header("content-range"), Some(content_range), "{path}");
    }
}

#[tokio::test]
async fn caps_reads_at_max_rows() {
    let api = Api::start().await;
    api.db
        .client()
        .await
        .batch_execute("insert into logs select 'x', g from generate_series(1, 1200) g")
        .await
        .unwrap();

    let reply = api.get("/logs?select=at").await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-range"), Some("0-999/*"));
    assert_eq!(reply.json().as_array().unwrap().len(), 1000);
}

#[tokio::test]
async fn singular_accept_returns_one_object_or_406() {
    let api = Api::start().await;
    let single = |path: &str| api.request(Method::GET, path).header("Accept", "application/vnd.pgrst.object+json");

    let one = Reply::from(single("/items?select=id,name&id=eq.1").send().await.unwrap()).await;
    let many = Reply::from(single("/items?select=id").send().await.unwrap()).await;
    let none = Reply::from(single("/items?id=eq.999").send().await.unwrap()).await;

    assert_eq!((one.status, one.json()), (200, json!({"id": 1, "name": "apple"})));
    assert_eq!(one.header("content-type"), Some("application/vnd.pgrst.object+json; charset=utf-8"));
    for (reply, rows) in [(many, 5), (none, 0)] {
        assert_eq!(reply.status, 406);
        assert_eq!(
            reply.json(),
            json!({"code": "PGRST116", "details": format!("The result contains {rows} rows"), "hint": null,
                   "message": "Cannot coerce the result to a single JSON object"})
        );
    }
}

#[tokio::test]
async fn read_errors_carry_postgrest_codes_and_statuses() {
    let api = Api::start().await;
    // (path, extra header, status, code, message)
    let cases = [
        ("/nope", None, 404, "PGRST205", "Could not find the table 'public.nope' in the schema cache"),
        ("/items?id=0", None, 400, "PGRST100", "\"failed to parse filter (0)\" (line 1, column 1)"),
        ("/items?id=is.maybe", None, 400, "PGRST100", "\"failed to parse filter (is.maybe)\" (line 1, column 1)"),
        ("/items?select=banana", None, 400, "42703", "column items.banana does not exist"),
        ("/items?select=id::fakecolumntype", None, 400, "42704", "type \"fakecolumntype\" does not exist"),
        ("/items?id=eq.abc", None, 400, "22P02", "invalid input syntax for type integer: \"abc\""),
        ("/items?id=in.(%20,3,4)", None, 400, "22P02", "invalid input syntax for type integer: \"\""),
        (
            "/items?order=id.asc.nullslasttt",
            None,
            400,
            "PGRST100",
            "\"failed to parse order (id.asc.nullslasttt)\" (line 1, column 17)",
        ),
        ("/secrets", None, 401, "42501", "permission denied for table secrets"),
        (
            "/items",
            Some(("Accept", "text/html")),
            406,
            "PGRST107",
            "None of these media types are available: text/html",
        ),
        ("/items", Some(("Accept-Profile", "private")), 406, "PGRST106", "Invalid schema: private"),
        (
            "/items",
            Some(("Prefer", "handling=strict, bogus=1")),
            400,
            "PGRST122",
            "Invalid preferences given with handling=strict",
        ),
    ];
    for (path, header, status, code, message) in cases {
        let mut request = api.request(Method::GET, path);
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        let reply = Reply::from(request.send().await.unwrap()).await;
        assert_eq!(reply.status, status, "{path} {header:?}: {}", reply.body);
        assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"), "{path}");
        let body = reply.json();
        assert_eq!((body["code"].as_str(), body["message"].as_str()), (Some(code), Some(message)), "{path}");
        assert_eq!(body.as_object().unwrap().len(), 4, "{path}: code, details, hint, message");
    }
}

#[tokio::test]
async fn postgrest_rs_read_builders_round_trip() {
    let api = Api::start().await;
    let items = || api.client().from("items");
    let cases = [
        (
            "select/eq/in/is/cs/not/or/order/limit",
            items()
                .select("id,label:name,price::text")
                .eq("name", "New Zealand")
                .in_("id", ["1", "5"])
                .is("body", "null")
                .cs("tags", "{}")
                .not("eq", "name", "x")
                .or("id.eq.5,name.eq.foo")
                .order("id.desc")
                .limit(20),
            json!([{"id": 5, "label": "New Zealand", "price": "10.00"}]),
        ),
        (
            "neq/gt/gte/lt/lte",
            items()
                .select("id")
                .neq("id", "2")
                .gt("price", "0.1")
                .gte("id", "1")
                .lt("price", "5")
                .lte("id", "4")
                .order("id"),
            json!([{"id": 1}, {"id": 4}]),
        ),
        ("like/ilike with %", items().select("id").like("name", "%an%").ilike("name", "B%"), json!([{"id": 2}])),
        ("quoted in_", items().select("id").in_("name", ["\"a,b\""]), json!([{"id": 4}])),
        ("cd/ov", items().select("id").cd("tags", "{fruit,red}").ov("tags", "{red}"), json!([{"id": 1}])),
        (
            "sl/sr/nxl/nxr/adj",
            items()
                .select("id")
                .sl("span", (10, 30))
                .sr("span", (0, 2))
                .nxl("span", (2, 5))
                .nxr("span", (0, 12))
                .adj("span", (9, 11)),
            json!([{"id": 2}]),
        ),
        (
            "fts family",
            items()
                .select("id")
                .fts("body", "fat & rat", Some("english"))
                .plfts("body", "rats", Some("english"))
                .phfts("body", "fat rats", Some("english"))
                .wfts("body", "cheese -cat", None),
            json!([{"id": 2}]),
        ),
        ("and", items().select("id").and("id.gt.1,id.lt.3"), json!([{"id": 2}])),
        (
            "order_with_options twice: first wins",
            items()
                .select("id")
                .order_with_options("price", None::<&str>, false, false)
                .order_with_options("id", None::<&str>, true, true)
                .limit(2),
            json!([{"id": 5}, {"id": 4}]),
        ),
        ("range", items().select("id").order("id").range(1, 2), json!([{"id": 2}, {"id": 3}])),
        ("single", items().select("id").eq("id", "3").single(), json!({"id": 3})),
    ];
    for (case, builder, expected) in cases {
        let (status, body) = text(builder.execute().await.unwrap()).await;
        assert_eq!(status, 200, "{case}: {body}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap(), expected, "{case}");
    }
    let counted = items().select("id").exact_count().execute().await.unwrap();
    assert_eq!(counted.status().as_u16(), 206, "exact_count sets Range 0-0");
    assert_eq!(counted.headers()["content-range"], "0-0/5");
    let schema = api.client().schema("public").from("items").select("id").eq("id", "1").execute().await.unwrap();
    assert_eq!(schema.headers()["content-profile"], "public");
}
