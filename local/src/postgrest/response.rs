//! A statement's outcome → status, `Content-Range`, body and headers, exactly as PostgREST answers.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::error::ApiError;
use super::headers::Shape;
use super::prefer::{Echo, Prefer, Return};

/// How the answer of a statement is read.
#[derive(Debug)]
pub enum Kind {
    /// GET on a table, or a function returning rows or a value; `offset` is the range's lower end.
    Read {
        offset: i64,
    },
    /// A function returning `void`: 204, no body.
    Void,
    /// POST on a table; `upsert` when `merge-duplicates` applied (then 200 if nothing was inserted).
    Insert {
        upsert: bool,
        location: Option<(String, Vec<String>)>,
    },
    Update,
    Delete,
}

/// The single row every statement returns.
#[derive(Debug)]
pub struct Outcome {
    pub total: Option<i64>,
    pub rows: i64,
    pub body: Option<String>,
    pub inserted: i64,
}

impl Outcome {
    pub fn from_row(row: &tokio_postgres::Row) -> Self {
        Self { total: row.get(0), rows: row.get(1), body: row.get(2), inserted: row.get(3) }
    }
}

/// What the response needs besides the outcome.
pub struct Context<'a> {
    pub kind: Kind,
    pub shape: Shape,
    pub prefer: &'a Prefer,
    /// Which preferences `Preference-Applied` echoes.
    pub echo: Echo,
    /// Whether `Prefer: timezone=…` named a zone PostgreSQL knows (then it applied).
    pub zone_known: bool,
    /// HEAD: the headers of a GET, without the body.
    pub head: bool,
    pub profile: Option<&'a str>,
}

/// The success response, or the error that must roll the transaction back (PGRST116, 416).
pub fn render(context: &Context<'_>, outcome: Outcome) -> Result<Response, ApiError> {
    if context.shape.is_object() && !matches!(context.kind, Kind::Void) && outcome.rows != 1 {
        return Err(ApiError::Singular { rows: outcome.rows });
    }
    let counted = context.prefer.count.is_some_and(|c| c.counts_rows());
    let written = returns_body(context).then(|| outcome.body.clone()).flatten();
    let (status, range, body) = match &context.kind {
        Kind::Read { offset } => read_status(*offset, &outcome)?,
        Kind::Void => (StatusCode::NO_CONTENT, None, None),
        Kind::Insert { upsert, .. } => {
            let status = if *upsert && outcome.inserted == 0 { StatusCode::OK } else { StatusCode::CREATED };
            (status, Some(write_range(None, outcome.rows, counted)), written)
        }
        Kind::Update => {
            let status = if written.is_some() { StatusCode::OK } else { StatusCode::NO_CONTENT };
            (status, Some(write_range(Some(0), outcome.rows, counted)), written)
        }
        Kind::Delete => {
            let status = if written.is_some() { StatusCode::OK } else { StatusCode::NO_CONTENT };
            (status, Some(write_range(None, outcome.rows, counted)), written)
        }
    };
    let sent = body.clone().filter(|_| !context.head);
    let mut response = Response::new(sent.map_or_else(Body::empty, Body::from));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if body.is_some() {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(context.shape.content_type()));
    }
    let location = match &context.kind {
        Kind::Insert { location: Some((table, pk)), .. } if context.prefer.ret == Some(Return::HeadersOnly) => {
            outcome.body.as_deref().and_then(|b| location(table, pk, b))
        }
        _ => None,
    };
    let pairs = [
        ("content-range", range),
        ("preference-applied", context.prefer.applied(context.echo, context.zone_known)),
        ("content-profile", context.profile.map(str::to_owned)),
        ("location", location),
    ];
    for (name, value) in pairs {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    Ok(response)
}

/// Writes carry a body only with `return=representation` (headers-only computes it for Location).
fn returns_body(context: &Context<'_>) -> bool {
    match context.kind {
        Kind::Read { .. } => true,
        _ => context.prefer.ret == Some(Return::Representation),
    }
}

type Parts = (StatusCode, Option<String>, Option<String>);

/// §2.5: 416 when the offset lies past the total, 206 when only part of the total came back.
fn read_status(lower: i64, outcome: &Outcome) -> Result<Parts, ApiError> {
    let upper = lower + outcome.rows - 1;
    let range = if outcome.total != Some(0) && lower <= upper { format!("{lower}-{upper}") } else { "*".to_owned() };
    let total = outcome.total.map_or("*".to_owned(), |t| t.to_string());
    let status = match outcome.total {
        Some(total) if lower > total => {
            return Err(ApiError::Range {
                details: format!("An offset of {lower} was requested, but there are only {total} rows."),
                total: Some(total),
            });
        }
        Some(total) if outcome.rows < total => StatusCode::PARTIAL_CONTENT,
        _ => StatusCode::OK,
    };
    Ok((status, Some(format!("{range}/{total}")), outcome.body.clone()))
}

/// POST/DELETE: `*/*` (`*/N` counted); PATCH: `0-{n-1}/*` when rows changed.
fn write_range(lower: Option<i64>, rows: i64, counted: bool) -> String {
    let range = match lower {
        Some(lower) if rows > 0 => format!("{lower}-{}", lower + rows - 1),
        _ => "*".to_owned(),
    };
    let total = if counted { rows.to_string() } else { "*".to_owned() };
    format!("{range}/{total}")
}

/// `Location: /tbl?pk=eq.val` for `return=headers-only`, from the first inserted row.
fn location(table: &str, primary_key: &[String], body: &str) -> Option<String> {
    let rows: serde_json::Value = serde_json::from_str(body).ok()?;
    let row = rows.get(0)?;
    let filters: Vec<String> = primary_key
        .iter()
        .map(|column| {
            let value = match row.get(column) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => "null".to_owned(),
            };
            format!("{column}=eq.{value}")
        })
        .collect();
    (!filters.is_empty()).then(|| format!("/{table}?{}", filters.join("&")))
}

/// Applies `response.status` / `response.headers` set by SQL during the request.
pub fn apply_overrides(response: &mut Response, status: Option<u16>, headers: Vec<(String, String)>) {
    if let Some(status) = status.and_then(|s| StatusCode::from_u16(s).ok()) {
        *response.status_mut() = status;
    }
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (header::HeaderName::try_from(name), HeaderValue::from_str(&value)) {
            response.headers_mut().insert(name, value);
        }
    }
}
