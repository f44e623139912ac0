//! docs/openapi.yaml against the code: every route the functions answer is described and nothing
//! else is; the document has the shape of OpenAPI 3.1 (responses everywhere, unique operation ids,
//! every `$ref` resolving); and the dev server serves it, as YAML, as JSON and as a reference page
//! that names every operation and escapes every text.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use studio_local::apidocs;
use studio_local::testing::TestStack;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn spec_text() -> String {
    let path = studio_local::pg::repo_root().join("docs").join("openapi.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn spec() -> Value {
    apidocs::parse(&spec_text()).expect("docs/openapi.yaml parses")
}

/// Each operation of the description: method, path, the operation itself.
fn operations(spec: &Value) -> Vec<(&'static str, String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths is an object") {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((method, path.clone(), operation));
            }
        }
    }
    found
}

/// `/api/gallery/:id/share` as OpenAPI writes it: `/api/gallery/{id}/share`.
fn templated(pattern: &str) -> String {
    let segments: Vec<String> = pattern
        .split('/')
        .map(|s| match s.strip_prefix(':') {
            Some(name) => format!("{{{name}}}"),
            None => s.to_owned(),
        })
        .collect();
    segments.join("/")
}

#[test]
fn every_route_the_functions_answer_is_described_and_every_described_route_is_answered() {
    let answered: BTreeSet<String> = studio::routes::all()
        .into_iter()
        .map(|(method, pattern)| format!("{} {}", method.as_str(), templated(pattern)))
        .collect();
    let spec = spec();
    let described: BTreeSet<String> =
        operations(&spec).into_iter().map(|(method, path, _)| format!("{} {path}", method.to_uppercase())).collect();
    let undescribed: Vec<&String> = answered.difference(&described).collect();
    let unanswered: Vec<&String> = described.difference(&answered).collect();
    assert!(
        undescribed.is_empty() && unanswered.is_empty(),
        "docs/openapi.yaml and the routers disagree.\n\
         Answered by a function but missing from docs/openapi.yaml ({}):\n  {}\n\
         In docs/openapi.yaml but answered by no function ({}):\n  {}",
        undescribed.len(),
        undescribed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
        unanswered.len(),
        unanswered.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
    );
}

#[test]
fn the_description_has_the_shape_of_openapi_3_1() {
    let spec = spec();
    let mut problems = Vec::new();
    if !spec["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")) {
        problems.push(format!("openapi is {}, not 3.1.x", spec["openapi"]));
    }
    for field in ["title", "version"] {
        if !spec["info"][field].is_string() {
            problems.push(format!("info.{field} is missing"));
        }
    }
    let tags: BTreeSet<&str> =
        spec["tags"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    let schemes = spec["components"]["securitySchemes"].as_object().cloned().unwrap_or_default();
    let mut ids = BTreeSet::new();
    for (method, path, operation) in operations(&spec) {
        let at = format!("{} {path}", method.to_uppercase());
        match operation["operationId"].as_str() {
            Some(id) if !ids.insert(id.to_owned()) => problems.push(format!("{at}: operationId {id} is used twice")),
            Some(_) => {}
            None => problems.push(format!("{at}: no operationId")),
        }
        match operation["responses"].as_object() {
            Some(responses) if !responses.is_empty() => {
                for status in responses.keys() {
                    let valid = status == "default"
                        || (status.len() == 3
                            && (b'1'..=b'5').contains(&status.as_bytes()[0])
                            && status[1..].bytes().all(|b| b.is_ascii_digit() || b == b'X'));
                    if !valid {
                        problems.push(format!("{at}: response key {status} is not a status code"));
                    }
                }
            }
            _ => problems.push(format!("{at}: no responses")),
        }
        for tag in operation["tags"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !tags.contains(tag) {
                problems.push(format!("{at}: tag {tag} is not declared in tags"));
            }
        }
        for requirement in operation["security"].as_array().into_iter().flatten() {
            for scheme in requirement.as_object().into_iter().flatten().map(|(name, _)| name) {
                if !schemes.contains_key(scheme) {
                    problems.push(format!("{at}: security scheme {scheme} is not declared"));
                }
            }
        }
        let declared: BTreeSet<String> = spec["paths"][&path]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(operation["parameters"].as_array().into_iter().flatten())
            .map(|p| resolve(&spec, p))
            .filter(|p| p["in"] == "path" && p["required"] == true)
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect();
        for segment in path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')) {
            if !declared.contains(segment) {
                problems.push(format!("{at}: path parameter {segment} is not declared as a required path parameter"));
            }
        }
    }
    let mut refs = Vec::new();
    collect_refs(&spec, "#", &mut refs);
    for (at, reference) in refs {
        let resolves = reference.strip_prefix('#').is_some_and(|pointer| spec.pointer(pointer).is_some());
        if !resolves {
            problems.push(format!("{at}: $ref {reference} does not resolve"));
        }
    }
    assert!(problems.is_empty(), "docs/openapi.yaml is not a sound OpenAPI 3.1 document:\n  {}", problems.join("\n  "));
}

