//! Who a request runs as: the gateway's `apikey` check, then the bearer JWT → role and claims.

use axum::http::HeaderMap;
use serde_json::{Map, Value};

use super::error::ApiError;
use super::{Gateway, Settings, jwt};

/// The database role a request switches to and the claims exposed as `request.jwt.claims`.
pub struct Identity {
    pub role: String,
    pub claims: Map<String, Value>,
}

impl Identity {
    /// Whether the request runs as the anonymous role (42501 is then 401 rather than 403).
    pub fn is_anon(&self, settings: &Settings) -> bool {
        self.role == settings.anon_role
    }
}

/// What the gateway forwards as the bearer credential: a JWT to verify, or a role it vouches for.
enum Credential {
    Jwt(String),
    Role(&'static str),
    None,
}

/// Resolves the request's identity; `query_apikey` is the `apikey` query parameter, if any.
pub fn identify(settings: &Settings, headers: &HeaderMap, query_apikey: Option<&str>) -> Result<Identity, ApiError> {
    let authorization = bearer(headers);
    let credential = match &settings.gateway {
        Some(gateway) => {
            let apikey = header(headers, "apikey").or(query_apikey);
            gateway_credential(gateway, apikey, authorization)?
        }
        None => authorization.map_or(Credential::None, |token| Credential::Jwt(token.to_owned())),
    };
    let mut claims = match credential {
        Credential::Jwt(token) => jwt::verify(&token, &settings.jwt_secret)?,
        Credential::Role(role) => Map::from_iter([("role".to_owned(), Value::from(role))]),
        Credential::None => Map::new(),
    };
    let role = match claims.get("role").and_then(Value::as_str) {
        Some(role) if !role.is_empty() => role.to_owned(),
        _ => settings.anon_role.clone(),
    };
    claims.insert("role".to_owned(), Value::from(role.clone()));
    Ok(Identity { role, claims })
}

/// Supabase's Kong: the key must be one of the project's; a client `Authorization` wins unless
/// it carries an `sb_` key, else the key itself (legacy JWT) or the role it stands for.
fn gateway_credential(
    gateway: &Gateway,
    apikey: Option<&str>,
    authorization: Option<&str>,
) -> Result<Credential, ApiError> {
    let Some(apikey) = apikey else {
        return Err(ApiError::Gateway {
            message: "No API key found in request",
            hint: "No `apikey` request header or url param was found.",
        });
    };
    let is_service = constant_time_eq(apikey, &gateway.service_key);
    if !is_service && !constant_time_eq(apikey, &gateway.anon_key) {
        return Err(ApiError::Gateway {
            message: "Invalid API key",
            hint: "Double check your Supabase `anon` or `service_role` API key.",
        });
    }
    if let Some(token) = authorization.filter(|t| !t.starts_with("sb_")) {
        return Ok(Credential::Jwt(token.to_owned()));
    }
    Ok(match (apikey.starts_with("sb_"), is_service) {
        (true, true) => Credential::Role("service_role"),
        (true, false) => Credential::Role("anon"),
        (false, _) => Credential::Jwt(apikey.to_owned()),
    })
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive); other schemes → none.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = header(headers, "authorization")?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim_start())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Compares keys without an early exit on the first differing byte.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
