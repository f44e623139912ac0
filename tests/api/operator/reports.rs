//! The reports the operator reads: the cron's report of the day that ended, with storage against
//! the plan, generations against the budget, failures per route, p50 and p95 of generation time,
//! active and new users, and the top users by generations and by storage (named by their current
//! address); the last 30 days, newest first.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{OPERATOR, REPORTS, call, sql};
use crate::cron::{PRIVATE, run, upload};
use crate::helpers::signed_up;

/// Noon of the UTC day before today: inside the day the report covers.
const YESTERDAY: &str = "(date_trunc('day', now() at time zone 'utc') - interval '12 hours') at time zone 'utc'";

#[tokio::test]
async fn the_operator_reads_the_days_figures_as_the_cron_recorded_them() {
    let stack = TestStack::start_with_env(&[("OPERATOR_EMAIL", OPERATOR), ("DAILY_GENERATION_BUDGET", "40")]).await;
    let operator = signed_up(&stack, OPERATOR).await;
    let (siti, budi) = (signed_up(&stack, "siti@example.com").await, signed_up(&stack, "budi@example.com").await);
    for file in ["a/original.png", "a/w150.webp", "b/original.png"] {
        upload(&stack, PRIVATE, &format!("{}/{file}", siti.id)).await;
    }
    upload(&stack, PRIVATE, &format!("{}/c/original.png", budi.id)).await;
    // Siti's three images took 1, 2 and 30 s; Budi's one 4 s. Downloads: three served, one failed.
    let mut rows = Vec::new();
    for (user, request_ms, model_ms) in
        [(&siti.id, 1_000, 800), (&siti.id, 2_000, 1_500), (&siti.id, 30_000, 29_000), (&budi.id, 4_000, 3_000)]
    {
        rows.push(format!(
            "('{user}', 'generate', 'success', 1, jsonb_build_object('request_ms', {request_ms}, 'model_ms', {model_ms}))"
        ));
    }
    for status in ["success", "success", "success", "failure"] {
        rows.push(format!("('{}', 'download', '{status}', 0, '{{\"failed\": 1}}')", siti.id));
    }
    rows.push(format!("('{}', 'edit', 'failure', 0, '{{\"failed\": 2, \"code\": \"INTERNAL\"}}')", budi.id));
    sql(
        &stack,
        &format!(
            "insert into usage_logs (user_id, action, status, units, details, created_at)
             select v.u::uuid, v.a, v.s, v.n, v.d::jsonb, {YESTERDAY}
               from (values {}) as v(u, a, s, n, d);
             insert into generation_budget_days (day, used) values ((now() at time zone 'utc')::date - 1, 4);
             insert into daily_reports (day, figures)
             select (now() at time zone 'utc')::date - d, jsonb_build_object('generations', d)
               from generate_series(2, 40) d;",
            rows.join(", ")
        ),
    )
    .await;

    run(&stack).await;
    let answer = call(&stack, Method::GET, REPORTS, Some(&operator.access)).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let reports = answer.data()["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 30, "the last 30 of 40 days");
    let days: Vec<&str> = reports.iter().map(|r| r["day"].as_str().unwrap()).collect();
    assert!(days.windows(2).all(|w| w[0] > w[1]), "newest first: {days:?}");
    assert_eq!(reports[29]["figures"]["generations"], 30, "the 30th is 30 days old");
    let day = &reports[0]["figures"];
    assert_eq!(
        reports[0]["day"],
        crate::cron::texts(&stack, "select ((now() at time zone 'utc')::date - 1)::text").await[0]
    );
    assert_eq!((day["generations"].clone(), day["generation_budget"].clone()), (json!(4), json!(40)), "{day}");
    assert_eq!(day["budget_used"], 4, "{day}");
    assert_eq!(day["generation_ms"]["count"], 4, "{day}");
    assert_eq!(
        (day["generation_ms"]["p50"].clone(), day["generation_ms"]["p95"].clone()),
        (json!(2_000), json!(30_000))
    );
    assert_eq!(day["generation_ms"]["model_p95"], 29_000, "{day}");
    assert_eq!(day["routes"]["download"], json!({ "requests": 4, "failures": 1 }), "{day}");
    assert_eq!(day["routes"]["generate"], json!({ "requests": 4, "failures": 0 }), "{day}");
    assert_eq!(day["routes"]["edit"], json!({ "requests": 2, "failures": 2 }), "{day}");
    assert_eq!(day["active_users"], 2, "{day}");
    assert!(day["new_users"].is_u64() && day["storage_limit_bytes"].is_u64(), "{day}");
    assert_eq!(
        day["top_users_by_generations"],
        json!([{ "user_id": siti.id, "email": "siti@example.com", "generations": 3 },
               { "user_id": budi.id, "email": "budi@example.com", "generations": 1 }]),
        "{day}"
    );
    let storage = &day["top_users_by_storage"];
    assert_eq!((storage[0]["email"].clone(), storage[0]["objects"].clone()), (json!("siti@example.com"), json!(3)));
    assert_eq!((storage[1]["email"].clone(), storage[1]["objects"].clone()), (json!("budi@example.com"), json!(1)));
    assert!(storage[0]["bytes"].as_u64().unwrap() > storage[1]["bytes"].as_u64().unwrap(), "{storage}");
    assert_eq!(day["storage_objects"], 4, "{day}");
}

#[tokio::test]
async fn a_deleted_accounts_address_is_gone_from_the_reports() {
    let stack = TestStack::start_with_env(&[("OPERATOR_EMAIL", OPERATOR)]).await;
    let operator = signed_up(&stack, OPERATOR).await;
    let figures = json!({ "top_users_by_generations": [{ "user_id": "3b241101-e2bb-4255-8caf-4136c566a962",
                                                          "generations": 7 }] });
    sql(
        &stack,
        &format!("insert into daily_reports (day, figures) values ((now() at time zone 'utc')::date - 1, '{figures}')"),
    )
    .await;

    let answer = call(&stack, Method::GET, REPORTS, Some(&operator.access)).await;

    let top = &answer.data()["reports"][0]["figures"]["top_users_by_generations"];
    assert_eq!(top, &json!([{ "user_id": "3b241101-e2bb-4255-8caf-4136c566a962", "generations": 7, "email": null }]));
}
