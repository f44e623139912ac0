//! Reading request bodies: a hard byte limit checked before and while reading, and JSON parsing
//! whose errors name the offending field.

use bytes::Bytes;
use http::HeaderMap;
use http_body::Body as HttpBody;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, BoxError};

/// Largest JSON body any route reads. Images never travel in JSON bodies above this; Vercel itself
/// refuses bodies over 4.5 MB.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

/// Reads the whole body, refusing (413) anything over `limit` bytes: by `Content-Length` before a
/// byte is read, and while reading for chunked bodies that lie or say nothing.
pub async fn read_body<B>(headers: &HeaderMap, body: B, limit: usize) -> Result<Bytes, ApiError>
where
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    let declared =
        headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(ApiError::PayloadTooLarge { limit }),
        Err(err) => Err(ApiError::validation("body", format!("could not read the body: {err}"))),
    }
}

/// Reads a JSON body (at most [`JSON_BODY_LIMIT`] bytes) into `T`.
pub async fn read_json<T, B>(headers: &HeaderMap, body: B) -> Result<T, ApiError>
where
    T: DeserializeOwned,
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    json_content_type(headers)?;
    let bytes = read_body(headers, body, JSON_BODY_LIMIT).await?;
    json_object(&bytes)
}

/// A JSON body already read (for routes that also hash the bytes), checked like [`read_json`].
pub fn json_from_bytes<T: DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> Result<T, ApiError> {
    json_content_type(headers)?;
    json_object(bytes)
}

fn json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
    if is_json { Ok(()) } else { Err(ApiError::UnsupportedMediaType("send the body as application/json".into())) }
}

fn json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde reads an array as a struct's fields in order; every route takes a named object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::validation("body", "must be a JSON object"));
    }
    parse_json(bytes)
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        // A syntax error is about the body as a whole, wherever the parser happened to stop.
        let path = if inner.is_data() { path } else { ".".to_owned() };
        let field = match missing_field(&inner.to_string()) {
            Some(name) if path == "." => name,
            Some(name) => format!("{path}.{name}"),
            // A key named "" at the top level has an empty path: the body is what is wrong.
            None if path == "." || path.is_empty() => "body".to_owned(),
            None => path,
        };
        ApiError::validation(field, json_message(&inner))
    })?;
    de.end().map_err(|err| ApiError::validation("body", json_message(&err)))?;
    Ok(value)
}

/// serde reports a missing field only in its message: "missing field `email` at line 1 column 2".
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// The parser's message without its position suffix, which means nothing to an API client.
fn json_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Login {
        email: String,
        options: Options,
    }

    #[derive(Debug, Deserialize)]
    struct Options {
        remember: bool,
    }

    fn json_headers(len: Option<usize>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json; charset=utf-8".parse().unwrap());
        if let Some(len) = len {
            headers.insert("content-length", len.to_string().parse().unwrap());
        }
        headers
    }

    async fn parse(body: &str) -> Result<Login, ApiError> {
        read_json(&json_headers(None), Full::new(Bytes::from(body.to_owned()))).await
    }

    #[tokio::test]
    async fn json_errors_name_the_field() {
        let cases = [
            (r#"{"options":{"remember":true}}"#, "email"),
            (r#"{"email":3,"options":{"remember":true}}"#, "email"),
            (r#"{"email":"a@b.c","options":{"remember":"yes"}}"#, "options.remember"),
            (r#"{"email":"a@b.c","options":{}}"#, "options.remember"),
            (r#"{"email":"a@b.c","options":{"remember":true},"admin":true}"#, "admin"),
            (r#"{"email":"#, "body"),
            (r#"{"email":"a@b.c","options":{"remember":true}} trailing"#, "body"),
            (r#"["a@b.c",{"remember":true}]"#, "body"),
            // Found by the JSON property: the field named was "" before.
            (r#"{"email":"a@b.c","options":{"remember":true},"":1}"#, "body"),
            ("", "body"),
        ];
        for (body, field) in cases {
            let err = parse(body).await.expect_err(body);
            assert_eq!(err.body()["details"]["field"], field, "body {body}: {err}");
        }
    }

    #[tokio::test]
    async fn accepts_a_valid_body() {
        let login = parse(r#"{"email":"a@b.c","options":{"remember":true}}"#).await.unwrap();
        assert_eq!(login.email, "a@b.c");
        assert!(login.options.remember);
    }

    #[tokio::test]
    async fn refuses_bodies_over_the_limit_by_declared_length() {
        let headers = json_headers(Some(10_000));
        let err = read_body(&headers, Full::new(Bytes::from_static(b"{}")), 1_000).await.unwrap_err();
        assert!(matches!(err, ApiError::PayloadTooLarge { limit: 1_000 }));
    }

    #[tokio::test]
    async fn refuses_bodies_over_the_limit_while_reading() {
        let body = Full::new(Bytes::from(vec![b'x'; 2_000]));
        let err = read_body(&json_headers(None), body, 1_000).await.unwrap_err();
        assert_eq!(err.status(), http::StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[tokio::test]
    async fn refuses_bodies_that_are_not_json() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "text/plain".parse().unwrap());
        let err = read_json::<Login, _>(&headers, Full::new(Bytes::new())).await.unwrap_err();
        assert_eq!(err.code(), "UNSUPPORTED_MEDIA_TYPE");
    }
}
