//! Oversized bodies: every account route refuses JSON over 64 KiB, declared or streamed.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{profile, url};
use crate::helpers::{request, send, signed_up};

#[tokio::test]
async fn every_account_body_over_64_kib_is_refused() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let huge = json!({ "email": "x".repeat(64 * 1024) });
    let cases = [
        (Method::POST, "register", false),
        (Method::POST, "verify-email", false),
        (Method::POST, "resend-verification", false),
        (Method::POST, "login", false),
        (Method::POST, "refresh", false),
        (Method::POST, "password/forgot", false),
        (Method::POST, "password/reset", false),
        (Method::POST, "password/change", true),
        (Method::POST, "api-keys", true),
        (Method::PATCH, "profile", true),
        (Method::PATCH, "settings", true),
        (Method::PUT, "gemini-key", true),
        (Method::DELETE, "account", true),
    ];
    for (method, path, signed_in) in cases {
        let case = format!("{method} {path}");
        let bearer = signed_in.then_some(siti.access.as_str());

        let answer = send(request(method, &url(&stack, path), bearer, Some(huge.clone()))).await;

        assert_eq!(answer.status, 413, "{case}: {}", answer.body);
        assert_eq!(answer.error_code(), "PAYLOAD_TOO_LARGE", "{case}");
        assert_eq!(answer.body["error"]["details"]["limit"], 64 * 1024, "{case}");
    }
    assert_eq!(profile(&stack, &siti.access).await.status, 200, "nothing was done for the signed-in requests");
}

#[tokio::test]
async fn a_chunked_login_body_over_64_kib_is_refused_while_reading() {
    let stack = TestStack::start().await;
    let address = stack.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect to the stack");
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    // Nine 8 KiB chunks, no Content-Length: only counting while reading can refuse it.
    let mut chunked = head.into_bytes();
    for _ in 0..9 {
        chunked.extend_from_slice(b"2000\r\n");
        chunked.extend_from_slice(&[b' '; 0x2000]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");

    stream.write_all(&chunked).await.expect("the request is sent");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;

    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", answer.lines().next().unwrap_or_default());
    assert!(answer.contains(r#""code":"PAYLOAD_TOO_LARGE""#), "{answer}");
}