#[test]
fn every_json_request_and_response_shows_an_example() {
    let spec = spec();
    let mut missing = Vec::new();
    let mut check = |at: String, content: &Value| {
        for (media_type, media) in content.as_object().into_iter().flatten() {
            let shown = media.get("example").is_some() || media["examples"].as_object().is_some_and(|e| !e.is_empty());
            if media_type.contains("json") && !shown {
                missing.push(format!("{at} {media_type}"));
            }
        }
    };
    for (method, path, operation) in operations(&spec) {
        let at = format!("{} {path}", method.to_uppercase());
        check(format!("{at} request"), &resolve(&spec, &operation["requestBody"])["content"]);
        for (status, response) in operation["responses"].as_object().into_iter().flatten() {
            check(format!("{at} {status}"), &resolve(&spec, response)["content"]);
        }
    }
    assert!(missing.is_empty(), "no example for:\n  {}", missing.join("\n  "));
}

fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')).and_then(|p| spec.pointer(p)) {
        Some(target) => target,
        None => value,
    }
}

/// Every `$ref` in `value`, with where it stands. Examples are data, not schema: skipped.
fn collect_refs(value: &Value, at: &str, refs: &mut Vec<(String, String)>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => refs.push((at.to_owned(), reference.clone())),
                    ("example" | "examples", _) if !at.ends_with("/components") => {}
                    _ => collect_refs(child, &format!("{at}/{key}"), refs),
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_refs(child, &format!("{at}/{i}"), refs);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn the_dev_server_serves_the_description_and_a_reference_page_of_every_operation() {
    let stack = TestStack::start().await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", stack.url)).send();
    let content_type = |r: &reqwest::Response| r.headers()["content-type"].to_str().unwrap().to_owned();

    let yaml = get("/openapi.yaml").await.unwrap();
    assert_eq!((yaml.status().as_u16(), content_type(&yaml)), (200, "application/yaml".to_owned()));
    assert_eq!(yaml.text().await.unwrap(), spec_text());

    let as_json = get("/openapi.json").await.unwrap();
    assert_eq!((as_json.status().as_u16(), content_type(&as_json)), (200, "application/json".to_owned()));
    assert_eq!(as_json.json::<Value>().await.unwrap(), spec());

    let page = get("/docs/api").await.unwrap();
    assert_eq!((page.status().as_u16(), content_type(&page)), (200, "text/html; charset=utf-8".to_owned()));
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.starts_with("default-src 'none'") && !csp.contains("script-src"), "{csp}");
    let html = page.text().await.unwrap();
    let spec = spec();
    for (method, path, operation) in operations(&spec) {
        let id = operation["operationId"].as_str().unwrap();
        assert!(html.contains(&format!("<article id=\"op-{id}\">")), "{} {path} ({id}) is not on the page", method);
    }
    assert!(!html.to_lowercase().contains("<script"), "the page carries a script");
    for link in html.split(" href=\"").skip(1).chain(html.split(" src=\"").skip(1)) {
        assert!(
            link.starts_with('/') || link.starts_with('#'),
            "the page reaches outside: {}",
            &link[..40.min(link.len())]
        );
    }

    let css = get("/docs/api.css").await.unwrap();
    assert_eq!((css.status().as_u16(), content_type(&css)), (200, "text/css; charset=utf-8".to_owned()));
}

#[test]
fn the_reference_page_escapes_every_text_of_the_description() {
    let hostile = r#""><script>alert('x')</script><img src=x onerror=alert(1)>"#;
    let mut spec = spec();
    let (_, path, _) = operations(&spec).into_iter().find(|(m, p, _)| *m == "post" && p == "/api/auth/login").unwrap();
    let login = &mut spec["paths"][&path]["post"];
    login["summary"] = json!(hostile);
    login["description"] = json!(format!("Read `{hostile}` and **{hostile}**"));
    login["operationId"] = json!(hostile);
    login["parameters"] = json!([{ "name": hostile, "in": "query", "description": hostile, "schema": { "type": "string", "pattern": hostile } }]);
    login["requestBody"]["content"]["application/json"]["example"] = json!({ hostile: hostile });
    spec["components"]["schemas"]["LoginRequest"]["properties"][hostile] =
        json!({ "type": "string", "description": hostile, "enum": [hostile] });
    spec["tags"][0]["description"] = json!(hostile);
    spec["info"]["title"] = json!(hostile);

    let html = apidocs::render(&spec);
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script") && !lower.contains("<img"), "unescaped markup reached the page");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "the text itself is shown, escaped");
}
