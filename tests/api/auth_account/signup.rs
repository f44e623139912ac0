//! Registering: the same answer whether or not an address has an account (its owner is mailed
//! instead), each field checked by name, only hashes in the database, a limit per client address.

use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use studio_local::testing::TestStack;

use super::{call, mails_to, refused_field};
use crate::helpers::{PASSWORD, mailed_token, signed_up};

pub fn registration(email: &str) -> Value {
    json!({ "email": email, "password": PASSWORD, "name": "Budi Santoso" })
}

pub async fn register(stack: &TestStack, body: Value) -> crate::helpers::Answer {
    call(stack, Method::POST, "register", None, Some(body)).await
}

/// The public tables with a row whose text contains `needle`.
async fn tables_containing(stack: &TestStack, needle: &str) -> Vec<String> {
    let db = stack.db.client().await;
    let tables = db
        .query(
            "select table_name::text from information_schema.tables
              where table_schema = 'public' and table_type = 'BASE TABLE'",
            &[],
        )
        .await
        .unwrap();
    let mut found = Vec::new();
    for table in tables {
        let name: String = table.get(0);
        let sql = format!("select count(*) from public.\"{name}\" t where t::text like '%' || $1 || '%'");
        let count: i64 = db.query_one(&sql, &[&needle]).await.unwrap().get(0);
        if count > 0 {
            found.push(name);
        }
    }
    found
}

#[tokio::test]
async fn registering_answers_alike_for_a_new_and_a_taken_address_but_mails_each_owner_differently() {
    let stack = TestStack::start().await;
    let owner = signed_up(&stack, "siti@example.com").await;
    let mails_before = mails_to(&stack, &owner.email);

    let new = register(&stack, registration("budi@example.com")).await;
    let taken =
        register(&stack, json!({ "email": "Siti@Example.com", "password": "another-long-secret", "name": "X" })).await;

    assert_eq!((new.status, taken.status), (202, 202));
    assert_eq!(new.data(), taken.data(), "the answer tells who has an account");
    let welcome = stack.outbox.last_to("budi@example.com").expect("a verification mail");
    assert_eq!(welcome.subject, "Konfirmasi alamat e-mail Anda");
    assert!(welcome.text.as_deref().unwrap_or_default().contains("/#/verify-email?token="), "no verification link");
    assert_eq!(mails_to(&stack, &owner.email), mails_before + 1);
    let notice = stack.outbox.last_to(&owner.email).unwrap();
    assert_eq!(notice.subject, "Anda sudah punya akun");
    let text = notice.text.clone().unwrap_or_default();
    assert!(text.contains("/#/sign-in") && text.contains("/#/forgot-password") && !text.contains("token="), "{text}");
    assert!(super::logs_in(&stack, &owner.email, PASSWORD).await, "the owner's password changed");
    let db = stack.db.client().await;
    let accounts: i64 =
        db.query_one("select count(*) from users where email = 'siti@example.com'", &[]).await.unwrap().get(0);
    assert_eq!(accounts, 1);
}

#[tokio::test]
async fn the_mails_speak_the_locale_chosen_at_registration() {
    let stack = TestStack::start().await;

    for (locale, email, subject) in [
        ("id", "ani@example.com", "Konfirmasi alamat e-mail Anda"),
        ("en", "anne@example.com", "Confirm your e-mail address"),
    ] {
        let mut body = registration(email);
        body["locale"] = json!(locale);
        assert_eq!(register(&stack, body.clone()).await.status, 202, "{locale}");
        assert_eq!(stack.outbox.last_to(email).unwrap().subject, subject, "{locale}");

        assert_eq!(register(&stack, body).await.status, 202, "{locale} again");
        let again = stack.outbox.last_to(email).unwrap().subject.clone();
        let expected = if locale == "id" { "Anda sudah punya akun" } else { "You already have an account" };
        assert_eq!(again, expected, "{locale}");
    }
}

