//! E-mail through Resend: its settings, the client, and its errors. Message templates live beside
//! the client and hand it a finished [`Email`]: the account e-mails in `messages`, the operator's
//! alerts in `alerts`, the retention notice in `retention`.

pub mod alerts;
mod client;
mod error;
pub mod messages;
pub mod retention;

use std::time::Duration;

use url::Url;

use crate::config::{ConfigError, Secret, Vars, invalid};

pub use client::{Email, MAX_RECIPIENTS, Resend, SentId, Tag};
pub use error::{EmailError, Quota};

const DEFAULT_BASE_URL: &str = "https://api.resend.com";

/// How the application reaches Resend and whom its mail comes from.
#[derive(Clone, Debug)]
pub struct ResendConfig {
    /// `re_…` key with sending access (Resend dashboard → API Keys).
    pub api_key: Secret,
    /// `https://api.resend.com`, or the local stand-in.
    pub base_url: Url,
    /// `Name <address>` or a bare address on a domain verified in Resend.
    pub from: String,
    /// Budget for one `send`, retries included: a function answering a user cannot wait longer.
    pub timeout: Duration,
}

impl ResendConfig {
    pub(crate) fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let base_url = match vars.optional("RESEND_BASE_URL") {
            Some(_) => vars.url("RESEND_BASE_URL")?,
            None => Url::parse(DEFAULT_BASE_URL).map_err(|e| invalid("RESEND_BASE_URL", e.to_string()))?,
        };
        let from = vars.required("EMAIL_FROM")?;
        if sender_address(&from).is_none() {
            let reason = "expected `Name <address@domain>` or `address@domain`".to_owned();
            return Err(invalid("EMAIL_FROM", reason));
        }
        Ok(Self {
            api_key: vars.secret("RESEND_API_KEY")?,
            base_url,
            from,
            timeout: vars.millis("RESEND_TIMEOUT_MS", 10_000)?,
        })
    }
}

/// The address in `Name <address>` or a bare `address`, if it looks like one (`local@domain.tld`).
pub fn sender_address(from: &str) -> Option<&str> {
    let from = from.trim();
    let address = match from.strip_suffix('>') {
        Some(rest) => rest.rsplit_once('<')?.1.trim(),
        None => from,
    };
    is_address(address).then_some(address)
}

/// A deliberately loose check: one `@`, something before it, a dotted domain after it, no spaces
/// or brackets. Resend has the final word; this only catches mistakes before a round trip.
pub fn is_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else { return false };
    let clean = |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || "<>@,;\"".contains(c));
    clean(local) && clean(domain) && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_named_and_bare_senders() {
        assert_eq!(sender_address("AI Image Studio <noreply@studio.example>"), Some("noreply@studio.example"));
        assert_eq!(sender_address("noreply@studio.example"), Some("noreply@studio.example"));
        assert_eq!(sender_address("  Studio<a.b+c@mail.example.org>  "), Some("a.b+c@mail.example.org"));
    }

    #[test]
    fn rejects_senders_without_an_address() {
        for from in ["AI Image Studio", "Studio <>", "Studio <noreply>", "<@x.y>", "a@b", "a b@c.d", "Studio <a@b.c"] {
            assert_eq!(sender_address(from), None, "{from}");
        }
    }
}
