//! `NewPassword`: a password someone wants to set, held to the rules a security reviewer expects
//! (NIST SP 800-63B): long enough, not too long to hash cheaply, not the account's own e-mail, not
//! a well-known or trivially patterned password. Composition rules are deliberately absent.

use crate::domain::Email;
use crate::error::ApiError;

pub struct NewPassword(String);

const MIN_CHARS: usize = 10;
/// Bounds the argon2 work an attacker can ask for per request.
const MAX_BYTES: usize = 256;

/// Passwords of ten or more characters that top every leaked-password list.
const COMMON: &[&str] = &[
    "1234567890",
    "0123456789",
    "12345678910",
    "123456789a",
    "a123456789",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "asdfghjkl;",
    "zxcvbnm123",
    "qwerty1234",
    "qwerty12345",
    "qwertyuiop1",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "p@ssw0rd123",
    "iloveyou12",
    "iloveyou123",
    "sayangku123",
    "abcdefghij",
    "abcd123456",
    "abc1234567",
    "1111111111",
    "0000000000",
    "aaaaaaaaaa",
    "football123",
    "baseball123",
    "princess123",
    "sunshine123",
    "welcome123",
    "welcome1234",
    "letmein123",
    "monkey12345",
    "dragon12345",
    "master12345",
    "superman123",
    "starwars123",
    "trustno1234",
    "changeme123",
    "administrator",
    "admin12345",
    "admin123456",
    "bismillah123",
    "indonesia123",
    "rahasia123",
    "katasandi123",
    "jakarta123",
];

impl NewPassword {
    pub fn parse(field: &str, raw: &str, email: &Email) -> Result<Self, ApiError> {
        let reject = |message: &str| Err(ApiError::validation(field, message));
        if raw.chars().count() < MIN_CHARS {
            return reject("must be at least 10 characters");
        }
        if raw.len() > MAX_BYTES {
            return reject("must be at most 256 bytes");
        }
        let lower = raw.to_lowercase();
        let local = email.as_str().split('@').next().unwrap_or_default();
        if lower == email.as_str() || lower == local || lower.contains(email.as_str()) {
            return reject("must not be your e-mail address");
        }
        if COMMON.contains(&lower.as_str()) || is_patterned(&lower) {
            return reject("is too common; choose a longer or less predictable password");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// One repeated character, or a run of consecutive characters (`abcdefghij`, `9876543210`).
fn is_patterned(password: &str) -> bool {
    let chars: Vec<char> = password.chars().collect();
    let all_same = chars.windows(2).all(|w| w[0] == w[1]);
    let steps: Vec<i64> = chars.windows(2).map(|w| w[1] as i64 - w[0] as i64).collect();
    let sequential = steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1);
    all_same || sequential
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse("email", "siti@example.com").unwrap()
    }

    #[test]
    fn accepts_long_unpredictable_passwords_of_any_script() {
        for good in ["correct horse battery", "kopi-tubruk-pagi-hari", "パスワードは長いほうがいい", "Tr0ub4dor&3xyz"]
        {
            assert!(NewPassword::parse("password", good, &email()).is_ok(), "{good}");
        }
    }

    #[test]
    fn refuses_short_long_own_email_and_common_passwords() {
        let too_long = "x".repeat(257);
        let cases = [
            ("short1234", "at least 10"),
            (too_long.as_str(), "at most 256"),
            ("siti@example.com", "e-mail"),
            ("SITI@EXAMPLE.COM", "e-mail"),
            ("password123", "too common"),
            ("Qwertyuiop", "too common"),
            ("zzzzzzzzzzzz", "too common"),
            ("abcdefghijkl", "too common"),
            ("9876543210", "too common"),
        ];
        for (password, why) in cases {
            let err = NewPassword::parse("password", password, &email()).err().unwrap_or_else(|| panic!("{password}"));
            assert!(err.to_string().contains(why), "{password}: {err}");
            assert_eq!(err.body()["details"]["field"], "password");
        }
    }
}
