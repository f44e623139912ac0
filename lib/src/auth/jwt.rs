//! Access tokens: HS256 JWTs that live minutes, checked with the algorithm pinned (no `none`, no
//! key confusion), issuer and audience required, and a small clock leeway.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::Secret;

/// Seconds of clock difference tolerated between the instances that issue and check tokens.
const LEEWAY_SECS: u64 = 5;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user.
    pub sub: Uuid,
    /// The session (refresh-token family) the token was issued for, so logout can end it.
    pub sid: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// Why a token was refused; all become the same 401 for the client.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("access token expired")]
    Expired,
    #[error("access token not yet valid")]
    NotYetValid,
    #[error("access token invalid")]
    Invalid,
}

pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: i64,
}

impl AccessTokens {
    pub fn new(secret: &Secret, issuer: &str, audience: &str, ttl_secs: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "sub", "iss", "aud"]);
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl_secs,
        }
    }

    /// A token for `user` in `session`, issued at `now` (unix seconds); returns it and its expiry.
    pub fn issue(&self, user: Uuid, session: Uuid, now: i64) -> (String, i64) {
        let exp = now + self.ttl_secs;
        let claims = Claims {
            sub: user,
            sid: session,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default();
        (token, exp)
    }

    /// The claims of a valid token.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                _ => TokenError::Invalid,
            })?;
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn tokens() -> AccessTokens {
        AccessTokens::new(&Secret::new("a-test-secret-of-at-least-32-bytes!!"), "studio", "studio-api", 900)
    }

    fn now() -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
    }

    #[test]
    fn round_trips_its_claims() {
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let (token, exp) = tokens().issue(user, session, now());
        let claims = tokens().verify(&token).unwrap();
        assert_eq!((claims.sub, claims.sid, claims.exp), (user, session, exp));
    }

    #[test]
    fn refuses_expired_and_future_tokens() {
        let (expired, _) = tokens().issue(Uuid::new_v4(), Uuid::new_v4(), now() - 901 - LEEWAY_SECS as i64);
        let (future, _) = tokens().issue(Uuid::new_v4(), Uuid::new_v4(), now() + 60);
        assert_eq!(tokens().verify(&expired), Err(TokenError::Expired));
        assert_eq!(tokens().verify(&future), Err(TokenError::NotYetValid));
    }

    #[test]
    fn refuses_wrong_secret_audience_issuer_and_tampering() {
        let (token, _) = tokens().issue(Uuid::new_v4(), Uuid::new_v4(), now());
        let other_secret =
            AccessTokens::new(&Secret::new("another-secret-of-at-least-32-bytes!"), "studio", "studio-api", 900);
        let other_audience =
            AccessTokens::new(&Secret::new("a-test-secret-of-at-least-32-bytes!!"), "studio", "other", 900);
        let other_issuer =
            AccessTokens::new(&Secret::new("a-test-secret-of-at-least-32-bytes!!"), "evil", "studio-api", 900);
        assert_eq!(other_secret.verify(&token), Err(TokenError::Invalid));
        assert_eq!(other_audience.verify(&token), Err(TokenError::Invalid));
        assert_eq!(other_issuer.verify(&token), Err(TokenError::Invalid));

        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        claims["sub"] = serde_json::json!(Uuid::new_v4());
        parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
        assert_eq!(tokens().verify(&parts.join(".")), Err(TokenError::Invalid));
    }

    #[test]
    fn refuses_unsigned_and_other_algorithm_tokens() {
        let (token, _) = tokens().issue(Uuid::new_v4(), Uuid::new_v4(), now());
        let payload = token.split('.').nth(1).unwrap().to_owned();
        for header in
            [r#"{"alg":"none","typ":"JWT"}"#, r#"{"alg":"HS512","typ":"JWT"}"#, r#"{"alg":"RS256","typ":"JWT"}"#]
        {
            let forged = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(header));
            assert_eq!(tokens().verify(&forged), Err(TokenError::Invalid), "{header}");
        }
        assert_eq!(tokens().verify("garbage"), Err(TokenError::Invalid));
    }
}
