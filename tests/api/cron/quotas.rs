//! The quota reset: counters of a day or month that has passed go back to zero, today's stay, and a
//! user who used up yesterday's quota generates again today.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{number, run, sql, texts, user};
use crate::helpers::{request, send, signed_up};

#[tokio::test]
async fn a_user_who_used_up_yesterdays_quota_generates_today_after_the_reset() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let last_month = user(&stack, "budi@example.com").await;
    let today = user(&stack, "ayu@example.com").await;
    sql(
        &stack,
        &format!(
            "update users set daily_used = daily_quota, monthly_used = 50,
                          daily_reset_on = (now() at time zone 'utc')::date - 1,
                          monthly_reset_on = date_trunc('month', now() at time zone 'utc')::date
          where id = '{siti}';
         update users set daily_used = 3, monthly_used = monthly_quota,
                          daily_reset_on = (date_trunc('month', now() at time zone 'utc') - interval '3 days')::date,
                          monthly_reset_on = (date_trunc('month', now() at time zone 'utc') - interval '1 month')::date
          where id = '{last_month}';
         update users set daily_used = 7, monthly_used = 7 where id = '{today}';",
            siti = account.id
        ),
    )
    .await;

    let data = run(&stack).await;

    assert_eq!(data["quotas_reset"], 2, "{data}");
    let counters = |id: &str| {
        format!(
            "select (daily_used * 10000 + monthly_used)::bigint from users
              where id = '{id}' and daily_reset_on = (now() at time zone 'utc')::date
                and monthly_reset_on = date_trunc('month', now() at time zone 'utc')::date"
        )
    };
    assert_eq!(number(&stack, &counters(&account.id)).await, 50, "daily zeroed, this month's 50 kept");
    assert_eq!(number(&stack, &counters(&last_month)).await, 0, "last month's counters zeroed");
    assert_eq!(number(&stack, &counters(&today)).await, 7 * 10000 + 7, "today's counters untouched");
    let quota_url = format!("{}/api/generate/quota", stack.url);
    let shown = send(request(Method::GET, &quota_url, Some(&account.access), None)).await;
    assert_eq!(shown.data()["daily"]["used"], 0, "{}", shown.body);

    let body = json!({ "prompt": "layang-layang di atas sawah", "aspect_ratio": "1:1" });
    let generated =
        send(request(Method::POST, &format!("{}/api/generate", stack.url), Some(&account.access), Some(body))).await;

    assert_eq!(generated.status, 201, "{}", generated.body);
    assert_eq!(generated.data()["quota"]["daily"]["used"], 1);
    assert_eq!(run(&stack).await["quotas_reset"], 0, "a second run finds nothing to reset");
}

#[tokio::test]
async fn days_and_months_roll_over_at_midnight_utc() {
    let stack = TestStack::start().await;
    let siti = user(&stack, "siti@example.com").await;
    sql(&stack, &format!(
        "update users set daily_used = 4, daily_reset_on = '2026-01-31', monthly_used = 40, monthly_reset_on = '2026-01-01'
          where id = '{siti}'"
    ))
    .await;
    let reset_at = |at: &str| format!("select maintenance_reset_quotas('{at}', 100)::bigint");
    let counters = format!("select (daily_used * 10000 + monthly_used)::bigint from users where id = '{siti}'");

    // 23:59 UTC on the 31st is 06:59 on 1 February in Jakarta: still January for the quota.
    assert_eq!(number(&stack, &reset_at("2026-01-31T23:59:00Z")).await, 0);
    assert_eq!(number(&stack, &counters).await, 4 * 10000 + 40);

    assert_eq!(number(&stack, &reset_at("2026-02-01T00:00:00Z")).await, 1);
    assert_eq!(number(&stack, &counters).await, 0, "the day and the month both rolled over");
    let dates =
        texts(&stack, &format!("select daily_reset_on || ' ' || monthly_reset_on from users where id = '{siti}'"))
            .await;
    assert_eq!(dates, vec!["2026-02-01 2026-02-01"]);
}
