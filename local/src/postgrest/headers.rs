//! Request headers PostgREST reads: `Accept`, `Range` and the profile headers (`Prefer`: [`super::prefer`]).

use axum::http::{HeaderMap, Method};

use super::error::ApiError;

/// Whether the client wants the usual JSON array, a single object (`vnd.pgrst.object`) or CSV;
/// `;nulls=stripped` on the `vnd.pgrst` types drops null-valued keys (`json_strip_nulls`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Array,
    Object,
    Csv,
    StrippedArray,
    StrippedObject,
}

impl Shape {
    /// `vnd.pgrst.object`: exactly one row or 406.
    pub fn is_object(self) -> bool {
        matches!(self, Self::Object | Self::StrippedObject)
    }

    /// The response `Content-Type` (PostgREST `MediaType.toContentType`).
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Array => "application/json; charset=utf-8",
            Self::Object => "application/vnd.pgrst.object+json; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
            Self::StrippedArray => "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8",
            Self::StrippedObject => "application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8",
        }
    }
}

/// `Accept`: the first media type PostgREST could produce wins; none → 406 PGRST107.
pub fn accept(headers: &HeaderMap) -> Result<Shape, ApiError> {
    let values: Vec<&str> = all(headers, "accept").flat_map(|v| v.split(',')).collect();
    if values.is_empty() {
        return Ok(Shape::Array);
    }
    let mut requested = Vec::new();
    for value in &values {
        let mut parts = value.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let stripped = parts.any(|p| p.replace(' ', "") == "nulls=stripped");
        match media.as_str() {
            "application/json" | "application/*" | "*/*" | "" => return Ok(Shape::Array),
            "application/vnd.pgrst.array+json" | "application/vnd.pgrst.array" => {
                return Ok(if stripped { Shape::StrippedArray } else { Shape::Array });
            }
            "application/vnd.pgrst.object+json" | "application/vnd.pgrst.object" => {
                return Ok(if stripped { Shape::StrippedObject } else { Shape::Object });
            }
            "text/csv" => return Ok(Shape::Csv),
            _ => requested.push(media),
        }
    }
    Err(ApiError::MediaType(requested.join(", ")))
}

/// `Range: a-b` / `a-` (GET only); `None` when absent or not of that form, as PostgREST ignores it.
pub fn range(headers: &HeaderMap, method: &Method) -> Result<Option<(i64, Option<i64>)>, ApiError> {
    // RFC 9110: only GET honours Range, so PostgREST ignores it even on HEAD.
    if method != Method::GET {
        return Ok(None);
    }
    let Some((lower, upper)) = all(headers, "range").next().and_then(|v| v.split_once('-')) else {
        return Ok(None);
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if lower.is_empty() || !digits(lower) || !digits(upper) {
        return Ok(None);
    }
    let (Ok(lower), upper) = (lower.parse::<i64>(), upper.parse::<i64>().ok()) else {
        return Ok(None);
    };
    if upper.is_some_and(|upper| lower > upper) {
        return Err(ApiError::Range {
            details: "The lower boundary must be lower than or equal to the upper boundary in the Range header."
                .to_owned(),
            total: None,
        });
    }
    Ok(Some((lower, upper)))
}

/// `Accept-Profile` (GET/HEAD) or `Content-Profile` (other verbs) must name the exposed schema;
/// returns whether one was sent, since the response then carries `Content-Profile`.
pub fn check_profile(headers: &HeaderMap, method: &Method, schema: &str) -> Result<bool, ApiError> {
    let name = if matches!(*method, Method::GET | Method::HEAD) { "accept-profile" } else { "content-profile" };
    match all(headers, name).next() {
        None => Ok(false),
        Some(profile) if profile == schema => Ok(true),
        Some(profile) => Err(ApiError::Schema { schema: profile.to_owned(), exposed: schema.to_owned() }),
    }
}

fn all<'a>(headers: &'a HeaderMap, name: &str) -> impl Iterator<Item = &'a str> {
    headers.get_all(name).into_iter().filter_map(|v| v.to_str().ok())
}
