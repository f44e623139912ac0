//! The operator's alerts from the figures the operator view added: the day's p95 of generation
//! time above 15 s, a route failing more than 10 % of its requests, each e-mailed once however
//! often the cron runs; and the report's budget alert sharing its claim with generate's live 80 %
//! alert, so that a day gets one budget e-mail, never both.

use serde_json::json;
use studio_local::testing::TestStack;

use super::{run, sql, texts, user};

const OPERATOR: &str = "ops@studio.example";

/// Noon of the UTC day before today: inside the day the report covers.
const YESTERDAY: &str = "(date_trunc('day', now() at time zone 'utc') - interval '12 hours') at time zone 'utc'";

/// Usage rows of `user` logged yesterday: `(action, status, details)` each `times` times.
fn logged(user: &str, rows: &[(&str, &str, serde_json::Value, usize)]) -> String {
    rows.iter()
        .map(|(action, status, details, times)| {
            let units = i32::from(*status == "success" && (*action == "generate" || *action == "edit"));
            format!(
                "insert into usage_logs (user_id, action, status, units, details, created_at)
                 select '{user}', '{action}', '{status}', {units}, '{details}', {YESTERDAY}
                   from generate_series(1, {times});"
            )
        })
        .collect()
}

async fn three_runs(stack: &TestStack) -> Vec<serde_json::Value> {
    let first = run(stack).await;
    let (second, third) = tokio::join!(run(stack), run(stack));
    vec![first, second, third]
}

#[tokio::test]
async fn a_p95_of_generation_time_above_15_s_is_mailed_once() {
    let stack = TestStack::start_with_env(&[("OPERATOR_EMAIL", OPERATOR), ("OPERATOR_LOCALE", "en")]).await;
    let siti = user(&stack, "siti@example.com").await;
    // 18 images in 3 s and 2 in 16 s: p50 3 s, p95 16 s.
    let quick = json!({ "request_ms": 3_000, "model_ms": 2_500 });
    let slow = json!({ "request_ms": 16_000, "model_ms": 15_500 });
    sql(&stack, &logged(&siti, &[("generate", "success", quick, 18), ("edit", "success", slow, 2)])).await;

    let runs = three_runs(&stack).await;

    assert_eq!(runs[0]["report"]["alerts"], json!(["slow"]), "{}", runs[0]);
    assert_eq!(runs[0]["report"]["emailed"], json!(["slow"]), "{}", runs[0]);
    assert!(runs[1..].iter().all(|r| r["report"]["emailed"] == json!([])), "{runs:?}");
    let mail = stack.outbox.find_to(OPERATOR);
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].subject.contains("Image generation is slow"), "{}", mail[0].subject);
    let text = mail[0].text.clone().unwrap_or_default();
    assert!(text.contains("p95 16.0 s, p50 3.0 s (20 images)"), "{text}");
}

#[tokio::test]
async fn fifteen_seconds_exactly_or_too_few_images_send_nothing() {
    for (case, request_ms, times) in [("p95 of exactly 15 s", 15_000, 20), ("four slow images", 40_000, 4)] {
        let stack = TestStack::start_with_env(&[("OPERATOR_EMAIL", OPERATOR)]).await;
        let siti = user(&stack, "siti@example.com").await;
        let details = json!({ "request_ms": request_ms, "model_ms": 1_000 });
        sql(&stack, &logged(&siti, &[("generate", "success", details, times)])).await;

        let data = run(&stack).await;

        assert_eq!(data["report"]["alerts"], json!([]), "{case}: {data}");
        assert_eq!(stack.outbox.find_to(OPERATOR).len(), 0, "{case}");
    }
}

#[tokio::test]
async fn a_route_failing_more_than_10_percent_of_its_requests_is_mailed_once_naming_it() {
    let stack = TestStack::start_with_env(&[("OPERATOR_EMAIL", OPERATOR), ("OPERATOR_LOCALE", "en")]).await;
    let siti = user(&stack, "siti@example.com").await;
    let failed = json!({ "failed": 1, "code": "UPSTREAM_UNAVAILABLE" });
    sql(
        &stack,
        &logged(
            &siti,
            &[
                ("download", "success", json!({}), 18),
                ("download", "failure", failed.clone(), 3),
                ("share_view", "success", json!({}), 30),
                ("share_view", "failure", failed, 3),
            ],
        ),
    )
    .await;

    let runs = three_runs(&stack).await;

    assert_eq!(runs[0]["report"]["emailed"], json!(["failures"]), "{}", runs[0]);
    assert!(runs[1..].iter().all(|r| r["report"]["emailed"] == json!([])), "{runs:?}");
    let mail = stack.outbox.find_to(OPERATOR);
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].subject.contains("Many requests failed"), "{}", mail[0].subject);
    let text = mail[0].text.clone().unwrap_or_default();
    assert!(text.contains("download: 3 / 21 (14.3%)"), "{text}");
    assert!(!text.contains("share_view"), "3 of 33 is under the line: {text}");
}

#[tokio::test]
async fn a_day_whose_live_80_percent_alert_went_out_gets_no_second_budget_mail_from_the_report() {
    let env = [("OPERATOR_EMAIL", OPERATOR), ("DAILY_GENERATION_BUDGET", "10")];
    let stack = TestStack::start_with_env(&env).await;
    let siti = user(&stack, "siti@example.com").await;
    sql(&stack, &logged(&siti, &[("generate", "success", json!({}), 9)])).await;
    // What generate's live alert leaves when it sent the 80 % e-mail during the day.
    sql(&stack, "insert into generation_budget_days (day, used, alerts_sent) values ((now() at time zone 'utc')::date - 1, 9, '{80}')").await;

    let data = run(&stack).await;

    assert_eq!(data["report"]["alerts"], json!(["generations"]), "{data}");
    assert_eq!(data["report"]["emailed"], json!([]), "{data}");
    assert_eq!(stack.outbox.messages().len(), 0, "a second budget mail for the day");
    let sent = texts(&stack, "select unnest(alerts_sent) from daily_reports").await;
    assert_eq!(sent, vec!["generations"], "the day's budget alert is recorded as gone out");
}

#[tokio::test]
async fn the_reports_budget_mail_takes_the_days_80_percent_claim() {
    let env = [("OPERATOR_EMAIL", OPERATOR), ("DAILY_GENERATION_BUDGET", "10")];
    let stack = TestStack::start_with_env(&env).await;
    let siti = user(&stack, "siti@example.com").await;
    sql(&stack, &logged(&siti, &[("generate", "success", json!({}), 9)])).await;

    let data = run(&stack).await;

    assert_eq!(data["report"]["emailed"], json!(["generations"]), "{data}");
    assert_eq!(stack.outbox.find_to(OPERATOR).len(), 1);
    let claimed = texts(
        &stack,
        "select unnest(alerts_sent)::text from generation_budget_days where day = (now() at time zone 'utc')::date - 1",
    )
    .await;
    assert_eq!(claimed, vec!["80"], "the live alert of that day could not send it again");
}
