//! HS256 (and HS384/HS512) JWT verification with PostgREST's exact error messages and 30 s skew.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

use super::error::ApiError;

/// PostgREST (jose) tolerates this much clock skew on `exp`, `nbf` and `iat`.
const SKEW_SECONDS: f64 = 30.0;

/// The verified claims of `token`, or the 401 PostgREST gives for it.
pub fn verify(token: &str, secret: &str) -> Result<Map<String, Value>, ApiError> {
    if token.is_empty() {
        return Err(decode_error("Empty JWT is sent in Authorization header"));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(ApiError::Jwt { code: "PGRST301", message: parts_message(parts.len()), details: None });
    };
    let algorithm = algorithm(header)?;
    let message = &token[..header.len() + 1 + payload.len()];
    let key = DecodingKey::from_secret(secret.as_bytes());
    match jsonwebtoken::crypto::verify(signature, message.as_bytes(), &key, algorithm) {
        Ok(true) => {}
        Ok(false) => {
            return Err(ApiError::Jwt {
                code: "PGRST301",
                message: "No suitable key or wrong key type",
                details: Some("None of the keys was able to decode the JWT"),
            });
        }
        Err(_) => return Err(crypto_failed()),
    }
    let claims = json_part(payload)?;
    check_times(&claims)?;
    Ok(claims)
}

/// `Expected 3 parts in JWT; got N` needs a static message; tokens with more dots are garbage.
fn parts_message(count: usize) -> &'static str {
    match count {
        1 => "Expected 3 parts in JWT; got 1",
        2 => "Expected 3 parts in JWT; got 2",
        4 => "Expected 3 parts in JWT; got 4",
        5 => "Expected 3 parts in JWT; got 5",
        _ => "JWT cryptographic operation failed",
    }
}

fn algorithm(header: &str) -> Result<Algorithm, ApiError> {
    let header = json_part(header)?;
    match header.get("alg").and_then(Value::as_str) {
        Some("HS256") => Ok(Algorithm::HS256),
        Some("HS384") => Ok(Algorithm::HS384),
        Some("HS512") => Ok(Algorithm::HS512),
        Some("none") | None => Err(decode_error("Wrong or unsupported encoding algorithm")),
        // Asymmetric algorithms cannot be checked against the shared secret.
        Some(_) => Err(decode_error("No suitable key or wrong key type")),
    }
}

fn json_part(part: &str) -> Result<Map<String, Value>, ApiError> {
    let bytes = base64url(part).ok_or_else(crypto_failed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(crypto_failed()),
    }
}

fn check_times(claims: &Map<String, Value>) -> Result<(), ApiError> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    let time = |name: &str| claims.get(name).filter(|v| !v.is_null());
    if let Some(exp) = time("exp") {
        let exp = exp.as_f64().ok_or_else(|| claim_error("The JWT 'exp' claim must be a number"))?;
        if now - SKEW_SECONDS > exp {
            return Err(claim_error("JWT expired"));
        }
    }
    if let Some(nbf) = time("nbf").and_then(Value::as_f64)
        && nbf > now + SKEW_SECONDS
    {
        return Err(claim_error("JWT not yet valid"));
    }
    if let Some(iat) = time("iat").and_then(Value::as_f64)
        && iat > now + SKEW_SECONDS
    {
        return Err(claim_error("JWT issued at future"));
    }
    Ok(())
}

fn decode_error(message: &'static str) -> ApiError {
    ApiError::Jwt { code: "PGRST301", message, details: None }
}

fn crypto_failed() -> ApiError {
    decode_error("JWT cryptographic operation failed")
}

fn claim_error(message: &'static str) -> ApiError {
    ApiError::Jwt { code: "PGRST303", message, details: None }
}

/// Unpadded base64url (RFC 7515 §2); `None` on any other character.
fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::base64url;

    #[test]
    fn decodes_unpadded_base64url() {
        assert_eq!(base64url("eyJhIjoxfQ").as_deref(), Some(&b"{\"a\":1}"[..]));
        assert_eq!(base64url("_-8").as_deref(), Some(&[0xff, 0xef][..]));
        assert_eq!(base64url("a+b"), None);
    }
}
