//! `Kv`: Redis commands as JSON arrays POSTed to Upstash's REST API, one deadline per call, and
//! every way a call can fail turned into a typed `KvError` in one place.
//!
//! No retries: like `@upstash/redis` we never retry an HTTP answer (a command may have run), and we
//! do not retry network errors either: the limiter in front of a request has a 2 s budget, and its
//! caller decides what a failure means (fail closed or open), which a retry loop would only delay.

use std::time::Duration;

use serde_json::Value;

use super::UpstashConfig;
use crate::config::Secret;
use crate::error::ApiError;

/// Shown to users in `{service} is unavailable`.
const SERVICE: &str = "key-value store";

#[derive(Clone, Debug)]
pub struct Kv {
    http: reqwest::Client,
    /// The REST URL without a trailing slash; `/pipeline` and `/multi-exec` are appended.
    base: String,
    token: Secret,
    timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// 401: the token is wrong or was rotated.
    #[error("Upstash refused the token")]
    Unauthorized,
    /// Upstash (or Redis) refused the command: a Redis error, or a plan limit such as
    /// `ERR max daily request limit exceeded`.
    #[error("Upstash refused the command: {0}")]
    Rejected(String),
    /// A gateway or server failure: a 5xx, or an answer that is not Upstash's JSON.
    #[error("Upstash answered {status}: {excerpt}")]
    Upstream { status: u16, excerpt: String },
    #[error("Upstash did not answer in time")]
    Timeout,
    /// No connection, or the connection broke before the answer was complete.
    #[error("Upstash unreachable")]
    Unreachable(#[source] reqwest::Error),
    /// Valid JSON in a shape Upstash does not send.
    #[error("unexpected Upstash response: {0}")]
    Decode(String),
}

impl KvError {
    /// Upstash's plan limits (daily or monthly requests, request size): waiting helps, not retrying.
    pub fn is_plan_limit(&self) -> bool {
        matches!(self, Self::Rejected(message) if message.contains("limit exceeded"))
    }
}

impl Kv {
    pub fn new(config: &UpstashConfig, http: reqwest::Client) -> Self {
        Self {
            http,
            base: config.url.as_str().trim_end_matches('/').to_owned(),
            token: config.token.clone(),
            timeout: config.timeout,
        }
    }

    /// One command, e.g. `[json!("INCR"), json!("key")]`; the Redis reply as JSON.
    pub async fn command(&self, command: &[Value]) -> Result<Value, KvError> {
        let body = self.post("", command).await?;
        match body {
            Value::Object(mut fields) => match (fields.remove("result"), fields.remove("error")) {
                (_, Some(Value::String(error))) => Err(KvError::Rejected(error)),
                (Some(result), None) => Ok(result),
                _ => Err(KvError::Decode("neither result nor error".into())),
            },
            other => Err(KvError::Decode(format!("expected an object, got {other}"))),
        }
    }

    /// Commands in order, not atomic: each has its own result or Redis error.
    pub async fn pipeline(&self, commands: &[Vec<Value>]) -> Result<Vec<Result<Value, String>>, KvError> {
        let body = self.post("/pipeline", commands).await?;
        items(body, commands.len())
    }

    /// Commands as one MULTI/EXEC transaction. A command Redis refuses to queue (unknown, wrong
    /// arity) discards the whole transaction: `Err(Rejected("EXECABORT …"))`; a command that fails
    /// while running (e.g. INCR on text) fails alone, in its own item.
    pub async fn multi_exec(&self, commands: &[Vec<Value>]) -> Result<Vec<Result<Value, String>>, KvError> {
        let body = self.post("/multi-exec", commands).await?;
        items(body, commands.len())
    }

    async fn post(&self, path: &str, body: &(impl serde::Serialize + ?Sized)) -> Result<Value, KvError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(self.token.expose())
            .json(body)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(transport)?;
        answer(status, &text)
    }
}

/// The one place an HTTP answer becomes a JSON body or a `KvError`.
fn answer(status: u16, text: &str) -> Result<Value, KvError> {
    let json: Option<Value> = serde_json::from_str(text).ok();
    let error = json.as_ref().and_then(|j| j.get("error")).and_then(Value::as_str).map(str::to_owned);
    match (status, json, error) {
        (401, ..) => Err(KvError::Unauthorized),
        (200..=499, Some(_), Some(error)) => Err(KvError::Rejected(error)),
        (200..=299, Some(json), None) => Ok(json),
        _ => Err(KvError::Upstream { status, excerpt: text.chars().take(200).collect() }),
    }
}

