//! Guessing: failed logins look alike whatever the e-mail; guesses are held back per account and
//! network together, with a wait that doubles, and per network across accounts; strangers elsewhere
//! cannot lock the owner out; with the limiter down nobody logs in.

use std::time::Duration;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{login_from, registered};
use crate::helpers::{PASSWORD, signed_up};

#[tokio::test]
async fn login_failures_say_nothing_about_which_emails_have_accounts() {
    let stack = TestStack::start().await;
    signed_up(&stack, "siti@example.com").await;
    registered(&stack, "budi@example.com").await;
    let client = stack.db.client().await;
    client.execute("update users set is_disabled = true where email = 'budi@example.com'", &[]).await.unwrap();
    let unknown = login_from(&stack, "203.0.113.7", "nobody@example.com", PASSWORD).await;
    assert_eq!((unknown.status, unknown.error_code()), (401, "UNAUTHORIZED"), "{}", unknown.body);
    let cases = [
        ("a wrong password", "siti@example.com", "not-the-password"),
        ("a disabled account with its password", "budi@example.com", PASSWORD),
    ];
    for (case, email, password) in cases {
        let answer = login_from(&stack, "203.0.113.7", email, password).await;

        assert_eq!(answer.status, 401, "{case}: {}", answer.body);
        assert_eq!(answer.body["error"], unknown.body["error"], "{case} answers exactly like an unknown e-mail");
    }
}

#[tokio::test]
async fn five_failures_from_one_network_hold_back_that_network_only_even_with_the_right_password() {
    let stack = TestStack::start().await;
    registered(&stack, "budi@example.com").await;
    // Spellings of one address count as one: normalising happens before counting.
    let spellings = ["budi@example.com", "BUDI@example.com", " Budi@Example.com "];
    for attempt in 0..5 {
        let answer = login_from(&stack, "203.0.113.7", spellings[attempt % 3], "guess-number-n").await;
        assert_eq!(answer.status, 401, "attempt {}: {}", attempt + 1, answer.body);
    }

    let sixth = login_from(&stack, "203.0.113.7", "budi@example.com", PASSWORD).await;

    assert_eq!((sixth.status, sixth.error_code()), (429, "RATE_LIMITED"), "{}", sixth.body);
    let retry_after: u64 = sixth.header("retry-after").parse().expect("a Retry-After in seconds");
    assert!((29..=30).contains(&retry_after), "the first wait is 30 seconds: {retry_after}");
    let owner = login_from(&stack, "198.51.100.20", "budi@example.com", PASSWORD).await;
    assert_eq!(owner.status, 200, "the owner on another network signs in: {}", owner.body);
    let other = login_from(&stack, "203.0.113.7", "nobody@example.com", PASSWORD).await;
    assert_eq!(other.status, 401, "another e-mail is counted apart: {}", other.body);
}

#[tokio::test]
async fn strangers_failing_from_many_networks_do_not_lock_the_owner_out() {
    crate::helpers::inside_one_window(Duration::from_secs(15 * 60), Duration::from_secs(120)).await;
    let stack = TestStack::start().await;
    registered(&stack, "siti@example.com").await;
    // 40 wrong passwords for one account: four times what used to lock it, from ten networks
    // (IPv4 addresses and IPv6 /64s), each held back once it has had its five.
    for network in 0..10 {
        let ip = if network % 2 == 0 { format!("198.51.100.{network}") } else { format!("2001:db8:{network}::1") };
        for attempt in 1..=4 {
            let answer = login_from(&stack, &ip, "siti@example.com", "guess-number-n").await;
            assert_eq!(answer.status, 401, "{ip}, attempt {attempt}: {}", answer.body);
        }
    }

    let owner = login_from(&stack, "203.0.113.50", "siti@example.com", PASSWORD).await;

    assert_eq!(owner.status, 200, "the owner is locked out by strangers: {}", owner.body);
}

