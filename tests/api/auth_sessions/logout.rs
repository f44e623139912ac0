//! Signing out: this login, every login, or one login chosen from the list of live logins.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{family, post, profile_status, refresh, url};
use crate::helpers::{PASSWORD, log_in, request, send, signed_up};

#[tokio::test]
async fn logout_ends_this_login_and_keeps_the_others() {
    let stack = TestStack::start().await;
    let phone = signed_up(&stack, "siti@example.com").await;
    let laptop = log_in(&stack, "siti@example.com", PASSWORD).await;

    let answer = post(&stack, "logout", Some(&phone.access), None).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.header("set-cookie").starts_with("studio_refresh=; Path=/api/auth; Max-Age=0"), "cookie cleared");
    assert_eq!(profile_status(&stack, &phone.access).await, 401, "the access token of the ended login");
    assert_eq!(refresh(&stack, &phone.refresh).await.status, 401, "the refresh token of the ended login");
    assert_eq!(profile_status(&stack, &laptop.access).await, 200, "another login's access token");
    assert_eq!(refresh(&stack, &laptop.refresh).await.status, 200, "another login's refresh token");
}

#[tokio::test]
async fn logout_all_ends_every_login() {
    let stack = TestStack::start().await;
    let phone = signed_up(&stack, "siti@example.com").await;
    let laptop = log_in(&stack, "siti@example.com", PASSWORD).await;

    let answer = post(&stack, "logout-all", Some(&phone.access), None).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    for (login, account) in [("phone", &phone), ("laptop", &laptop)] {
        assert_eq!(profile_status(&stack, &account.access).await, 401, "{login} access token");
        assert_eq!(refresh(&stack, &account.refresh).await.status, 401, "{login} refresh token");
    }
}

#[tokio::test]
async fn logout_needs_a_signed_in_caller() {
    let stack = TestStack::start().await;

    for path in ["logout", "logout-all"] {
        let answer = post(&stack, path, None, None).await;

        assert_eq!(answer.status, 401, "{path}: {}", answer.body);
        assert_eq!(answer.error_code(), "UNAUTHORIZED", "{path}");
    }
}

#[tokio::test]
async fn sessions_lists_the_live_logins_and_marks_the_current_one() {
    let stack = TestStack::start().await;
    let phone = signed_up(&stack, "siti@example.com").await;
    let body = json!({ "email": "siti@example.com", "password": PASSWORD, "transport": "body" });
    let from_laptop = request(Method::POST, &url(&stack, "login"), None, Some(body))
        .header("user-agent", "Firefox on Siti's laptop")
        .header("x-vercel-forwarded-for", "198.51.100.20");
    let laptop_access = send(from_laptop).await.data()["access_token"].as_str().unwrap().to_owned();
    let ended = log_in(&stack, "siti@example.com", PASSWORD).await;
    assert_eq!(post(&stack, "logout", Some(&ended.access), None).await.status, 200);
    signed_up(&stack, "budi@example.com").await;

    let answer = send(request(Method::GET, &url(&stack, "sessions"), Some(&laptop_access), None)).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let sessions = answer.data().as_array().expect("a list");
    let listed: BTreeSet<(&str, bool)> =
        sessions.iter().map(|s| (s["id"].as_str().unwrap_or_default(), s["current"] == true)).collect();
    let (phone_family, laptop_family) = (family(&phone.access), family(&laptop_access));
    let expected = BTreeSet::from([(phone_family.as_str(), false), (laptop_family.as_str(), true)]);
    assert_eq!(listed, expected, "live logins of this account only: {}", answer.body);
    let laptop = sessions.iter().find(|s| s["current"] == true).expect("the current login");
    let fields: BTreeSet<&str> = laptop.as_object().expect("an object").keys().map(String::as_str).collect();
    let shown = BTreeSet::from(["id", "user_agent", "ip", "last_used_at", "expires_at", "current"]);
    assert_eq!(fields, shown, "what a login shows (never its token hash)");
    assert_eq!((&laptop["user_agent"], &laptop["ip"]), (&json!("Firefox on Siti's laptop"), &json!("198.51.100.20")));
}

#[tokio::test]
async fn ending_another_login_by_its_id_revokes_it() {
    let stack = TestStack::start().await;
    let phone = signed_up(&stack, "siti@example.com").await;
    let laptop = log_in(&stack, "siti@example.com", PASSWORD).await;
    let path = url(&stack, &format!("sessions/{}", family(&laptop.access)));

    let answer = send(request(Method::DELETE, &path, Some(&phone.access), None)).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.data(), &json!({ "id": family(&laptop.access), "ended": true }));
    assert_eq!(profile_status(&stack, &laptop.access).await, 401, "the ended login's access token");
    assert_eq!(refresh(&stack, &laptop.refresh).await.status, 401, "the ended login's refresh token");
    assert_eq!(profile_status(&stack, &phone.access).await, 200, "the login that ended it");
}

#[tokio::test]
async fn another_accounts_login_is_not_found_and_keeps_working() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let cases = [
        ("another account's login", family(&budi.access)),
        ("no such login", "00000000-0000-4000-8000-000000000000".to_owned()),
    ];
    for (case, id) in cases {
        let path = url(&stack, &format!("sessions/{id}"));

        let answer = send(request(Method::DELETE, &path, Some(&siti.access), None)).await;

        assert_eq!(answer.status, 404, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "NOT_FOUND", "{case}");
    }
    assert_eq!(profile_status(&stack, &budi.access).await, 200, "the other account's login is untouched");
}

#[tokio::test]
async fn ending_a_login_with_a_malformed_id_names_id() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;

    let answer = send(request(Method::DELETE, &url(&stack, "sessions/not-a-uuid"), Some(&siti.access), None)).await;

    assert_eq!((answer.status, answer.error_code()), (400, "VALIDATION_ERROR"), "{}", answer.body);
    assert_eq!(answer.body["error"]["details"]["field"], "id");
}
