//! Per-address limits count an IPv6 client by its /64 network, which one subscriber is commonly
//! given whole, and an IPv4 client by its address, however it is written. The address is the one
//! Vercel's proxy names in `x-vercel-forwarded-for`; what a client writes in `x-real-ip` or
//! `x-forwarded-for` is replaced on the way (the local stack does as Vercel does) and never counts.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::url;
use crate::helpers::{Answer, PASSWORD, request, send};

/// A registration of `email` from `ip` (as Vercel's proxy names it in `x-vercel-forwarded-for`).
async fn register_from(stack: &TestStack, ip: &str, email: &str) -> Answer {
    let body = json!({ "email": email, "password": PASSWORD, "name": "Budi" });
    send(request(Method::POST, &url(stack, "register"), None, Some(body)).header("x-vercel-forwarded-for", ip)).await
}

#[tokio::test]
async fn addresses_in_one_ipv6_64_share_one_registration_limit_and_another_64_does_not() {
    crate::helpers::inside_one_window(Duration::from_secs(60 * 60), Duration::from_secs(120)).await;
    let stack = TestStack::start().await;
    for n in 1..=10 {
        let ip = format!("2001:db8:7:1::{n:x}");
        let answer = register_from(&stack, &ip, &format!("budi{n}@example.com")).await;
        assert_eq!(answer.status, 202, "registration {n} from {ip}: {}", answer.body);
    }

    let same_64 = register_from(&stack, "2001:db8:7:1:ffff:1234:5678:9abc", "rotated@example.com").await;

    assert_eq!((same_64.status, same_64.error_code()), (429, "RATE_LIMITED"), "{}", same_64.body);
    let other_64 = register_from(&stack, "2001:db8:7:2::1", "neighbour@example.com").await;
    assert_eq!(other_64.status, 202, "another /64 is counted apart: {}", other_64.body);
    let db = stack.db.client().await;
    let refused: i64 =
        db.query_one("select count(*) from users where email = 'rotated@example.com'", &[]).await.unwrap().get(0);
    assert_eq!(refused, 0, "the refused registration made no account");
}

#[tokio::test]
async fn an_ipv4_address_counts_the_same_written_as_ipv4_mapped_ipv6() {
    crate::helpers::inside_one_window(Duration::from_secs(60 * 60), Duration::from_secs(120)).await;
    let stack = TestStack::start().await;
    for n in 1..=10 {
        let ip = if n % 2 == 0 { "203.0.113.9" } else { "::ffff:203.0.113.9" };
        let answer = register_from(&stack, ip, &format!("budi{n}@example.com")).await;
        assert_eq!(answer.status, 202, "registration {n} from {ip}: {}", answer.body);
    }

    let mapped = register_from(&stack, "::ffff:203.0.113.9", "again@example.com").await;

    assert_eq!((mapped.status, mapped.error_code()), (429, "RATE_LIMITED"), "{}", mapped.body);
    let next_address = register_from(&stack, "203.0.113.10", "neighbour@example.com").await;
    assert_eq!(next_address.status, 202, "each IPv4 address is counted apart: {}", next_address.body);
}

/// A registration of `email` that claims, in the headers a client can write, to come from `ip`.
async fn register_claiming(stack: &TestStack, vercel: Option<&str>, ip: &str, email: &str) -> Answer {
    let body = json!({ "email": email, "password": PASSWORD, "name": "Budi" });
    let mut request = request(Method::POST, &url(stack, "register"), None, Some(body))
        .header("x-real-ip", ip)
        .header("x-forwarded-for", format!("{ip}, 10.0.0.1"));
    if let Some(vercel) = vercel {
        request = request.header("x-vercel-forwarded-for", vercel);
    }
    send(request).await
}

#[tokio::test]
async fn the_address_in_x_vercel_forwarded_for_counts_and_spoofed_headers_do_not() {
    crate::helpers::inside_one_window(Duration::from_secs(60 * 60), Duration::from_secs(120)).await;
    let stack = TestStack::start().await;
    for n in 1..=10 {
        let spoofed = format!("192.0.2.{n}");
        let answer = register_claiming(&stack, Some("198.51.100.7"), &spoofed, &format!("budi{n}@example.com")).await;
        assert_eq!(answer.status, 202, "registration {n} claiming {spoofed}: {}", answer.body);
    }

    let rotated = register_claiming(&stack, Some("198.51.100.7"), "192.0.2.99", "rotated@example.com").await;

    assert_eq!((rotated.status, rotated.error_code()), (429, "RATE_LIMITED"), "{}", rotated.body);
    for n in 1..=10 {
        let spoofed = format!("203.0.113.{n}");
        let answer = register_claiming(&stack, None, &spoofed, &format!("siti{n}@example.com")).await;
        assert_eq!(answer.status, 202, "registration {n} from this machine claiming {spoofed}: {}", answer.body);
    }
    let local = register_claiming(&stack, None, "203.0.113.99", "again@example.com").await;
    assert_eq!((local.status, local.error_code()), (429, "RATE_LIMITED"), "one machine, one count: {}", local.body);
}