#[tokio::test]
async fn each_further_failure_doubles_the_wait_and_the_right_password_starts_over() {
    let stack = TestStack::start_with_env(&[("LOGIN_BACKOFF_SECS", "1")]).await;
    registered(&stack, "siti@example.com").await;
    let guess = || login_from(&stack, "203.0.113.7", "siti@example.com", "guess-number-n");
    for attempt in 1..=5 {
        assert_eq!(guess().await.status, 401, "attempt {attempt} is free");
    }
    let mut waits = Vec::new();
    for round in 1..=3 {
        let held = guess().await;
        assert_eq!((held.status, held.error_code()), (429, "RATE_LIMITED"), "round {round}: {}", held.body);
        let wait: u64 = held.header("retry-after").parse().expect("a Retry-After in seconds");
        waits.push(wait);
        let right = login_from(&stack, "203.0.113.7", "siti@example.com", PASSWORD).await;
        assert_eq!(right.status, 429, "round {round}: the right password waits too: {}", right.body);
        tokio::time::sleep(Duration::from_millis(wait * 1000 + 150)).await;
        if round < 3 {
            assert_eq!(guess().await.status, 401, "round {round}: after the wait, one more guess is checked");
        }
    }

    assert!(waits[0] == 1 && (1..=2).contains(&waits[1]) && (3..=4).contains(&waits[2]), "doubling: {waits:?}");
    assert!(waits[0] <= waits[1] && waits[1] < waits[2], "the wait grows: {waits:?}");
    let owner = login_from(&stack, "203.0.113.7", "siti@example.com", PASSWORD).await;
    assert_eq!(owner.status, 200, "after the wait the right password signs in: {}", owner.body);
    for attempt in 1..=5 {
        assert_eq!(guess().await.status, 401, "after a success, attempt {attempt} is free again");
    }
}

#[tokio::test]
async fn login_is_refused_after_fifty_failures_from_one_network_across_accounts() {
    crate::helpers::inside_one_window(Duration::from_secs(15 * 60), Duration::from_secs(120)).await;
    let stack = TestStack::start().await;
    registered(&stack, "siti@example.com").await;
    for attempt in 1..=50 {
        let answer = login_from(&stack, "203.0.113.7", &format!("probe{attempt}@example.com"), PASSWORD).await;
        assert_eq!(answer.status, 401, "attempt {attempt}: {}", answer.body);
    }

    let next = login_from(&stack, "203.0.113.7", "siti@example.com", PASSWORD).await;

    assert_eq!((next.status, next.error_code()), (429, "RATE_LIMITED"), "{}", next.body);
    assert!(!next.header("retry-after").is_empty(), "a Retry-After header");
    let elsewhere = login_from(&stack, "198.51.100.20", "siti@example.com", PASSWORD).await;
    assert_eq!(elsewhere.status, 200, "another address is counted apart: {}", elsewhere.body);
}

#[tokio::test]
async fn signing_in_successfully_does_not_use_up_a_networks_allowance() {
    crate::helpers::inside_one_window(Duration::from_secs(15 * 60), Duration::from_secs(120)).await;
    let stack = TestStack::start().await;
    registered(&stack, "siti@example.com").await;
    // One office behind one address: more successful logins than the network may fail.
    for attempt in 1..=55 {
        let answer = login_from(&stack, "203.0.113.7", "siti@example.com", PASSWORD).await;
        assert_eq!(answer.status, 200, "login {attempt}: {}", answer.body);
    }

    let typo = login_from(&stack, "203.0.113.7", "siti@example.com", "kopi-tubruk-pagi-hari!").await;

    assert_eq!(typo.status, 401, "a failure is still checked, not refused: {}", typo.body);
}

#[tokio::test]
async fn login_fails_closed_when_the_rate_limiter_is_down() {
    let stack = TestStack::start().await;
    registered(&stack, "siti@example.com").await;
    stack.faults.inject(Service::Upstash, Fault::Respond { status: 503, headers: vec![], body: String::new() }, 1);

    let answer = login_from(&stack, "203.0.113.7", "siti@example.com", PASSWORD).await;

    assert_eq!((answer.status, answer.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", answer.body);
    assert!(!answer.header("retry-after").is_empty(), "a Retry-After header");
    assert_eq!(stack.faults.pending(Service::Upstash), 0, "the limiter was asked");
    let client = stack.db.client().await;
    let sessions: i64 = client.query_one("select count(*) from sessions", &[]).await.unwrap().get(0);
    assert_eq!(sessions, 0, "no login was started");
    let recovered = login_from(&stack, "203.0.113.7", "siti@example.com", PASSWORD).await;
    assert_eq!(recovered.status, 200, "with the limiter back: {}", recovered.body);
}
