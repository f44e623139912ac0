//! Credentials: password hashing, access tokens (JWT), opaque tokens (refresh, e-mail, API keys)
//! and the cipher for users' own Gemini keys.
//!
//! - [`password`]: argon2id hashing and verification, off the async threads.
//! - [`jwt`]: short-lived HS256 access tokens with a pinned algorithm and strict claims.
//! - [`tokens`]: random tokens stored only as SHA-256 hashes; the `ais_…` API key format.
//! - [`principal`]: the one place a request becomes the acting user or API key, or a 401.
//! - [`settings`]: `AuthConfig`, the secrets and lifetimes accounts run on.
//! - [`secretbox`]: AES-256-GCM for secrets kept at rest (bring-your-own Gemini keys).

pub mod jwt;
pub mod password;
pub mod principal;
pub mod secretbox;
pub mod settings;
pub mod tokens;

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_secrets() {
        assert!(constant_time_eq(b"same secret", b"same secret"));
        assert!(!constant_time_eq(b"same secret", b"same secreT"));
        assert!(!constant_time_eq(b"short", b"shorter"));
        assert!(constant_time_eq(b"", b""));
    }
}
