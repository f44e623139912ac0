//! Request headers PostgREST reads: `Accept`, `Prefer`, `Range` and the profile headers.

use axum::http::{HeaderMap, Method};

use super::error::ApiError;

/// Whether the client wants the usual JSON array or a single object (`vnd.pgrst.object`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Array,
    Object,
}

/// `Accept`: the first media type PostgREST could produce wins; none → 406 PGRST107.
pub fn accept(headers: &HeaderMap) -> Result<Shape, ApiError> {
    let values: Vec<&str> = all(headers, "accept").flat_map(|v| v.split(',')).collect();
    if values.is_empty() {
        return Ok(Shape::Array);
    }
    let mut requested = Vec::new();
    for value in &values {
        let media = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match media.as_str() {
            "application/json" | "application/*" | "*/*" | "" | "application/vnd.pgrst.array+json" => {
                return Ok(Shape::Array);
            }
            "application/vnd.pgrst.object+json" | "application/vnd.pgrst.object" => return Ok(Shape::Object),
            _ => requested.push(media),
        }
    }
    Err(ApiError::MediaType(requested.join(", ")))
}

/// `Prefer: return=…`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Return {
    Minimal,
    HeadersOnly,
    Representation,
}

/// The preferences this stand-in honours; the first value of each kind wins.
#[derive(Debug, Default)]
pub struct Prefer {
    pub ret: Option<Return>,
    /// `exact`, `planned` or `estimated`: all three are answered with an exact count.
    pub count: Option<&'static str>,
    /// `merge-duplicates` (true) or `ignore-duplicates` (false).
    pub merge: Option<bool>,
}

impl Prefer {
    pub fn parse(headers: &HeaderMap) -> Result<Self, ApiError> {
        let mut prefer = Self::default();
        let (mut strict, mut invalid) = (false, Vec::new());
        for item in all(headers, "prefer").flat_map(|v| v.split(',')).map(str::trim) {
            match item {
                "return=minimal" => _ = prefer.ret.get_or_insert(Return::Minimal),
                "return=headers-only" => _ = prefer.ret.get_or_insert(Return::HeadersOnly),
                "return=representation" => _ = prefer.ret.get_or_insert(Return::Representation),
                "count=exact" => _ = prefer.count.get_or_insert("exact"),
                "count=planned" => _ = prefer.count.get_or_insert("planned"),
                "count=estimated" => _ = prefer.count.get_or_insert("estimated"),
                "resolution=merge-duplicates" => _ = prefer.merge.get_or_insert(true),
                "resolution=ignore-duplicates" => _ = prefer.merge.get_or_insert(false),
                "handling=strict" => strict = true,
                "handling=lenient" | "missing=null" | "" => {}
                "missing=default" => return Err(ApiError::unsupported("`Prefer: missing=default`")),
                _ if item.starts_with("tx=") => return Err(ApiError::unsupported("`Prefer: tx=…`")),
                _ => invalid.push(item),
            }
        }
        if strict && !invalid.is_empty() {
            return Err(ApiError::Strict(invalid.join(", ")));
        }
        Ok(prefer)
    }

    /// `Preference-Applied`, in PostgREST's order: resolution, return (writes only), count.
    pub fn applied(&self, resolution: bool, write: bool) -> Option<String> {
        let mut applied = Vec::new();
        match self.merge {
            Some(true) if resolution => applied.push("resolution=merge-duplicates"),
            Some(false) if resolution => applied.push("resolution=ignore-duplicates"),
            _ => {}
        }
        match self.ret {
            Some(Return::Minimal) if write => applied.push("return=minimal"),
            Some(Return::HeadersOnly) if write => applied.push("return=headers-only"),
            Some(Return::Representation) if write => applied.push("return=representation"),
            _ => {}
        }
        let count = self.count.map(|c| format!("count={c}"));
        let mut applied: Vec<String> = applied.into_iter().map(str::to_owned).collect();
        applied.extend(count);
        (!applied.is_empty()).then(|| applied.join(", "))
    }
}

/// `Range: a-b` / `a-` (GET only); `None` when absent or not of that form, as PostgREST ignores it.
pub fn range(headers: &HeaderMap, method: &Method) -> Result<Option<(i64, Option<i64>)>, ApiError> {
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
