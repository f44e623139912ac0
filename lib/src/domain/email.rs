//! `Email`: an address as accounts store it: trimmed, lower-cased, of a plausible shape.

use crate::error::ApiError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// RFC 5321's limits: 64 characters before the `@`, 254 in all.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ApiError> {
        let email = raw.trim().to_lowercase();
        let invalid = |message: &str| Err(ApiError::validation(field, message));
        if email.is_empty() {
            return invalid("is required");
        }
        if email.len() > 254 {
            return invalid("must be at most 254 characters");
        }
        let Some((local, domain)) = email.rsplit_once('@') else { return invalid("must be an e-mail address") };
        let domain_ok = domain.len() >= 3
            && domain.contains('.')
            && !domain.starts_with(['.', '-'])
            && !domain.ends_with(['.', '-'])
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c));
        if !(domain_ok && local_ok) {
            return invalid("must be an e-mail address");
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(
            Email::parse("email", "  Budi.Santoso@Example.CO.ID ").unwrap().as_str(),
            "budi.santoso@example.co.id"
        );
        assert!(Email::parse("email", "a+tag@sub.example.com").is_ok());
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total = format!("a@{}.com", "b".repeat(250));
        for bad in [
            "",
            "   ",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@.com",
            "a@b..com",
            "a b@example.com",
            "a@exa mple.com",
            "a@@example.com",
            "<a>@example.com",
            long_local.as_str(),
            long_total.as_str(),
        ] {
            let err = Email::parse("email", bad).expect_err(bad);
            assert_eq!(err.body()["details"]["field"], "email", "{bad}");
        }
    }
}
