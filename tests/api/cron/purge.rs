//! What the cron purges besides images: usage rows past 30 days, sessions of logins that are over,
//! e-mail links that were used or expired, expired idempotency records, expired or revoked share
//! links; and what it keeps of each.

use studio_local::testing::TestStack;

use super::{run, sql, stored_image, texts, user};

/// A session of `family` named by its token byte (`token_hash` is 32 bytes of it).
fn session(user: &str, name: &str, family: &str, byte: u8, expires: &str, revoked: &str) -> String {
    format!(
        "insert into sessions (user_id, family_id, token_hash, user_agent, created_at, expires_at, revoked_at, revoked_reason)
         values ('{user}', '{family}', decode(repeat('{byte:02x}', 32), 'hex'), '{name}', now() - interval '40 days',
                 {expires}, {revoked}, case when {revoked} is null then null else 'logout' end);"
    )
}

#[tokio::test]
async fn dead_credentials_old_logs_and_dead_links_go_and_everything_live_stays() {
    let stack = TestStack::start().await;
    let siti = user(&stack, "siti@example.com").await;
    let image = stored_image(&stack, &siti, 1, false).await;
    let (live_family, dead_family) = ("6f1e0c2b-0000-4000-8000-000000000001", "6f1e0c2b-0000-4000-8000-000000000002");
    let statements = [
        format!(
            "insert into usage_logs (user_id, action, status, details, created_at) values
               ('{siti}', 'generate', 'success', '{{\"age\": \"31 days\"}}', now() - interval '31 days'),
               ('{siti}', 'download', 'success', '{{\"age\": \"45 days\"}}', now() - interval '45 days'),
               ('{siti}', 'generate', 'success', '{{\"age\": \"29 days\"}}', now() - interval '29 days'),
               (null, 'share_view', 'success', '{{\"age\": \"today\"}}', now());"
        ),
        session(&siti, "expired", live_family, 1, "now() - interval '1 day'", "null"),
        session(&siti, "rotated in a live login", live_family, 2, "now() + interval '5 days'", "now() - interval '1 day'"),
        session(&siti, "current", live_family, 3, "now() + interval '20 days'", "null"),
        session(&siti, "logged out", dead_family, 4, "now() + interval '20 days'", "now() - interval '2 days'"),
        format!(
            "insert into email_tokens (user_id, purpose, token_hash, created_at, expires_at, used_at) values
               ('{siti}', 'verify_email', decode(repeat('a1', 32), 'hex'), now() - interval '2 days', now() - interval '1 day', null),
               ('{siti}', 'reset_password', decode(repeat('a2', 32), 'hex'), now() - interval '10 minutes', now() + interval '50 minutes', now()),
               ('{siti}', 'reset_password', decode(repeat('a3', 32), 'hex'), now() - interval '10 minutes', now() + interval '50 minutes', null);"
        ),
        format!(
            "insert into idempotency_keys (user_id, key, request_hash, created_at, expires_at) values
               ('{siti}', 'expired', decode(repeat('b1', 32), 'hex'), now() - interval '25 hours', now() - interval '1 hour'),
               ('{siti}', 'live', decode(repeat('b2', 32), 'hex'), now() - interval '1 hour', now() + interval '23 hours');"
        ),
        format!(
            "insert into shares (user_id, token, image_id, created_at, expires_at, revoked_at) values
               ('{siti}', 'expired-share-token-0123456789ab', '{id}', now() - interval '9 days', now() - interval '2 days', null),
               ('{siti}', 'revoked-share-token-0123456789ab', '{id}', now() - interval '9 days', null, now() - interval '1 day'),
               ('{siti}', 'forever-share-token-0123456789ab', '{id}', now() - interval '9 days', null, null),
               ('{siti}', 'weekly-share-token-0123456789abc', '{id}', now() - interval '1 day', now() + interval '6 days', null);",
            id = image.id
        ),
    ];
    sql(&stack, &statements.join("\n")).await;

    let data = run(&stack).await;

    let deleted = &data["deleted"];
    let counts: Vec<u64> = ["usage_logs", "sessions", "email_tokens", "idempotency_keys", "shares"]
        .iter()
        .map(|step| deleted[step].as_u64().unwrap_or_else(|| panic!("{step} missing: {data}")))
        .collect();
    assert_eq!(counts, vec![2, 2, 2, 1, 2], "{data}");
    let ages = texts(&stack, "select details ->> 'age' from usage_logs order by created_at").await;
    assert_eq!(ages, vec!["29 days", "today"]);
    let sessions = texts(&stack, "select user_agent from sessions order by user_agent").await;
    assert_eq!(sessions, vec!["current", "rotated in a live login"], "reuse detection needs the rotated session");
    let tokens = texts(&stack, "select encode(token_hash, 'hex') from email_tokens").await;
    assert_eq!(tokens, vec!["a3".repeat(32)]);
    assert_eq!(texts(&stack, "select key from idempotency_keys").await, vec!["live"]);
    let shares = texts(&stack, "select token from shares order by token").await;
    assert_eq!(shares, vec!["forever-share-token-0123456789ab", "weekly-share-token-0123456789abc"]);

    let again = run(&stack).await;

    assert_eq!(again["deleted"]["usage_logs"], 0, "{again}");
    assert_eq!(again["deleted"]["sessions"], 0, "{again}");
}
