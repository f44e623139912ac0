//! The API description on the dev server: `GET /openapi.yaml` (docs/openapi.yaml as written),
//! `GET /openapi.json` (the same document as JSON, for tools) and `GET /docs/api`, a reference page
//! rendered here from the description: self-contained (no script, no CDN; its one stylesheet is
//! served beside it) and under a CSP that allows nothing else.

mod credentials;
mod page;
mod schema;
mod text;

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value};

pub use page::render;

/// docs/openapi.yaml, built in: the binary serves the description of the routes it was built with.
pub const SPEC_YAML: &str = include_str!("../../docs/openapi.yaml");

const STYLESHEET: &str = include_str!("apidocs/api.css");

/// The page may load its own stylesheet and nothing else: no script, no frame, no form target.
const PAGE_CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("docs/openapi.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("docs/openapi.yaml has a mapping key that is not a string, number or boolean: {0:?}")]
    Key(serde_norway::Value),
}

/// A YAML document as JSON. Mapping keys that YAML reads as numbers or booleans (an unquoted
/// `200:` under `responses`) become their text, as OpenAPI means them.
pub fn parse(yaml: &str) -> Result<Value, SpecError> {
    to_json(serde_norway::from_str(yaml)?)
}

/// The built-in description, parsed once.
pub fn spec() -> Result<&'static Value, &'static str> {
    static SPEC: OnceLock<Result<Value, String>> = OnceLock::new();
    SPEC.get_or_init(|| parse(SPEC_YAML).map_err(|e| e.to_string())).as_ref().map_err(String::as_str)
}

fn to_json(yaml: serde_norway::Value) -> Result<Value, SpecError> {
    use serde_norway::Value as Y;
    Ok(match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Y::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                let key = match key {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(SpecError::Key(other)),
                };
                object.insert(key, to_json(value)?);
            }
            Value::Object(object)
        }
        Y::Tagged(tagged) => to_json(tagged.value)?,
    })
}

/// The routes of the description and its page, merged into the dev server's router.
pub fn router() -> Router {
    Router::new()
        .route("/openapi.yaml", get(yaml))
        .route("/openapi.json", get(json))
        .route("/docs/api", get(reference_page))
        .route("/docs/api.css", get(stylesheet))
}

async fn yaml() -> Response {
    text("application/yaml", SPEC_YAML.to_owned())
}

async fn json() -> Response {
    match spec() {
        Ok(spec) => text("application/json", spec.to_string()),
        Err(err) => broken(err),
    }
}

async fn reference_page() -> Response {
    let Ok(spec) = spec() else { return broken(spec().err().unwrap_or_default()) };
    let mut response = text("text/html; charset=utf-8", render(spec));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn stylesheet() -> Response {
    text("text/css; charset=utf-8", STYLESHEET.to_owned())
}

fn text(content_type: &'static str, body: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// A description that does not parse is a bug in this repository: said plainly, not hidden.
fn broken(err: &str) -> Response {
    let mut response = text("text/plain; charset=utf-8", err.to_owned());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_yaml_reads_as_numbers_become_their_text() {
        let value = parse("responses:\n  200: {description: ok}\n  '404': {description: gone}\n  true: 1\n").unwrap();
        assert_eq!(
            value,
            json!({ "responses": { "200": { "description": "ok" }, "404": { "description": "gone" }, "true": 1 } })
        );
    }

    #[test]
    fn refuses_what_is_not_yaml() {
        assert!(parse("a: [1, 2").is_err());
        assert!(matches!(parse("? [1, 2]\n: x\n"), Err(SpecError::Key(_))));
    }

    #[test]
    fn the_built_in_description_parses() {
        assert_eq!(spec().unwrap()["openapi"], "3.1.0");
    }
}
