//! AES-256-GCM for secrets kept at rest, such as a user's own Gemini key. Each value gets a fresh
//! random nonce, and the owner's id is bound in as associated data, so a ciphertext copied onto
//! another user's row does not decrypt.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

pub struct SecretBox {
    key: LessSafeKey,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

/// A sealed value: ciphertext with its tag, and the nonce it was sealed with.
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: [u8; NONCE_LEN],
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretBoxError {
    #[error("the key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("no random nonce could be drawn")]
    Random,
    #[error("the value does not decrypt with this key and owner")]
    Open,
}

impl SecretBox {
    /// From a base64-encoded 32-byte key (`openssl rand -base64 32`).
    pub fn from_base64(encoded: &str) -> Result<Self, SecretBoxError> {
        let bytes = STANDARD.decode(encoded.trim()).map_err(|_| SecretBoxError::BadKey)?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| SecretBoxError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SecretBoxError::BadKey);
        }
        Ok(Self { key: LessSafeKey::new(key) })
    }

    pub fn seal(&self, plaintext: &[u8], owner: &[u8]) -> Result<Sealed, SecretBoxError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| SecretBoxError::Random)?;
        let mut ciphertext = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(owner), &mut ciphertext)
            .map_err(|_| SecretBoxError::Random)?;
        Ok(Sealed { ciphertext, nonce })
    }

    pub fn open(&self, sealed: &Sealed, owner: &[u8]) -> Result<Vec<u8>, SecretBoxError> {
        let mut buffer = sealed.ciphertext.clone();
        let nonce = Nonce::assume_unique_for_key(sealed.nonce);
        let plaintext =
            self.key.open_in_place(nonce, Aad::from(owner), &mut buffer).map_err(|_| SecretBoxError::Open)?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn seals_and_opens_for_the_same_owner_only() {
        let secretbox = SecretBox::from_base64(KEY).unwrap();
        let sealed = secretbox.seal(b"AIzaSy-example-key", b"user-1").unwrap();
        assert_ne!(&sealed.ciphertext[..], b"AIzaSy-example-key");
        assert_eq!(secretbox.open(&sealed, b"user-1").unwrap(), b"AIzaSy-example-key");
        assert_eq!(secretbox.open(&sealed, b"user-2"), Err(SecretBoxError::Open));
    }

    #[test]
    fn nonces_are_fresh_and_tampering_is_detected() {
        let secretbox = SecretBox::from_base64(KEY).unwrap();
        let a = secretbox.seal(b"same", b"u").unwrap();
        let b = secretbox.seal(b"same", b"u").unwrap();
        assert_ne!(a.nonce, b.nonce);
        let mut tampered = Sealed { ciphertext: a.ciphertext.clone(), nonce: a.nonce };
        tampered.ciphertext[0] ^= 1;
        assert_eq!(secretbox.open(&tampered, b"u"), Err(SecretBoxError::Open));
    }

    #[test]
    fn refuses_keys_of_the_wrong_size() {
        for bad in ["", "c2hvcnQ=", "not base64!", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMQ=="] {
            assert_eq!(SecretBox::from_base64(bad).err(), Some(SecretBoxError::BadKey), "{bad}");
        }
    }
}
