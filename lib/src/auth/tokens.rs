//! Opaque tokens: 256 random bits, shown to their owner once and stored only as a SHA-256 hash,
//! so a database leak reveals no usable token. API keys are such tokens with an `ais_` prefix.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};

/// What identifies an API key in our tokens and in secret scanners.
pub const API_KEY_PREFIX: &str = "ais_";

/// Characters of a key shown in listings so its owner can tell keys apart (`ais_` + 8).
const API_KEY_DISPLAY_LEN: usize = 12;

/// 32 random bytes, base64url without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The system's CSPRNG does not fail on Linux after boot; an all-zero token would be refused
    // by the unique hash index on its second use rather than silently accepted.
    let _ = SystemRandom::new().fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    let mut hash = [0u8; 32];
    hash.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
    hash
}

/// A new API key, e.g. `ais_Zm9v…`, and the prefix shown in listings.
pub fn new_api_key() -> (String, String) {
    let key = format!("{API_KEY_PREFIX}{}", random_token());
    let shown = key[..API_KEY_DISPLAY_LEN].to_owned();
    (key, shown)
}

/// Whether a bearer credential looks like one of our API keys (rather than a JWT).
pub fn is_api_key(credential: &str) -> bool {
    credential.strip_prefix(API_KEY_PREFIX).is_some_and(|rest| {
        rest.len() == 43 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_url_safe() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }

    #[test]
    fn hashes_are_stable_sha256() {
        assert_eq!(token_hash("abc"), token_hash("abc"));
        assert_ne!(token_hash("abc"), token_hash("abd"));
        assert_eq!(token_hash("abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
    }

    #[test]
    fn api_keys_have_a_recognisable_shape() {
        let (key, shown) = new_api_key();
        assert!(is_api_key(&key), "{key}");
        assert!(key.starts_with(&shown) && shown.len() == 12 && shown.starts_with("ais_"));
        for not_key in ["ais_short", "eyJhbGciOi.x.y", "ais_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", ""] {
            assert!(!is_api_key(not_key), "{not_key}");
        }
    }
}
