//! Guessing the current password with a stolen session: changing the password and deleting the
//! account check it, and their wrong guesses are held back like wrong logins, in the same count
//! per account and network. The owner elsewhere is not held back.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{login_from, url};
use crate::helpers::{Answer, PASSWORD, request, send, signed_up};

/// `method /api/auth/{path}` with the session `access`, from the address `ip`.
async fn from(stack: &TestStack, ip: &str, method: Method, path: &str, access: &str, body: Value) -> Answer {
    send(request(method, &url(stack, path), Some(access), Some(body)).header("x-vercel-forwarded-for", ip)).await
}

async fn change(stack: &TestStack, ip: &str, access: &str, current: &str) -> Answer {
    let body = json!({ "current_password": current, "new_password": "teh-manis-sore-hari" });
    from(stack, ip, Method::POST, "password/change", access, body).await
}

async fn delete(stack: &TestStack, ip: &str, access: &str, password: &str) -> Answer {
    from(stack, ip, Method::DELETE, "account", access, json!({ "password": password })).await
}

#[tokio::test]
async fn wrong_current_passwords_on_change_and_deletion_are_held_back_after_five() {
    let stack = TestStack::start().await;
    let stolen = signed_up(&stack, "siti@example.com").await;
    let thief = "203.0.113.66";
    for attempt in 1..=3 {
        let answer = change(&stack, thief, &stolen.access, &format!("guess-number-{attempt}")).await;
        assert_eq!(answer.status, 400, "change guess {attempt}: {}", answer.body);
        assert_eq!(answer.body["error"]["details"]["field"], "current_password");
    }
    for attempt in 4..=5 {
        let answer = delete(&stack, thief, &stolen.access, &format!("guess-number-{attempt}")).await;
        assert_eq!(answer.status, 400, "deletion guess {attempt}: {}", answer.body);
        assert_eq!(answer.body["error"]["details"]["field"], "password");
    }

    let by_change = change(&stack, thief, &stolen.access, PASSWORD).await;
    let by_deletion = delete(&stack, thief, &stolen.access, PASSWORD).await;

    for (case, answer) in [("change", &by_change), ("deletion", &by_deletion)] {
        assert_eq!((answer.status, answer.error_code()), (429, "RATE_LIMITED"), "{case}: {}", answer.body);
        let retry_after: u64 = answer.header("retry-after").parse().expect("a Retry-After in seconds");
        assert!((1..=30).contains(&retry_after), "{case}: within the first wait: {retry_after}");
    }
    let login = login_from(&stack, thief, "siti@example.com", PASSWORD).await;
    assert_eq!(login.status, 429, "the guesses count with logins from that network: {}", login.body);
    let owner = login_from(&stack, "198.51.100.20", "siti@example.com", PASSWORD).await;
    assert_eq!(owner.status, 200, "the owner elsewhere signs in: {}", owner.body);
    let owners_access = owner.data()["access_token"].as_str().unwrap().to_owned();
    let own_change = change(&stack, "198.51.100.20", &owners_access, PASSWORD).await;
    assert_eq!(own_change.status, 200, "the owner elsewhere changes the password: {}", own_change.body);
    let db = stack.db.client().await;
    let accounts: i64 = db.query_one("select count(*) from users", &[]).await.unwrap().get(0);
    assert_eq!(accounts, 1, "the held-back deletion deleted nothing");
}

#[tokio::test]
async fn the_right_current_password_starts_the_count_over_and_five_more_guesses_are_held_back() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let here = "203.0.113.8";
    for attempt in 1..=4 {
        assert_eq!(change(&stack, here, &account.access, "not-my-password-at-all").await.status, 400, "{attempt}");
    }
    // A deletion with the right password would delete the account; a change with it succeeds and
    // clears the count just the same.
    let changed = change(&stack, here, &account.access, PASSWORD).await;
    assert_eq!(changed.status, 200, "{}", changed.body);

    for attempt in 1..=5 {
        let answer = delete(&stack, here, &account.access, "not-my-password-at-all").await;
        assert_eq!(answer.status, 400, "after the right password, guess {attempt} is checked: {}", answer.body);
    }

    let sixth = delete(&stack, here, &account.access, "not-my-password-at-all").await;

    assert_eq!((sixth.status, sixth.error_code()), (429, "RATE_LIMITED"), "{}", sixth.body);
}
