//! The account e-mails, in Indonesian or English by the account's locale: a plain-text body and
//! a small HTML body with every inserted value escaped.

use super::Email;

/// What an account e-mail is about.
pub enum Message<'a> {
    /// Confirms the address of a new account.
    VerifyEmail { link: &'a str },
    /// Someone tried to register an address that already has an account (the reply to a
    /// registration is the same either way, so only the owner learns of it).
    AlreadyRegistered { login_link: &'a str, reset_link: &'a str },
    /// A password-reset link, valid one hour.
    ResetPassword { link: &'a str },
}

pub fn render(message: &Message<'_>, to: &str, locale: &str) -> Email {
    let id = locale == "id";
    let (subject, lines, action) = match message {
        Message::VerifyEmail { link } => (
            pick(id, "Konfirmasi alamat e-mail Anda", "Confirm your e-mail address"),
            vec![
                pick(id, "Selamat datang di AI Image Studio!", "Welcome to AI Image Studio!"),
                pick(
                    id,
                    "Buka tautan ini dalam 24 jam untuk mengonfirmasi alamat e-mail Anda:",
                    "Open this link within 24 hours to confirm your e-mail address:",
                ),
            ],
            (*link, pick(id, "Konfirmasi e-mail", "Confirm e-mail")),
        ),
        Message::AlreadyRegistered { login_link, reset_link } => (
            pick(id, "Anda sudah punya akun", "You already have an account"),
            vec![
                pick(
                    id,
                    "Seseorang mencoba mendaftar dengan alamat ini, padahal akunnya sudah ada.",
                    "Someone tried to sign up with this address, which already has an account.",
                ),
                pick(
                    id,
                    "Jika itu Anda, silakan masuk. Lupa kata sandi? Atur ulang di sini:",
                    "If that was you, sign in. Forgot your password? Reset it here:",
                ),
                reset_link,
            ],
            (*login_link, pick(id, "Masuk", "Sign in")),
        ),
        Message::ResetPassword { link } => (
            pick(id, "Atur ulang kata sandi Anda", "Reset your password"),
            vec![pick(
                id,
                "Buka tautan ini dalam 1 jam untuk memilih kata sandi baru:",
                "Open this link within one hour to choose a new password:",
            )],
            (*link, pick(id, "Atur ulang kata sandi", "Reset password")),
        ),
    };
    let ignore =
        pick(id, "Jika Anda tidak memintanya, abaikan e-mail ini.", "If you did not ask for this, ignore this e-mail.");
    let text = format!("{}\n\n{}\n\n{ignore}\n", lines.join("\n"), action.0);
    let paragraphs: String = lines.iter().map(|l| format!("<p>{}</p>", escape(l))).collect();
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">{paragraphs}\
         <p><a href=\"{href}\">{label}</a></p><p style=\"color:#666\">{ignore}</p></body></html>",
        href = escape(action.0),
        label = escape(action.1),
        ignore = escape(ignore),
    );
    Email { to: vec![to.to_owned()], subject: subject.to_owned(), html, text, ..Email::default() }
}

pub(super) fn pick<'a>(indonesian: bool, id: &'a str, en: &'a str) -> &'a str {
    if indonesian { id } else { en }
}

pub(super) use crate::http::escape_html as escape;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaks_the_accounts_language() {
        let id = render(&Message::ResetPassword { link: "https://s.example/reset?t=1" }, "a@b.co", "id");
        let en = render(&Message::ResetPassword { link: "https://s.example/reset?t=1" }, "a@b.co", "en");
        assert!(id.subject.contains("kata sandi") && en.subject.contains("password"));
        assert!(id.text.contains("https://s.example/reset?t=1") && en.html.contains("https://s.example/reset?t=1"));
    }

    #[test]
    fn escapes_what_it_inserts() {
        let email = render(&Message::VerifyEmail { link: "https://x/\"><script>" }, "a@b.co", "en");
        assert!(!email.html.contains("<script>") && email.html.contains("&quot;&gt;&lt;script&gt;"));
    }
}
