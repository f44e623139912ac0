//! The operator report: each run records the figures of the day that ended in `daily_reports`, and
//! e-mails `OPERATOR_EMAIL` once per day for each threshold crossed (storage above 90 % of the plan,
//! generations above 80 % of the daily budget, failures above 10 %); a quiet day sends nothing.

use serde_json::Value;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{PRIVATE, number, run, sql, texts, upload, user};

const OPERATOR: &str = "ops@studio.example";

/// Noon of the UTC day before today: inside the day the report covers.
const YESTERDAY: &str = "(date_trunc('day', now() at time zone 'utc') - interval '12 hours') at time zone 'utc'";

/// `generations` delivered images and `failed` refunded units of `user`, logged yesterday.
fn day_of(user: &str, generations: usize, failed: usize) -> String {
    let mut statements = vec![format!(
        "insert into usage_logs (user_id, action, status, units, created_at)
         select '{user}', 'generate', 'success', 1, {YESTERDAY} from generate_series(1, {generations});"
    )];
    if failed > 0 {
        statements.push(format!(
            "insert into usage_logs (user_id, action, status, units, created_at)
             values ('{user}', 'quota_refund', 'success', {failed}, {YESTERDAY});"
        ));
    }
    statements.join("\n")
}

async fn yesterday(stack: &TestStack) -> String {
    texts(stack, "select ((now() at time zone 'utc')::date - 1)::text").await.remove(0)
}

