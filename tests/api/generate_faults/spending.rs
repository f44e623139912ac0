//! The studio's spending caps on the operator's Gemini key: the daily budget (exact under sixty
//! requests at once, given back when a generation fails, in units), the per-minute cap, both
//! answering 503 with `Retry-After`; users with their own key counted by neither; and the
//! operator's alert e-mail sent once per threshold the moment a generation crosses it.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use studio_local::faults::Service;
use studio_local::gemini::LOCAL_GEMINI_KEY;
use studio_local::testing::TestStack;

use super::{generate, google_error, ledger, nothing_kept, retry_info, square};
use crate::auth_account::call;
use crate::helpers::{Answer, inside_one_window, request, send, signed_up};

const OPERATOR: &str = "ops@studio.example";

/// Units the budget row holds for today (0 when no generation on the operator's key has run).
async fn budget_used(stack: &TestStack) -> i32 {
    let row = stack
        .db
        .client()
        .await
        .query_opt("select used from generation_budget_days where day = (now() at time zone 'utc')::date", &[])
        .await
        .expect("the budget row");
    row.map_or(0, |row| row.get(0))
}

/// Asserts a 503 `code` whose `Retry-After` is at most `most` seconds and at least `least`.
fn assert_refused(answer: &Answer, code: &str, least: u64, most: u64) {
    assert_eq!((answer.status, answer.error_code()), (503, code), "{}", answer.body);
    let wait: u64 = answer.header("retry-after").parse().expect("a Retry-After in seconds");
    assert!((least..=most).contains(&wait), "{code}: Retry-After {wait} s, expected {least}..={most}");
    assert_eq!(answer.body["error"]["details"]["retryAfter"], json!(wait));
}

/// Seconds from now to the next 00:00 UTC.
async fn until_midnight(stack: &TestStack) -> u64 {
    let query = "select ceil(extract(epoch from date_trunc('day', now() at time zone 'utc') + interval '1 day'
                                            - (now() at time zone 'utc')))::bigint";
    let secs: i64 = stack.db.client().await.query_one(query, &[]).await.expect("seconds").get(0);
    secs as u64
}

#[tokio::test]
async fn sixty_requests_at_once_against_a_budget_of_ten_deliver_exactly_ten() {
    // Sixty requests queue for the database on a loaded machine: the timeout leaves room for it.
    let env = [
        ("DAILY_GENERATION_BUDGET", "10"),
        ("GENERATE_RATE_PER_MINUTE", "100"),
        ("OPERATOR_EMAIL", OPERATOR),
        ("DATABASE_TIMEOUT_MS", "60000"),
    ];
    let stack = TestStack::start_with_env(&env).await;
    let mut accounts = Vec::new();
    for i in 0..6 {
        accounts.push(signed_up(&stack, &format!("pengguna{i}@example.com")).await);
    }

    let url = format!("{}/api/generate", stack.url);
    let requests: Vec<_> = (0..60)
        .map(|i| tokio::spawn(send(request(Method::POST, &url, Some(&accounts[i % 6].access), Some(square(1))))))
        .collect();
    let mut answers = Vec::new();
    for handle in requests {
        answers.push(handle.await.expect("a request task"));
    }

    let made = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(made, 10, "exactly the budget: {:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    let midnight = until_midnight(&stack).await;
    for refused in answers.iter().filter(|a| a.status != 201) {
        // Each wait was measured when its request was refused, a little before `midnight` was.
        assert_refused(refused, "BUDGET_EXHAUSTED", midnight, midnight + 120);
        let message = refused.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("budget of 10") && message.contains("00:00 UTC"), "{message}");
    }
    assert_eq!(budget_used(&stack).await, 10);
    let db = stack.db.client().await;
    let (charged, images): (i64, i64) = {
        let row = db
            .query_one("select (select sum(daily_used) from users), (select count(*) from generated_images)", &[])
            .await
            .expect("the totals");
        (row.get(0), row.get(1))
    };
    assert_eq!((charged, images), (10, 10), "the refused requests took nothing from their users");
    let mail = stack.outbox.find_to(OPERATOR);
    let mut keys: Vec<String> = mail.iter().filter_map(|m| m.idempotency_key.clone()).collect();
    keys.sort();
    let day: String = db.query_one("select ((now() at time zone 'utc')::date)::text", &[]).await.unwrap().get(0);
    assert_eq!(keys, [format!("operator-alert/budget-100/{day}"), format!("operator-alert/budget-80/{day}")]);
}

