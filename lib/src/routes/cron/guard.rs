//! Who may run the cron: the caller presenting `Authorization: Bearer $CRON_SECRET`, as Vercel Cron
//! does when the project has that variable. Without a configured secret nobody may.

use http::HeaderMap;
use http::header::AUTHORIZATION;
use ring::digest::{SHA256, digest};

use crate::auth::constant_time_eq;
use crate::config::Secret;
use crate::error::ApiError;

/// 401 unless `headers` carry the bearer `secret`.
pub(super) fn authorize(secret: Option<&Secret>, headers: &HeaderMap) -> Result<(), ApiError> {
    if authorized(secret, headers) {
        Ok(())
    } else {
        Err(ApiError::Unauthorized("the cron needs Authorization: Bearer <CRON_SECRET>".into()))
    }
}

/// Both sides are hashed before the comparison, so its time depends neither on where they first
/// differ nor on the secret's length.
fn authorized(secret: Option<&Secret>, headers: &HeaderMap) -> bool {
    let Some(secret) = secret else { return false };
    let presented = headers.get(AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or_default();
    let expected = format!("Bearer {}", secret.expose());
    constant_time_eq(digest(&SHA256, presented).as_ref(), digest(&SHA256, expected.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-cron-secret-of-enough-length";

    fn headers(authorization: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = authorization {
            headers.insert(AUTHORIZATION, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn accepts_only_the_exact_bearer_secret() {
        let secret = Secret::new(SECRET);
        assert!(authorized(Some(&secret), &headers(Some(&format!("Bearer {SECRET}")))));
        let refused = [
            ("no header", None),
            ("empty", Some("")),
            ("bare secret", Some(SECRET)),
            ("other scheme", Some(&*format!("Basic {SECRET}"))),
            ("lower-case scheme", Some(&*format!("bearer {SECRET}"))),
            ("last byte differs", Some("Bearer a-cron-secret-of-enough-lengtH")),
            ("prefix of the secret", Some("Bearer a-cron-secret")),
            ("secret and more", Some(&*format!("Bearer {SECRET}x"))),
        ];
        for (case, value) in refused {
            assert!(!authorized(Some(&secret), &headers(value)), "{case}");
        }
    }

    #[test]
    fn refuses_everyone_when_no_secret_is_configured() {
        assert!(!authorized(None, &headers(Some("Bearer "))));
        assert!(!authorized(None, &headers(None)));
        let err = authorize(None, &headers(Some(&format!("Bearer {SECRET}")))).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::UNAUTHORIZED);
    }
}