async fn recorded(stack: &TestStack) -> (Value, Vec<String>) {
    let db = stack.db.client().await;
    let row = db
        .query_one(
            "select figures, alerts_sent from daily_reports where day = (now() at time zone 'utc')::date - 1",
            &[],
        )
        .await
        .expect("the day's report row");
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn a_quiet_day_is_recorded_with_its_figures_and_sends_nothing() {
    let stack = TestStack::start_with_env(&[("OPERATOR_EMAIL", OPERATOR)]).await;
    let (siti, budi) = (user(&stack, "siti@example.com").await, user(&stack, "budi@example.com").await);
    upload(&stack, PRIVATE, &format!("{siti}/a/original.png")).await;
    upload(&stack, PRIVATE, &format!("{siti}/a/w150.webp")).await;
    sql(&stack, &day_of(&siti, 20, 1)).await;
    sql(
        &stack,
        &format!(
            "insert into usage_logs (user_id, action, status, created_at) values
           ('{siti}', 'download', 'success', {YESTERDAY}), ('{siti}', 'download', 'success', {YESTERDAY}),
           ('{siti}', 'share_create', 'success', {YESTERDAY}), (null, 'share_view', 'success', {YESTERDAY}),
           (null, 'share_view', 'success', {YESTERDAY}), ('{siti}', 'generate', 'success', now());
         insert into sessions (user_id, family_id, token_hash, created_at, last_used_at, expires_at)
         values ('{budi}', gen_random_uuid(), decode(repeat('c1', 32), 'hex'), now() - interval '3 days', {YESTERDAY},
                 now() + interval '20 days');"
        ),
    )
    .await;
    let stored_bytes = number(&stack, "select sum((metadata ->> 'size')::bigint)::bigint from storage.objects").await;

    let data = run(&stack).await;

    assert_eq!(data["report"]["day"], yesterday(&stack).await.as_str(), "{data}");
    assert_eq!(
        (data["report"]["alerts"].clone(), data["report"]["emailed"].clone()),
        (Value::from(Vec::<Value>::new()), Value::from(Vec::<Value>::new()))
    );
    let (figures, sent) = recorded(&stack).await;
    let watched = ["generations", "generation_failures", "downloads", "shares_created", "share_views", "active_users"];
    let values: Vec<i64> = watched.iter().map(|name| figures[name].as_i64().unwrap_or(-1)).collect();
    assert_eq!(values, vec![20, 1, 2, 1, 2, 2], "{figures}");
    assert!(stored_bytes > 0);
    assert_eq!(figures["storage_bytes"], stored_bytes, "{figures}");
    assert_eq!(figures["storage_objects"], 2, "{figures}");
    assert_eq!(figures["storage_limit_bytes"], 1_000_000_000_u64);
    assert_eq!(sent, Vec::<String>::new());
    assert_eq!(stack.outbox.messages().len(), 0, "mail on a quiet day");
}

/// One threshold: its kind, the settings that make it easy to cross, the SQL that crosses it for
/// a user, and words of the English subject.
struct Threshold {
    kind: &'static str,
    settings: &'static [(&'static str, &'static str)],
    crossing: fn(&str) -> String,
    subject: &'static str,
}

#[tokio::test]
async fn crossing_each_threshold_sends_exactly_one_email_however_often_the_cron_runs() {
    let thresholds = [
        Threshold {
            kind: "storage",
            settings: &[("STORAGE_LIMIT_BYTES", "100")],
            crossing: |_| String::new(),
            subject: "Storage is nearly full",
        },
        Threshold {
            kind: "generations",
            settings: &[("DAILY_GENERATION_BUDGET", "10")],
            crossing: |user| day_of(user, 9, 0),
            subject: "near the daily budget",
        },
        Threshold {
            kind: "failures",
            settings: &[],
            crossing: |user| day_of(user, 8, 2),
            subject: "generations failed",
        },
    ];
    for Threshold { kind, settings, crossing, subject } in thresholds {
        let mut env = vec![("OPERATOR_EMAIL", OPERATOR), ("OPERATOR_LOCALE", "en")];
        env.extend_from_slice(settings);
        let stack = TestStack::start_with_env(&env).await;
        let siti = user(&stack, "siti@example.com").await;
        upload(&stack, PRIVATE, &format!("{siti}/b/original.png")).await;
        upload(&stack, PRIVATE, &format!("{siti}/b/w150.webp")).await;
        sql(&stack, &crossing(&siti)).await;

        let first = run(&stack).await;
        let (second, third) = tokio::join!(run(&stack), run(&stack));

        assert_eq!(first["report"]["alerts"], serde_json::json!([kind]), "{kind}: {first}");
        assert_eq!(first["report"]["emailed"], serde_json::json!([kind]), "{kind}: {first}");
        for later in [&second, &third] {
            assert_eq!(later["report"]["emailed"], serde_json::json!([]), "{kind}: {later}");
        }
        let mail = stack.outbox.find_to(OPERATOR);
        assert_eq!(mail.len(), 1, "{kind}: {mail:?}");
        assert!(mail[0].subject.contains(subject), "{kind}: {}", mail[0].subject);
        assert!(mail[0].subject.contains(&yesterday(&stack).await), "{kind}: {}", mail[0].subject);
        let key = format!("operator-alert/{kind}/{}", yesterday(&stack).await);
        assert_eq!(mail[0].idempotency_key.as_deref(), Some(key.as_str()), "{kind}");
        assert_eq!(recorded(&stack).await.1, vec![kind.to_owned()], "{kind}");
    }
}

#[tokio::test]
async fn without_an_operator_address_the_crossing_is_recorded_and_nothing_is_sent() {
    let stack = TestStack::start_with_env(&[("DAILY_GENERATION_BUDGET", "10")]).await;
    let siti = user(&stack, "siti@example.com").await;
    sql(&stack, &day_of(&siti, 9, 0)).await;

    let data = run(&stack).await;

    assert_eq!(data["report"]["alerts"], serde_json::json!(["generations"]), "{data}");
    assert_eq!(data["report"]["emailed"], serde_json::json!([]), "{data}");
    let (figures, sent) = recorded(&stack).await;
    assert_eq!(figures["alerts"], serde_json::json!(["generations"]));
    assert_eq!(sent, Vec::<String>::new());
    assert_eq!(stack.outbox.messages().len(), 0);
}

#[tokio::test]
async fn an_alert_resend_refused_is_sent_by_the_next_run() {
    let stack = TestStack::start_with_env(&[("OPERATOR_EMAIL", OPERATOR), ("DAILY_GENERATION_BUDGET", "10")]).await;
    let siti = user(&stack, "siti@example.com").await;
    sql(&stack, &day_of(&siti, 9, 0)).await;
    let down = serde_json::json!({ "statusCode": 500, "name": "internal_server_error", "message": "down" });
    stack.faults.inject(Service::Resend, Fault::json(500, down), 3);

    let failed = run(&stack).await;

    assert_eq!(stack.faults.pending(Service::Resend), 0, "every retry was used");
    assert_eq!(failed["failed"][0]["step"], "report", "{failed}");
    assert_eq!(failed["failed"][0]["code"], "UPSTREAM_UNAVAILABLE", "{failed}");
    assert_eq!(recorded(&stack).await.1, Vec::<String>::new(), "the claim was given back");

    let retried = run(&stack).await;

    assert_eq!(retried["report"]["emailed"], serde_json::json!(["generations"]), "{retried}");
    assert_eq!(stack.outbox.find_to(OPERATOR).len(), 1);
    assert_eq!(recorded(&stack).await.1, vec!["generations".to_owned()]);
}