#[tokio::test]
async fn a_failed_generation_gives_its_units_back_to_the_budget() {
    let stack = TestStack::start_with_env(&[("DAILY_GENERATION_BUDGET", "3")]).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let no_quota = google_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded, limit: 0", retry_info("0.05s"));
    stack.faults.inject(Service::Gemini, no_quota, 4);

    let failed = generate(&stack, &siti, square(2)).await;

    assert_eq!(failed.status, 503, "{}", failed.body);
    assert_eq!(ledger(&stack, &siti).await, nothing_kept(2));
    assert_eq!(budget_used(&stack).await, 0, "both units went back to the budget");
    stack.faults.clear();
    assert_eq!(generate(&stack, &siti, square(2)).await.status, 201, "the budget is whole again");
    assert_eq!(budget_used(&stack).await, 2, "two units: one per image");
    let over = generate(&stack, &siti, square(2)).await;
    assert_refused(&over, "BUDGET_EXHAUSTED", 1, 86_401);
    assert_eq!(generate(&stack, &siti, square(1)).await.status, 201, "the last unit is still there");
    assert_eq!(budget_used(&stack).await, 3);
}

#[tokio::test]
async fn a_user_with_their_own_key_is_neither_counted_nor_refused() {
    let env = [("DAILY_GENERATION_BUDGET", "1"), ("GLOBAL_GENERATIONS_PER_MINUTE", "1")];
    let stack = TestStack::start_with_env(&env).await;
    let (siti, budi) = (signed_up(&stack, "siti@example.com").await, signed_up(&stack, "budi@example.com").await);
    let own = json!({ "api_key": LOCAL_GEMINI_KEY });
    assert_eq!(call(&stack, Method::PUT, "gemini-key", Some(&budi.access), Some(own)).await.status, 200);
    inside_one_window(Duration::from_secs(60), Duration::from_secs(40)).await;
    assert_eq!(generate(&stack, &siti, square(1)).await.status, 201, "the budget's one unit");

    let answer = generate(&stack, &budi, square(2)).await;

    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(budget_used(&stack).await, 1, "the own key's images are not in the budget");
    assert_eq!(generate(&stack, &budi, square(1)).await.status, 201, "and the caps do not stop them");
}

#[tokio::test]
async fn past_the_studios_cap_for_the_minute_a_generation_is_503_busy_and_not_charged() {
    inside_one_window(Duration::from_secs(60), Duration::from_secs(40)).await;
    let stack = TestStack::start_with_env(&[("GLOBAL_GENERATIONS_PER_MINUTE", "3")]).await;
    let (siti, budi) = (signed_up(&stack, "siti@example.com").await, signed_up(&stack, "budi@example.com").await);
    assert_eq!(generate(&stack, &siti, square(2)).await.status, 201);
    let before = ledger(&stack, &budi).await;

    let busy = generate(&stack, &budi, square(2)).await;

    assert_refused(&busy, "BUSY", 1, 60);
    assert!(busy.body["error"]["message"].as_str().unwrap_or_default().contains("3 a minute"), "{}", busy.body);
    assert_eq!(ledger(&stack, &budi).await, before, "nothing charged");
    assert_eq!(generate(&stack, &budi, square(1)).await.status, 201, "the refused units were not counted");
    assert_refused(&generate(&stack, &siti, square(1)).await, "BUSY", 1, 60);
}

#[tokio::test]
async fn each_threshold_mails_the_operator_once_when_crossed() {
    let env = [("DAILY_GENERATION_BUDGET", "5"), ("OPERATOR_EMAIL", OPERATOR), ("OPERATOR_LOCALE", "en")];
    let stack = TestStack::start_with_env(&env).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    assert_eq!(generate(&stack, &siti, square(3)).await.status, 201);
    assert_eq!(stack.outbox.find_to(OPERATOR).len(), 0, "60 % crosses nothing");

    assert_eq!(generate(&stack, &siti, square(1)).await.status, 201);

    let mail = stack.outbox.find_to(OPERATOR);
    assert_eq!(mail.len(), 1, "80 % is reached by this generation, not by tomorrow's report");
    assert!(mail[0].subject.contains("nearly used up"), "{}", mail[0].subject);
    assert_eq!(generate(&stack, &siti, square(1)).await.status, 201);
    assert_refused(&generate(&stack, &siti, square(1)).await, "BUDGET_EXHAUSTED", 1, 86_401);
    let mail = stack.outbox.find_to(OPERATOR);
    assert_eq!(mail.len(), 2, "80 % once, 100 % once: {:?}", mail.iter().map(|m| &m.subject).collect::<Vec<_>>());
    assert!(mail[1].subject.contains("used up"), "{}", mail[1].subject);
    assert!(mail[1].text.as_deref().unwrap_or_default().contains("5 / 5 (100.0%)"));
}
