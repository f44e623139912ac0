//! The one error type of the PostgREST stand-in, PostgREST's SQLSTATE → HTTP table and its body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Everything a request can fail with; each variant names its status and `code`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 PGRST100: the query string (or a feature outside the supported subset) was rejected.
    #[error("{message}")]
    Query { message: String, details: Option<String> },
    /// 405 PGRST101: `/rpc/{fn}` called with a verb other than GET or POST.
    #[error("Cannot use the {0} method on RPC")]
    RpcMethod(String),
    /// 400 PGRST102: the request body is not JSON of the expected shape.
    #[error("{0}")]
    Body(&'static str),
    /// 400 PGRST108: a `rel.col`/`rel.order`/… parameter names a resource `select` does not embed.
    #[error("'{0}' is not an embedded resource in this request")]
    NotEmbedded(String),
    /// 400 PGRST123: aggregates in `select` (Supabase leaves `db-aggregates-enabled` off).
    #[error("Use of aggregate functions is not allowed")]
    Aggregates,
    /// 400 PGRST200: `select` embeds a resource with no foreign key to the table.
    #[error("Could not find a relationship between '{parent}' and '{child}' in the schema cache")]
    NoRelationship { parent: String, child: String, schema: String, hint: Option<String> },
    /// 400 PGRST122: `Prefer: handling=strict` with preferences this server does not know.
    #[error("Invalid preferences given with handling=strict")]
    Strict(String),
    /// 416 PGRST103: the requested range cannot be satisfied.
    #[error("Requested range not satisfiable")]
    Range { details: String, total: Option<i64> },
    /// 406 PGRST106: a profile header named a schema that is not exposed.
    #[error("Invalid schema: {schema}")]
    Schema { schema: String, exposed: String },
    /// 406 PGRST107: no acceptable media type.
    #[error("None of these media types are available: {0}")]
    MediaType(String),
    /// 406 PGRST116: `vnd.pgrst.object` asked for, but the result did not have exactly one row.
    #[error("Cannot coerce the result to a single JSON object")]
    Singular { rows: i64 },
    /// 404 PGRST202: no function of that name accepts that set of arguments.
    #[error("{message}")]
    NoFunction { message: String, details: String, hint: Option<String> },
    /// 300 PGRST203: several overloads accept that set of arguments.
    #[error("{message}")]
    Overloaded { message: String },
    /// 400 PGRST204: a payload key is not a column of the table.
    #[error("Could not find the '{column}' column of '{table}' in the schema cache")]
    NoColumn { column: String, table: String },
    /// 404 PGRST205: the table is not in the exposed schema.
    #[error("Could not find the table '{schema}.{table}' in the schema cache")]
    NoTable { schema: String, table: String, hint: Option<String> },
    /// 400 PGRST124: `max-affected` with `handling=strict`, and more rows were affected.
    #[error("Query result exceeds max-affected preference constraint")]
    MaxAffected(i64),
    /// 400 PGRST128: `max-affected` with `handling=strict` on a function that returns one value.
    #[error("Function must return SETOF or TABLE when max-affected preference is used with handling=strict")]
    MaxAffectedSingle,
    /// 401 PGRST301 (decoding) or PGRST303 (claims): the bearer JWT was refused.
    #[error("{message}")]
    Jwt { code: &'static str, message: &'static str, details: Option<&'static str> },
    /// 401 without a PostgREST body: the gateway refused the `apikey`.
    #[error("{message}")]
    Gateway { message: &'static str, hint: &'static str },
    /// PostgreSQL's own error, mapped by SQLSTATE; `anon` decides 401 vs 403 for 42501.
    #[error("{message}")]
    Db { code: String, message: String, details: Option<String>, hint: Option<String>, anon: bool },
    /// 503 PGRST001: the database could not be reached or the connection failed.
    #[error("Database client error. Retrying the connection.")]
    Connection(String),
}

impl ApiError {
    /// A 400 PGRST100 naming a PostgREST feature this stand-in deliberately does not serve.
    pub fn unsupported(what: &str) -> Self {
        Self::Query { message: format!("{what} is not supported by the local PostgREST stand-in"), details: None }
    }

    /// A PostgreSQL error seen by a request running as `role`.
    pub fn from_pg(error: tokio_postgres::Error, anon: bool) -> Self {
        match error.as_db_error() {
            Some(db) => Self::Db {
                code: db.code().code().to_owned(),
                message: db.message().to_owned(),
                details: db.detail().map(str::to_owned),
                hint: db.hint().map(str::to_owned),
                anon,
            },
            None => Self::Connection(error.to_string()),
        }
    }

    fn status(&self) -> StatusCode {
        let code = match self {
            Self::Query { .. } | Self::Body(_) | Self::NoColumn { .. } | Self::Strict(_) => 400,
            Self::MaxAffected(_) | Self::MaxAffectedSingle => 400,
            Self::NotEmbedded(_) | Self::Aggregates | Self::NoRelationship { .. } => 400,
            Self::RpcMethod(_) => 405,
            Self::Range { .. } => 416,
            Self::Schema { .. } | Self::MediaType(_) | Self::Singular { .. } => 406,
            Self::NoFunction { .. } | Self::NoTable { .. } => 404,
            Self::Overloaded { .. } => 300,
            Self::Jwt { .. } | Self::Gateway { .. } => 401,
            Self::Db { code, message, anon, .. } => sqlstate_status(code, message, *anon),
            Self::Connection(_) => 503,
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn code(&self) -> String {
        let code = match self {
            Self::Query { .. } => "PGRST100",
            Self::RpcMethod(_) => "PGRST101",
            Self::Body(_) => "PGRST102",
            Self::Range { .. } => "PGRST103",
            Self::NotEmbedded(_) => "PGRST108",
            Self::Aggregates => "PGRST123",
            Self::NoRelationship { .. } => "PGRST200",
            Self::Strict(_) => "PGRST122",
            Self::MaxAffected(_) => "PGRST124",
            Self::MaxAffectedSingle => "PGRST128",
            Self::Schema { .. } => "PGRST106",
            Self::MediaType(_) => "PGRST107",
            Self::Singular { .. } => "PGRST116",
            Self::NoFunction { .. } => "PGRST202",
            Self::Overloaded { .. } => "PGRST203",
            Self::NoColumn { .. } => "PGRST204",
            Self::NoTable { .. } => "PGRST205",
            Self::Jwt { code, .. } => code,
            Self::Gateway { .. } => "",
            Self::Db { code, .. } => code,
            Self::Connection(_) => "PGRST001",
        };
        code.to_owned()
    }

    fn details_and_hint(&self) -> (Value, Value) {
        match self {
            Self::Query { details, .. } => (json!(details), Value::Null),
            Self::Range { details, .. } => (json!(details), Value::Null),
            Self::Strict(invalid) => (json!(format!("Invalid preferences: {invalid}")), Value::Null),
            Self::Schema { exposed, .. } => {
                (Value::Null, json!(format!("Only the following schemas are exposed: {exposed}")))
            }
            Self::Singular { rows } => (json!(format!("The result contains {rows} rows")), Value::Null),
            Self::NoFunction { details, hint, .. } => (json!(details), json!(hint)),
            Self::NoTable { hint, .. } => (Value::Null, json!(hint)),
            Self::NotEmbedded(resource) => {
                (Value::Null, json!(format!("Verify that '{resource}' is included in the 'select' query parameter.")))
            }
            Self::NoRelationship { parent, child, schema, hint } => (
                json!(format!(
                    "Searched for a foreign key relationship between '{parent}' and '{child}' in the schema \
                     '{schema}', but no matches were found."
                )),
                json!(hint),
            ),
            Self::MaxAffected(rows) => (json!(format!("The query affects {rows} rows")), Value::Null),
            Self::Overloaded { .. } => (
                Value::Null,
                json!(
                    "Try renaming the parameters or the function itself in the database so function overloading can be resolved"
                ),
            ),
            Self::Jwt { details, .. } => (json!(details), Value::Null),
            Self::Db { details, hint, .. } => (json!(details), json!(hint)),
            _ => (Value::Null, Value::Null),
        }
    }
}

/// PostgREST's `mapSQLtoHTTP` (src `Error.hs`), plus Supabase's safeupdate special case.
fn sqlstate_status(code: &str, message: &str, anon: bool) -> u16 {
    match code {
        "23503" | "23505" => 409,
        "25006" => 405,
        "42501" if anon => 401,
        "42501" => 403,
        "42883" if message.starts_with("function xmlagg(") => 406,
        "42883" | "42P01" => 404,
        "42P17" | "53400" => 500,
        "57P01" => 503,
        "P0001" => 400,
        "21000" if message.ends_with("requires a WHERE clause") => 400,
        "21000" => 500,
        "22023" if message.starts_with("role ") && message.ends_with(" does not exist") => 401,
        _ => match code.get(..2).unwrap_or_default() {
            "08" | "53" => 503,
            "09" | "25" | "2D" | "38" | "39" | "3B" | "40" | "54" | "55" | "57" | "58" | "F0" | "HV" | "P0" | "XX" => {
                500
            }
            "0L" | "0P" | "28" => 403,
            "PT" => code[2..].parse().ok().filter(|s| (100..600).contains(s)).unwrap_or(500),
            _ => 400,
        },
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Connection(cause) = &self {
            eprintln!("postgrest: database connection error: {cause}");
        }
        let status = self.status();
        let body = match &self {
            Self::Gateway { message, hint } => json!({ "message": message, "hint": hint }),
            _ => {
                let (details, hint) = self.details_and_hint();
                json!({ "code": self.code(), "details": details, "hint": hint, "message": self.to_string() })
            }
        };
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        if !matches!(self, Self::Gateway { .. }) {
            insert(headers, "proxy-status", &format!("PostgREST; error={}", self.code()));
        }
        match &self {
            Self::Jwt { message, .. } => insert(
                headers,
                "www-authenticate",
                &format!("Bearer error=\"invalid_token\", error_description=\"{message}\""),
            ),
            Self::Range { total, .. } => {
                insert(headers, "content-range", &format!("*/{}", total.map_or("*".to_owned(), |t| t.to_string())))
            }
            Self::Gateway { .. } => {}
            _ if status == StatusCode::UNAUTHORIZED => insert(headers, "www-authenticate", "Bearer"),
            _ => {}
        }
        response
    }
}

fn insert(headers: &mut axum::http::HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::sqlstate_status;

    #[test]
    fn maps_sqlstates_like_postgrest() {
        let cases = [
            ("23505", "", false, 409),
            ("42501", "permission denied", true, 401),
            ("42501", "permission denied", false, 403),
            ("P0001", "boom", false, 400),
            ("PT402", "pay", false, 402),
            ("PTabc", "x", false, 500),
            ("22P02", "invalid input", false, 400),
            ("21000", "DELETE requires a WHERE clause", false, 400),
            ("22023", "role \"x\" does not exist", false, 401),
            ("25006", "read-only", false, 405),
            ("08006", "", false, 503),
            ("XX000", "", false, 500),
            ("42P01", "", false, 404),
        ];
        for (code, message, anon, status) in cases {
            assert_eq!(sqlstate_status(code, message, anon), status, "{code} {message}");
        }
    }
}
