//! Who calls, and signed-URL tokens. The gateway hands Storage the client's bearer token (or the
//! `apikey` when there is none, or when the bearer is an `sb_` key); Storage verifies it with the
//! project JWT secret and takes the role from its `role` claim (`src/http/plugins/jwt.ts`).

use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};

use super::error::StorageError;

/// The caller's database role (only `service_role` passes row-level security on objects) and
/// its `sub`, which Storage records as the owner of what it writes.
pub struct Caller {
    role: String,
    sub: Option<String>,
}

impl Caller {
    pub fn is_service(&self) -> bool {
        self.role == "service_role"
    }

    /// `request.owner`: the token's `sub` (API keys have none).
    pub fn owner(&self) -> Option<String> {
        self.sub.clone()
    }
}

/// The caller, or `None` when the request carries no credential (public reads only).
pub fn caller(headers: &HeaderMap, secret: &str) -> Result<Option<Caller>, StorageError> {
    let Some(token) = credential(headers) else { return Ok(None) };
    let claims = verify(token, secret).map_err(StorageError::access_denied)?;
    let role = claims.get("role").and_then(Value::as_str).unwrap_or("anon").to_owned();
    let sub = claims.get("sub").and_then(Value::as_str).map(str::to_owned);
    Ok(Some(Caller { role, sub }))
}

/// The caller of a route that needs one.
pub fn require(headers: &HeaderMap, secret: &str) -> Result<Caller, StorageError> {
    caller(headers, secret)?.ok_or_else(|| StorageError::access_denied("Invalid JWT: no authorization header"))
}

fn credential(headers: &HeaderMap) -> Option<&str> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let bearer = header("authorization").and_then(|value| {
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    bearer.filter(|token| !token.starts_with("sb_")).or_else(|| header("apikey"))
}

/// A signed-URL token for `url` (`{bucket}/{path}`): `{url, scope: "download", iat, exp}`.
pub fn sign(secret: &str, url: &str, expires_in: u64) -> String {
    encode(secret, json!({ "url": url, "scope": "download" }), expires_in)
}

/// A signed upload token (`signUploadObjectUrl`): `{owner, url, upsert, scope: "upload", iat, exp}`.
pub fn sign_upload(secret: &str, url: &str, owner: Option<String>, upsert: bool, expires_in: u64) -> String {
    encode(secret, json!({ "owner": owner, "url": url, "upsert": upsert, "scope": "upload" }), expires_in)
}

fn encode(secret: &str, mut claims: Value, expires_in: u64) -> String {
    let iat = now();
    claims["iat"] = json!(iat);
    claims["exp"] = json!(iat + expires_in);
    jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap_or_default()
}

/// Which kind of signed URL a token must be for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Download,
    Upload,
}

/// Checks a signed-URL token as `verifyObjectSignature` does: signature and expiry (InvalidJWT),
/// then the scope, then that its `url` is exactly `url` (InvalidSignature). Returns its claims.
pub fn verify_signed(secret: &str, token: &str, url: &str, scope: Scope) -> Result<Map<String, Value>, StorageError> {
    let claims = verify(token, secret).map_err(StorageError::invalid_jwt)?;
    // Tokens from before scopes: only upload tokens carry `upsert`.
    let scope_ok = match (scope, claims.get("scope")) {
        (Scope::Download, Some(given)) => given == "download",
        (Scope::Upload, Some(given)) => given == "upload",
        (Scope::Download, None) => !claims.contains_key("upsert"),
        (Scope::Upload, None) => claims.contains_key("upsert"),
    };
    if !scope_ok {
        return Err(StorageError::wrong_scope(if scope == Scope::Upload { "upload" } else { "download" }));
    }
    if claims.get("url").and_then(Value::as_str) != Some(url) {
        return Err(StorageError::invalid_signature());
    }
    Ok(claims)
}

/// jose's `jwtVerify` with an HMAC secret: any HS algorithm, `exp`/`nbf` checked when present, no
/// clock tolerance; errors carry jose's messages, which Storage passes on.
fn verify(token: &str, secret: &str) -> Result<Map<String, Value>, &'static str> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
    validation.required_spec_claims.clear();
    validation.validate_aud = false;
    validation.validate_nbf = true;
    validation.leeway = 0;
    let key = DecodingKey::from_secret(secret.as_bytes());
    match jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation) {
        Ok(data) => Ok(data.claims),
        Err(err) => Err(match err.kind() {
            ErrorKind::ExpiredSignature => "\"exp\" claim timestamp check failed",
            ErrorKind::ImmatureSignature => "\"nbf\" claim timestamp check failed",
            ErrorKind::InvalidSignature => "signature verification failed",
            ErrorKind::InvalidAlgorithm => "\"alg\" (Algorithm) Header Parameter value not allowed",
            _ => "Invalid Compact JWS",
        }),
    }
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
