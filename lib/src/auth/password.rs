//! Password hashing with argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
//! Hashing costs tens of milliseconds of CPU and 19 MiB, so it runs on the blocking pool (one job
//! per CPU at a time: `crate::cpu`), never on the async threads that serve other requests.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::ApiError;

/// OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of nothing anyone knows: verified against when an account does not exist, so that a
/// login for an unknown e-mail costs the same time as one for a known e-mail.
static DECOY: LazyLock<String> = LazyLock::new(|| hash_now("decoy password for timing").unwrap_or_default());

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).map_err(|_| argon2::password_hash::Error::Crypto)?;
    let salt = SaltString::encode_b64(&bytes)?;
    Ok(argon2().hash_password(password.as_bytes(), &salt)?.to_string())
}

fn verify_now(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for a new password.
pub async fn hash(password: String) -> Result<String, ApiError> {
    crate::cpu::run(move || hash_now(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// Whether `password` matches `phc`; with `None` (no such account) it verifies against a decoy
/// hash and answers false, taking the same time.
pub async fn verify(password: String, phc: Option<String>) -> Result<bool, ApiError> {
    crate::cpu::run(move || match phc {
        Some(phc) => verify_now(&password, &phc),
        None => {
            let _ = verify_now(&password, &DECOY);
            false
        }
    })
    .await
    .map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_at_owasp_parameters() {
        let phc = hash("correct horse battery".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert_ne!(phc, hash("correct horse battery".into()).await.unwrap(), "salts must differ");
    }

    #[tokio::test]
    async fn verifies_the_right_password_only() {
        let phc = hash("correct horse battery".into()).await.unwrap();
        assert!(verify("correct horse battery".into(), Some(phc.clone())).await.unwrap());
        assert!(!verify("correct horse batterY".into(), Some(phc)).await.unwrap());
        assert!(!verify("anything".into(), Some("not a phc string".into())).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        assert!(!verify("decoy password for timing".into(), None).await.unwrap());
    }
}