fn transport(err: reqwest::Error) -> KvError {
    if err.is_timeout() { KvError::Timeout } else { KvError::Unreachable(err) }
}

/// A pipeline's or transaction's array: one `{"result"}` or `{"error"}` per command, in order.
fn items(body: Value, expected: usize) -> Result<Vec<Result<Value, String>>, KvError> {
    let Value::Array(items) = body else {
        return Err(KvError::Decode(format!("expected an array, got {body}")));
    };
    if items.len() != expected {
        return Err(KvError::Decode(format!("{} answers to {expected} commands", items.len())));
    }
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(mut fields) => match (fields.remove("result"), fields.remove("error")) {
                (_, Some(Value::String(error))) => Ok(Err(error)),
                (Some(result), None) => Ok(Ok(result)),
                _ => Err(KvError::Decode("an item with neither result nor error".into())),
            },
            other => Err(KvError::Decode(format!("expected an item object, got {other}"))),
        })
        .collect()
}

/// The product decision: the store gates costly work, so when it is down, slow or over its plan,
/// the request is refused with 503 and a `Retry-After` (a 504 would suggest the work itself timed
/// out). A refused token or command is our misconfiguration or bug: 500, cause in the log.
impl From<KvError> for ApiError {
    fn from(err: KvError) -> Self {
        match err {
            // Plan limits reset daily or monthly; a minute keeps clients from hammering.
            ref limited if limited.is_plan_limit() => {
                ApiError::UpstreamUnavailable { service: SERVICE, retry_after_secs: Some(60) }
            }
            KvError::Timeout | KvError::Unreachable(_) | KvError::Upstream { .. } => {
                ApiError::UpstreamUnavailable { service: SERVICE, retry_after_secs: Some(5) }
            }
            other @ (KvError::Unauthorized | KvError::Rejected(_) | KvError::Decode(_)) => ApiError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classifies_answers_by_status_and_body() {
        let cases: [(u16, &str, &str); 7] = [
            (401, r#"{"error":"WRONGPASS invalid or missing auth token"}"#, "Unauthorized"),
            (400, r#"{"error":"ERR max daily request limit exceeded"}"#, "Rejected"),
            (200, r#"{"error":"ERR syntax error"}"#, "Rejected"),
            (502, "<html>Bad Gateway</html>", "Upstream"),
            (503, "", "Upstream"),
            (500, r#"{"error":"SRH: Unable to connect to the Redis server"}"#, "Upstream"),
            (200, r#"{"result":"OK""#, "Upstream"),
        ];
        for (status, body, expected) in cases {
            let got = format!("{:?}", answer(status, body).unwrap_err());
            assert!(got.starts_with(expected), "{status} {body}: {got}");
        }
        assert_eq!(answer(200, r#"{"result":1}"#).unwrap(), json!({"result": 1}));
    }

    #[test]
    fn pipeline_items_keep_their_order_and_errors() {
        let body = json!([{"result": "OK"}, {"error": "ERR value is not an integer or out of range"}]);
        let items = items(body, 2).unwrap();
        assert_eq!(items[0], Ok(json!("OK")));
        assert_eq!(items[1], Err("ERR value is not an integer or out of range".to_owned()));
        assert!(matches!(super::items(json!([{"result": 1}]), 2), Err(KvError::Decode(_))));
    }

    #[test]
    fn outages_and_plan_limits_are_503_with_a_wait_and_bugs_are_500() {
        let limited = ApiError::from(KvError::Rejected("ERR max daily request limit exceeded. Limit: 10000".into()));
        assert_eq!((limited.code(), limited.retry_after_secs()), ("UPSTREAM_UNAVAILABLE", Some(60)));
        let slow = ApiError::from(KvError::Timeout);
        assert_eq!((slow.code(), slow.retry_after_secs()), ("UPSTREAM_UNAVAILABLE", Some(5)));
        for bug in [KvError::Unauthorized, KvError::Rejected("WRONGTYPE".into()), KvError::Decode("x".into())] {
            assert_eq!(ApiError::from(bug).code(), "INTERNAL");
        }
    }
}
