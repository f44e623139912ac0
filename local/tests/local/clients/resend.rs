//! The official resend client against its stand-in (tests/clients/resend.mjs), then, from the Rust
//! side, what reached the stand-in: the messages the script sent, under the client's own name.

use studio_local::resend::LOCAL_API_KEY;
use studio_local::testing::TestStack;

#[tokio::test]
async fn the_official_resend_client_sends_and_reads_refusals_through_the_stand_in() {
    let stack = TestStack::start().await;
    let base_url = format!("{}/resend", stack.url);
    let outbox_url = format!("{}/__outbox.json", stack.url);

    super::run_script(
        "resend.mjs",
        &[("RESEND_BASE_URL", &base_url), ("RESEND_API_KEY", LOCAL_API_KEY), ("OUTBOX_URL", &outbox_url)],
    )
    .await;

    let messages = stack.outbox.messages();
    let subjects: Vec<&str> = messages.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects, ["Welcome to AI Image Studio", "Once"], "exactly what the script sent, once each");
    assert_eq!(messages[0].reply_to, ["Support <support@studio.example>"], "replyTo went out as reply_to");
    // 2 in the first check (send, get), 3 in the second, 9 refusals, 1 batch.
    let attempts = stack.outbox.attempts();
    assert_eq!(attempts.len(), 15, "every call of the script reached the stand-in: {attempts:?}");
    for attempt in attempts {
        let agent = attempt.user_agent.unwrap_or_default();
        assert!(agent.starts_with("resend-node:"), "{} {} came as {agent:?}", attempt.method, attempt.path);
    }
}