#[tokio::test]
async fn a_new_account_keeps_an_argon2id_hash_a_normalised_address_and_only_the_tokens_hash() {
    let stack = TestStack::start().await;

    let answer = register(&stack, registration("  Budi.Santoso@Example.CO.ID ")).await;

    assert_eq!(answer.status, 202, "{}", answer.body);
    let db = stack.db.client().await;
    let user = db
        .query_one("select email, password_hash, name, locale, email_verified_at is null from users", &[])
        .await
        .unwrap();
    assert_eq!(user.get::<_, String>(0), "budi.santoso@example.co.id");
    let hash: String = user.get(1);
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "not OWASP's argon2id: {hash}");
    assert_eq!(
        (user.get::<_, String>(2), user.get::<_, String>(3), user.get::<_, bool>(4)),
        ("Budi Santoso".into(), "id".into(), true)
    );
    assert_eq!(tables_containing(&stack, PASSWORD).await, Vec::<String>::new(), "the password is stored in clear");
    let mailed = stack.outbox.messages().iter().any(|m| format!("{m:?}").contains(PASSWORD));
    assert!(!mailed, "the password was mailed");
    let token = mailed_token(&stack, "budi.santoso@example.co.id");
    assert_eq!(token.len(), 43, "a 256-bit token");
    let stored = db
        .query_one(
            "select purpose, octet_length(token_hash), token_hash = sha256(convert_to($1, 'UTF8')),
                    extract(epoch from expires_at - created_at)::bigint, used_at is null
               from email_tokens",
            &[&token],
        )
        .await
        .unwrap();
    assert_eq!(stored.get::<_, String>(0), "verify_email");
    assert_eq!(stored.get::<_, i32>(1), 32);
    assert!(stored.get::<_, bool>(2), "the stored hash is not the mailed token's SHA-256");
    assert_eq!(stored.get::<_, i64>(3), 24 * 60 * 60, "a verification link lives 24 hours");
    assert!(stored.get::<_, bool>(4));
    assert_eq!(tables_containing(&stack, &token).await, Vec::<String>::new(), "the token is stored in clear");
}

#[tokio::test]
async fn registration_refuses_each_bad_field_by_name() {
    let stack = TestStack::start().await;
    let long_email = format!("{}@example.com", "a".repeat(250));
    let with = |field: &str, value: Value| {
        let mut body = registration("dewi@example.com");
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = registration("dewi@example.com");
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let cases = [
        ("email missing", without("email"), "email"),
        ("email malformed", with("email", json!("dewi.example.com")), "email"),
        ("email too long", with("email", json!(long_email)), "email"),
        ("password missing", without("password"), "password"),
        ("password of 9 characters", with("password", json!("kopi-susu")), "password"),
        ("password is the e-mail", with("password", json!("Dewi@Example.com")), "password"),
        ("password is common", with("password", json!("password123")), "password"),
        ("password of 257 bytes", with("password", json!("p".repeat(257))), "password"),
        ("name missing", without("name"), "name"),
        ("name empty", with("name", json!("   ")), "name"),
        ("name of 101 characters", with("name", json!("n".repeat(101))), "name"),
        ("name with a control character", with("name", json!("Dewi\u{0}")), "name"),
        ("locale fr", with("locale", json!("fr")), "locale"),
        ("unknown field", with("is_admin", json!(true)), "is_admin"),
    ];

    for (case, body, field) in cases {
        let answer = register(&stack, body).await;
        assert_eq!(refused_field(&answer), field, "{case}: {}", answer.body);
    }

    let db = stack.db.client().await;
    let accounts: i64 = db.query_one("select count(*) from users", &[]).await.unwrap().get(0);
    assert_eq!((accounts, stack.outbox.messages().len()), (0, 0), "a refused registration left something behind");
}

#[tokio::test]
async fn registration_is_refused_after_ten_from_one_address_within_the_hour() {
    crate::helpers::inside_one_window(Duration::from_secs(3600), Duration::from_secs(120)).await;
    let stack = TestStack::start().await;
    let from = |ip: &str, n: usize| {
        crate::helpers::request(
            Method::POST,
            &format!("{}/api/auth/register", stack.url),
            None,
            Some(registration(&format!("user{n}@example.com"))),
        )
        .header("x-vercel-forwarded-for", ip)
    };

    for n in 0..10 {
        let answer = crate::helpers::send(from("203.0.113.7", n)).await;
        assert_eq!(answer.status, 202, "registration {n}: {}", answer.body);
    }
    let eleventh = crate::helpers::send(from("203.0.113.7", 10)).await;
    let elsewhere = crate::helpers::send(from("198.51.100.2", 11)).await;

    assert_eq!((eleventh.status, eleventh.error_code()), (429, "RATE_LIMITED"), "{}", eleventh.body);
    assert!(eleventh.header("retry-after").parse::<u64>().is_ok_and(|s| s > 0), "no Retry-After");
    assert_eq!(elsewhere.status, 202, "another address is limited too: {}", elsewhere.body);
    assert!(stack.outbox.last_to("user10@example.com").is_none(), "the refused registration was mailed");
}
