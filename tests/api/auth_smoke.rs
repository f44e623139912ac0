//! The account flow end to end through HTTP: register, verify from the mailed link, log in, read
//! the profile. The detailed behaviour and the attacks are specified in the other auth modules.

use studio_local::testing::TestStack;

use crate::helpers::{PASSWORD, get, request, send, signed_up};

#[tokio::test]
async fn a_new_account_registers_verifies_logs_in_and_reads_its_profile() {
    let stack = TestStack::start().await;

    let account = signed_up(&stack, "siti@example.com").await;
    let profile =
        send(request(reqwest::Method::GET, &format!("{}/api/auth/profile", stack.url), Some(&account.access), None))
            .await;

    assert_eq!(profile.status, 200, "{}", profile.body);
    let data = profile.data();
    assert_eq!(data["id"].as_str(), Some(account.id.as_str()));
    assert_eq!(data["email"].as_str(), Some(account.email.as_str()));
    assert_eq!(account.password, PASSWORD);
    assert_eq!(account.refresh.len(), 43, "a 256-bit refresh token");
    assert_eq!(data["email_verified"], true);
    assert_eq!(data["quota"]["daily"]["limit"], 50);
    assert_eq!(data["gemini_key"]["present"], false);
    assert_eq!(profile.header("cache-control"), "private, no-store");
    let anonymous = get(&format!("{}/api/auth/profile", stack.url)).await;
    assert_eq!((anonymous.status, anonymous.error_code()), (401, "UNAUTHORIZED"));
}
