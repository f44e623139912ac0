//! `Db`: PostgREST through the `postgrest` crate with the service-role key, a deadline on every
//! call, and PostgREST's error body turned into a typed `DbError`.
//!
//! Every call runs as `service_role` (RLS bypassed), so each query scopes itself to the acting user.

use std::time::Duration;

use postgrest::{Builder, Postgrest};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::error::ApiError;

pub struct Db {
    rest: Postgrest,
    timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database request timed out")]
    Timeout,
    #[error("database unreachable")]
    Unreachable(#[source] reqwest::Error),
    /// PostgREST (or the gateway in front of it) refused the request.
    #[error("database answered {status}: {code}: {message}")]
    Rejected { status: u16, code: String, message: String, details: Option<String> },
    #[error("unexpected database response: {0}")]
    Decode(String),
}

/// PostgREST's error body; the gateway's 401 bodies have only `message`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Option<String>,
}

impl Db {
    pub fn new(config: &Config) -> Self {
        let base = config.supabase_url.as_str().trim_end_matches('/');
        let key = config.supabase_service_key.expose();
        // The gateway wants `apikey`; the Authorization header carries the same key so legacy JWT
        // keys reach PostgREST as the service role (an `sb_secret_` key there is ignored by design).
        // `postgrest` 1.6.0 builds its own reqwest client (`Postgrest::new` has no way to take the
        // shared one), so the `User-Agent` the shared client sends is set here as a header.
        let rest = Postgrest::new(format!("{base}/rest/v1"))
            .insert_header("user-agent", crate::app::USER_AGENT)
            .insert_header("apikey", key)
            .insert_header("Authorization", format!("Bearer {key}"));
        Self { rest, timeout: config.database_timeout }
    }

    /// A query on a table or view.
    pub fn from(&self, table: &str) -> Builder {
        self.rest.from(table)
    }

    /// A call of a SQL function with named arguments: one round trip, one transaction.
    pub fn rpc(&self, function: &str, args: &serde_json::Value) -> Builder {
        self.rest.rpc(function, args.to_string())
    }

    /// Runs `query` and decodes its JSON body.
    pub async fn fetch<T: DeserializeOwned>(&self, query: Builder) -> Result<T, DbError> {
        let text = self.send(query).await?;
        serde_json::from_str(&text).map_err(|e| DbError::Decode(e.to_string()))
    }

    /// Runs `query` for its effect (a write, a void function), ignoring any body.
    pub async fn run(&self, query: Builder) -> Result<(), DbError> {
        self.send(query).await.map(drop)
    }

    async fn send(&self, query: Builder) -> Result<String, DbError> {
        let response = query.build().timeout(self.timeout).send().await.map_err(transport)?;
        let status = response.status();
        let text = response.text().await.map_err(transport)?;
        if !status.is_success() {
            return Err(rejected(status.as_u16(), &text));
        }
        Ok(text)
    }

    /// Runs `query` and returns the first row, if any.
    pub async fn first<T: DeserializeOwned>(&self, query: Builder) -> Result<Option<T>, DbError> {
        let rows: Vec<T> = self.fetch(query).await?;
        Ok(rows.into_iter().next())
    }
}

fn transport(err: reqwest::Error) -> DbError {
    if err.is_timeout() { DbError::Timeout } else { DbError::Unreachable(err) }
}

fn rejected(status: u16, text: &str) -> DbError {
    let body: Option<ErrorBody> = serde_json::from_str(text).ok();
    let (code, message, details) = match body {
        Some(b) => (b.code.unwrap_or_default(), b.message.unwrap_or_default(), b.details),
        None => (String::new(), text.chars().take(200).collect(), None),
    };
    DbError::Rejected { status, code, message, details }
}

/// A `bytea` value as PostgREST reads it from JSON or a filter: `\x` and lower-case hex.
pub fn bytea(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(2 + bytes.len() * 2);
    text.push_str("\\x");
    for b in bytes {
        text.push_str(&format!("{b:02x}"));
    }
    text
}

/// Quotes a value for PostgREST's `or=(…)`/`and=(…)` grammar, where `, . : ( )` would otherwise
/// end the value: wrapped in double quotes, with `"` and `\` escaped by a backslash.
pub fn quote_filter_value(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// The product decision for database failures: unreachable is 503, slow is 504, anything the
/// database refused is our bug (we send every query ourselves) and so a 500.
impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Timeout => ApiError::UpstreamTimeout { service: "database" },
            DbError::Unreachable(_) => ApiError::UpstreamUnavailable { service: "database", retry_after_secs: Some(5) },
            DbError::Rejected { status: 502..=504, .. } => {
                ApiError::UpstreamUnavailable { service: "database", retry_after_secs: Some(5) }
            }
            // object_in_use: the daily retention has claimed the image and is deleting it.
            DbError::Rejected { code, .. } if code == "55006" => {
                ApiError::Conflict("the image is being deleted by the retention policy".into())
            }
            other => ApiError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_bytea_as_hex() {
        assert_eq!(bytea(&[0x00, 0xab, 0x10]), r"\x00ab10");
    }

    #[test]
    fn quotes_reserved_characters() {
        assert_eq!(quote_filter_value("a,b"), r#""a,b""#);
        assert_eq!(quote_filter_value(r#"say "hi" \o/"#), r#""say \"hi\" \\o/""#);
    }

    #[test]
    fn reads_postgrest_and_gateway_error_bodies() {
        let err =
            rejected(404, r#"{"code":"PGRST205","details":null,"hint":null,"message":"Could not find the table"}"#);
        assert!(matches!(&err, DbError::Rejected { status: 404, code, .. } if code == "PGRST205"));
        let err = rejected(401, r#"{"message":"Invalid API key","hint":"Double check"}"#);
        assert!(matches!(&err, DbError::Rejected { status: 401, message, .. } if message == "Invalid API key"));
        let err = rejected(502, "<html>bad gateway</html>");
        assert_eq!(ApiError::from(err).code(), "UPSTREAM_UNAVAILABLE");
    }
}
