//! `/api/templates` over HTTP: listing, filtering, search, categories, one template, caching, and
//! what the function does when its input or the database is bad.

use serde_json::Value;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use crate::helpers::{get, send};

fn slugs(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn lists_active_templates_featured_first_then_by_order_and_name() {
    let stack = TestStack::start().await;

    let answer = get(&format!("{}/api/templates", stack.url)).await;

    assert_eq!(answer.status, 200);
    let list = answer.data().as_array().unwrap();
    assert!(list.len() >= 20, "only {} templates", list.len());
    let keys: Vec<(bool, i64, String)> = list
        .iter()
        .map(|t| {
            (
                !t["is_featured"].as_bool().unwrap(),
                t["sort_order"].as_i64().unwrap(),
                t["name_en"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "not featured-first, then sort order, then name");
    for field in ["id", "name_id", "description_en", "prompt_prefix", "category", "usage_count"] {
        assert!(!list[0][field].is_null(), "template without {field}: {}", list[0]);
    }
}

#[tokio::test]
async fn public_caching_headers_let_the_cdn_keep_templates() {
    let stack = TestStack::start().await;
    let answer = get(&format!("{}/api/templates", stack.url)).await;
    let cache = answer.header("cache-control");
    assert!(
        cache.contains("public") && cache.contains("s-maxage=") && cache.contains("stale-while-revalidate="),
        "{cache}"
    );
    assert_eq!(answer.header("content-type"), "application/json; charset=utf-8");
}

#[tokio::test]
async fn filters_by_category() {
    let stack = TestStack::start().await;

    let anime = get(&format!("{}/api/templates?category=anime", stack.url)).await;
    let unknown = get(&format!("{}/api/templates?category=no-such-category", stack.url)).await;

    let list = anime.data().as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|t| t["category"] == "anime"), "{list:?}");
    assert_eq!(unknown.data(), &Value::Array(vec![]));
}

#[tokio::test]
async fn searches_names_and_descriptions_in_both_languages() {
    let stack = TestStack::start().await;
    let cases = [("wayang", "wayang-kulit"), ("Kulit", "wayang-kulit"), ("batik", "batik-pattern"), ("zzqxv", "")];
    for (term, expected) in cases {
        let url = reqwest::Url::parse_with_params(&format!("{}/api/templates", stack.url), [("q", term)]).unwrap();
        let answer = get(url.as_str()).await;
        let found = slugs(answer.data()).into_iter().map(str::to_owned).collect::<Vec<_>>();
        if expected.is_empty() {
            assert!(found.is_empty(), "{term}: {found:?}");
        } else {
            assert!(found.contains(&expected.to_owned()), "{term}: {found:?}");
        }
    }
}

#[tokio::test]
async fn search_wildcards_and_reserved_characters_are_literal() {
    let stack = TestStack::start().await;
    for term in ["%", "_", "*", "a,b", "(x)", "\"", "\\", "x.y:z"] {
        let url = reqwest::Url::parse_with_params(&format!("{}/api/templates", stack.url), [("q", term)]).unwrap();
        let answer = get(url.as_str()).await;
        assert_eq!(answer.status, 200, "{term}: {}", answer.body);
        assert!(answer.data().as_array().unwrap().len() < 5, "{term} matched like a wildcard");
    }
}

#[tokio::test]
async fn bad_query_parameters_are_named() {
    let stack = TestStack::start().await;
    let long = "a".repeat(101);
    let cases = [("category", "Not A Slug"), ("q", long.as_str()), ("q", "tab\there")];
    for (field, value) in cases {
        let url = reqwest::Url::parse_with_params(&format!("{}/api/templates", stack.url), [(field, value)]).unwrap();
        let answer = get(url.as_str()).await;
        assert_eq!(answer.status, 400, "{field}={value}");
        assert_eq!(answer.error_code(), "VALIDATION_ERROR");
        assert_eq!(answer.body["error"]["details"]["field"], field, "{field}={value}");
    }
}

#[tokio::test]
async fn categories_come_with_their_template_counts() {
    let stack = TestStack::start().await;

    let categories = get(&format!("{}/api/templates/categories", stack.url)).await;
    let templates = get(&format!("{}/api/templates", stack.url)).await;

    let categories = categories.data().as_array().unwrap().clone();
    assert!(categories.len() >= 5);
    for category in &categories {
        let slug = category["slug"].as_str().unwrap();
        let expected = templates.data().as_array().unwrap().iter().filter(|t| t["category"] == slug).count();
        assert_eq!(category["template_count"].as_u64().unwrap() as usize, expected, "{slug}");
        assert!(category["name_id"].as_str().is_some_and(|n| !n.is_empty()));
    }
}

#[tokio::test]
async fn one_template_by_slug_or_id_including_the_rewritten_path() {
    let stack = TestStack::start().await;

    let by_slug = get(&format!("{}/api/templates/batik-pattern", stack.url)).await;
    let id = by_slug.data()["id"].as_str().unwrap().to_owned();
    let by_id = get(&format!("{}/api/templates/{id}", stack.url)).await;
    let rewritten = get(&format!("{}/api/templates?_path=batik-pattern", stack.url)).await;

    assert_eq!(by_slug.data()["slug"], "batik-pattern");
    assert_eq!(by_id.data(), by_slug.data());
    assert_eq!(rewritten.data(), by_slug.data());
}

#[tokio::test]
async fn absent_and_malformed_templates() {
    let stack = TestStack::start().await;

    let absent = get(&format!("{}/api/templates/no-such-template", stack.url)).await;
    let absent_id = get(&format!("{}/api/templates/00000000-0000-4000-8000-000000000000", stack.url)).await;
    let malformed = get(&format!("{}/api/templates/Not%20A%20Slug", stack.url)).await;

    assert_eq!((absent.status, absent.error_code()), (404, "NOT_FOUND"));
    assert_eq!((absent_id.status, absent_id.error_code()), (404, "NOT_FOUND"));
    assert_eq!((malformed.status, malformed.error_code()), (400, "VALIDATION_ERROR"));
    assert_eq!(malformed.body["error"]["details"]["field"], "id");
}

#[tokio::test]
async fn deactivated_templates_disappear() {
    let stack = TestStack::start().await;
    let client = stack.db.client().await;
    client.execute("update style_templates set is_active = false where slug = 'pixel-art'", &[]).await.unwrap();

    let one = get(&format!("{}/api/templates/pixel-art", stack.url)).await;
    let list = get(&format!("{}/api/templates?q=pixel", stack.url)).await;

    assert_eq!(one.status, 404);
    assert!(!slugs(list.data()).contains(&"pixel-art"));
}

#[tokio::test]
async fn other_methods_are_refused_with_the_allowed_ones() {
    let stack = TestStack::start().await;
    let answer = send(reqwest::Client::new().post(format!("{}/api/templates", stack.url)).body("{}")).await;
    assert_eq!((answer.status, answer.error_code()), (405, "METHOD_NOT_ALLOWED"));
    assert_eq!(answer.header("allow"), "GET");
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_503() {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let keys = studio_local::stack::Keys::new(studio_local::stack::LOCAL_JWT_SECRET);
    let env = studio_local::stack::function_env(&format!("http://127.0.0.1:{closed_port}"), &keys);
    let app = studio::App::new(studio_local::stack::app_config(&env).unwrap());

    let request = http::Request::get("/api/templates").body(String::new()).unwrap();
    let response = studio::handle(studio::Function::Templates, &app, request).await;

    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "UPSTREAM_UNAVAILABLE");
    assert!(!body.to_string().contains("127.0.0.1"), "internal detail leaked: {body}");
}

#[tokio::test]
async fn database_faults_become_clear_envelopes() {
    let stack = TestStack::start_with_env(&[("DATABASE_TIMEOUT_MS", "300")]).await;
    let html_502 = Fault::Respond { status: 502, headers: vec![], body: "<html>Bad gateway</html>".into() };
    let cases = [
        (html_502, 503, "UPSTREAM_UNAVAILABLE"),
        (Fault::Delay { millis: 1_500 }, 504, "UPSTREAM_TIMEOUT"),
        (Fault::Drop, 503, "UPSTREAM_UNAVAILABLE"),
        (Fault::json(500, serde_json::json!({"code": "XX000", "message": "boom"})), 500, "INTERNAL"),
    ];
    for (fault, status, code) in cases {
        let name = format!("{fault:?}");
        stack.faults.inject(Service::Postgrest, fault, 1);

        let answer = get(&format!("{}/api/templates", stack.url)).await;

        assert_eq!((answer.status, answer.error_code()), (status, code), "{name}");
        assert!(!answer.body.to_string().contains("boom"), "internal detail leaked: {}", answer.body);
        assert_eq!(stack.faults.pending(Service::Postgrest), 0);
    }
    let recovered = get(&format!("{}/api/templates", stack.url)).await;
    assert_eq!(recovered.status, 200);
}

#[tokio::test]
async fn faults_can_be_queued_over_http() {
    let stack = TestStack::start().await;
    let control = format!("{}/__control/faults", stack.url);
    let fault = serde_json::json!({"service": "postgrest", "fault": {"kind": "respond", "status": 503}, "times": 2});

    let queued = reqwest::Client::new().post(&control).json(&fault).send().await.unwrap();
    let first = get(&format!("{}/api/templates", stack.url)).await;
    let second = get(&format!("{}/api/templates", stack.url)).await;
    let third = get(&format!("{}/api/templates", stack.url)).await;

    assert_eq!(queued.status(), 204);
    assert_eq!((first.status, second.status, third.status), (503, 503, 200));
}
