//! `ShareToken`: the unguessable part of a share link (`/s/{token}`).

use crate::auth::tokens::random_token;

/// The shortest token the `shares` table accepts: 22 base64url characters are 128 bits.
const MIN_CHARS: usize = 22;
/// The longest the table accepts.
const MAX_CHARS: usize = 128;

/// Made from 256 random bits (43 base64url characters). Any 22–128 base64url characters are read
/// as a token, as the table's check allows, so a future change of length strands no old link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareToken(String);

impl ShareToken {
    /// A new token from the system's CSPRNG.
    pub fn generate() -> Self {
        Self(random_token())
    }

    /// `None` when `raw` cannot be a token: the caller answers "not found" without asking the
    /// database, so malformed guesses cost one comparison.
    pub fn parse(raw: &str) -> Option<Self> {
        let well_formed = (MIN_CHARS..=MAX_CHARS).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_read_back_and_differ() {
        let (a, b) = (ShareToken::generate(), ShareToken::generate());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 43);
        assert_eq!(ShareToken::parse(a.as_str()), Some(a));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let too_long = "a".repeat(MAX_CHARS + 1);
        for raw in
            ["", "short", "abcdefghijklmnopqrstu", "abcdefghijklmnopqrstu+", "abcdefghij.klmnopqrstuv", &too_long]
        {
            assert_eq!(ShareToken::parse(raw), None, "{raw:?}");
        }
        assert!(ShareToken::parse("abcdefghijklmnopqrstu_").is_some());
        assert!(ShareToken::parse(&"A-".repeat(64)).is_some());
    }
}
