//! `Request`: what a handler sees: method, routed path, decoded query, headers and the raw body,
//! with the request id every log line and response carries.

use http::{HeaderMap, Method};

/// Query parameter carrying the sub-path when vercel.json rewrites `/api/x/a/b` to `/api/x?_path=a/b`.
pub const REWRITE_PARAM: &str = "_path";

pub struct Request<B> {
    pub method: Method,
    /// The path as the client wrote it, rebuilt from `_path` when a rewrite moved it to the query.
    pub path: String,
    pub query: Query,
    pub headers: HeaderMap,
    pub body: B,
    pub request_id: String,
}

impl<B> Request<B> {
    /// Splits an `http::Request` for a function mounted at `prefix` (e.g. `/api/gallery`).
    pub fn new(req: http::Request<B>, prefix: &str) -> Self {
        let (parts, body) = req.into_parts();
        let mut query = Query::parse(parts.uri.query().unwrap_or(""));
        let path = match query.take(REWRITE_PARAM) {
            Some(rest) if !rest.trim_matches('/').is_empty() => {
                format!("{prefix}/{}", rest.trim_matches('/'))
            }
            Some(_) => prefix.to_owned(),
            None => parts.uri.path().to_owned(),
        };
        let request_id = request_id(&parts.headers);
        Self { method: parts.method, path, query, headers: parts.headers, body, request_id }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Vercel's `x-vercel-id` ties our log lines to the platform's; elsewhere a fresh UUID.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-vercel-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 128 && v.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Decoded query parameters in their original order (`+` is a space, as in forms).
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: &str) -> Self {
        Self(url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect())
    }

    /// The first value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let at = self.0.iter().position(|(k, _)| k == name)?;
        Some(self.0.remove(at).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> Request<()> {
        Request::new(http::Request::get(uri).body(()).unwrap(), "/api/templates")
    }

    #[test]
    fn keeps_the_original_path() {
        let req = request("/api/templates/portrait?q=sun+set");
        assert_eq!(req.path, "/api/templates/portrait");
        assert_eq!(req.query.get("q"), Some("sun set"));
    }

    #[test]
    fn rebuilds_the_path_a_rewrite_moved_into_the_query() {
        let req = request("/api/templates?_path=portrait&q=x");
        assert_eq!(req.path, "/api/templates/portrait");
        assert_eq!(req.query.get("_path"), None);
        assert_eq!(req.query.get("q"), Some("x"));
        assert_eq!(request("/api/templates?_path=").path, "/api/templates");
        assert_eq!(request("/api/templates?_path=a%2Fb").path, "/api/templates/a/b");
    }

    #[test]
    fn uses_the_platform_request_id_when_sane() {
        let req = Request::new(http::Request::get("/x").header("x-vercel-id", "sin1::abc-123").body(()).unwrap(), "/x");
        assert_eq!(req.request_id, "sin1::abc-123");
        assert_eq!(request("/x").request_id.len(), 36);
    }
}
