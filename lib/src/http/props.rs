//! Properties of request parsing (the JSON body reader and its limit, the query string, the
//! router), and the strategies the other modules' properties share: arbitrary JSON, and request
//! objects made of a route's own field names with arbitrary values.

use bytes::Bytes;
use http::{HeaderMap, Method};
use http_body_util::{Full, StreamBody};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::body::{JSON_BODY_LIMIT, json_from_bytes, read_body, read_json};
use super::{Query, Request, Router};
use crate::error::ApiError;

/// Any JSON value, nested a few levels, with strings of any Unicode.
pub(crate) fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[0-9a-f-]{36}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A JSON object with some of `fields` (arbitrary values) and now and then a field of no route.
pub(crate) fn request_object(fields: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let known = proptest::collection::vec((proptest::sample::select(fields), json_value()), 0..=fields.len());
    let unknown = proptest::option::weighted(0.1, ("[a-z_]{1,12}", json_value()));
    (known, unknown).prop_map(|(known, unknown)| {
        let mut object: Map<String, Value> = known.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        if let Some((name, value)) = unknown {
            object.insert(name, value);
        }
        Value::Object(object)
    })
}

/// What every refused request must be: a 4xx that is not a server fault, naming a field when it
/// is a validation error.
pub(crate) fn assert_client_error(err: &ApiError, input: &impl std::fmt::Display) {
    assert!(err.status().is_client_error(), "{input}: {err:?} is a {}", err.status());
    if let ApiError::Validation { field, .. } = err {
        assert!(!field.is_empty(), "{input}: a validation error without its field");
    }
}

/// `value` sent as a JSON body and read as `T`.
pub(crate) fn read_as<T: DeserializeOwned>(value: &Value) -> Result<T, ApiError> {
    json_from_bytes(&json_headers(), value.to_string().as_bytes())
}

fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    headers
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "read only to be parsed")]
struct Sample {
    name: String,
    count: Option<u8>,
    nested: Option<Nested>,
}

#[derive(Debug, serde::Deserialize)]
#[expect(dead_code, reason = "read only to be parsed")]
struct Nested {
    flag: bool,
    list: Vec<u32>,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().unwrap()
}

static ROUTER: Router<u8> = Router::new(&[
    (Method::GET, "/api/gallery", 0),
    (Method::GET, "/api/gallery/collections", 1),
    (Method::GET, "/api/gallery/:id", 2),
    (Method::PATCH, "/api/gallery/:id", 3),
    (Method::GET, "/api/gallery/:id/download", 4),
]);

proptest! {
    #[test]
    fn any_bytes_as_a_json_body_parse_or_name_a_field(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(err) = json_from_bytes::<Sample>(&json_headers(), &bytes) {
            assert_client_error(&err, &String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn any_json_object_parses_or_names_a_field(value in request_object(&["name", "count", "nested"])) {
        if let Err(err) = read_as::<Sample>(&value) {
            assert_client_error(&err, &value);
        }
    }

    #[test]
    fn any_json_value_at_all_parses_or_names_a_field(value in json_value()) {
        if let Err(err) = read_as::<Sample>(&value) {
            assert_client_error(&err, &value);
        }
    }

    #[test]
    fn bodies_over_the_limit_are_413_however_they_are_sent(
        extra in 1usize..4096,
        chunk in 1usize..16_384,
        declared in prop_oneof![Just(None), Just(Some(true)), Just(Some(false))],
    ) {
        let size = JSON_BODY_LIMIT + extra;
        let mut headers = json_headers();
        // Declared truthfully, declared as a lie under the limit, or not declared (chunked).
        if let Some(truthful) = declared {
            let length = if truthful { size } else { 2 };
            headers.insert(http::header::CONTENT_LENGTH, length.to_string().parse().unwrap());
        }
        let chunks: Vec<Result<http_body::Frame<Bytes>, std::convert::Infallible>> = vec![b'x'; size]
            .chunks(chunk)
            .map(|c| Ok(http_body::Frame::data(Bytes::copy_from_slice(c))))
            .collect();
        let body = StreamBody::new(futures_util::stream::iter(chunks));

        let err = runtime().block_on(read_json::<Sample, _>(&headers, body)).unwrap_err();

        prop_assert!(matches!(err, ApiError::PayloadTooLarge { limit: JSON_BODY_LIMIT }), "{err:?}");
    }

    #[test]
    fn bodies_within_the_limit_are_read_whole(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let read = runtime().block_on(read_body(&json_headers(), Full::new(Bytes::from(bytes.clone())), 2048));
        prop_assert_eq!(read.unwrap().to_vec(), bytes);
    }

    #[test]
    fn query_strings_round_trip_and_never_panic(
        pairs in proptest::collection::vec((any::<String>(), any::<String>()), 0..6),
        junk in any::<String>(),
    ) {
        let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
        let query = Query::parse(&encoded);
        for (name, _) in &pairs {
            let first = pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            prop_assert_eq!(query.get(name), first);
        }
        let _ = Query::parse(&junk).get("q");
    }

    #[test]
    fn a_path_parameter_round_trips_through_percent_encoding(param in ".+") {
        let path = format!("/api/gallery/{}/download", utf8_percent_encode(&param, NON_ALPHANUMERIC));

        let (endpoint, params) = ROUTER.resolve(&Method::GET, &path).unwrap();

        prop_assert_eq!((endpoint, params), (4, vec![param]));
    }

    #[test]
    fn any_path_resolves_or_is_404_or_405(path in any::<String>(), method in proptest::sample::select(vec![Method::GET, Method::POST, Method::DELETE])) {
        match ROUTER.resolve(&method, &path) {
            Ok((_, params)) => prop_assert!(params.len() <= 1),
            Err(err) => prop_assert!(matches!(err, ApiError::NotFound(_) | ApiError::MethodNotAllowed { .. }), "{err:?}"),
        }
    }

    #[test]
    fn a_rewritten_path_is_rebuilt_under_the_prefix(rest in "[a-zA-Z0-9/%._-]{0,40}", q in any::<String>()) {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(super::REWRITE_PARAM, &rest)
            .append_pair("q", &q)
            .finish();
        let uri = format!("/api/gallery?{query}");

        let req = Request::new(http::Request::get(uri.as_str()).body(()).unwrap(), "/api/gallery");

        prop_assert!(req.path.starts_with("/api/gallery"), "{}", req.path);
        prop_assert_eq!(req.query.get(super::REWRITE_PARAM), None);
        prop_assert_eq!(req.query.get("q"), Some(q.as_str()));
    }
}
