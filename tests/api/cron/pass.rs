//! The run's opening pass: a quiet day is one call to the database and none to Storage, a step with
//! more than one batch goes on from the pass, a failed pass leaves every step to run alone, and a
//! rerun over an unchanged day writes no report.

use serde_json::json;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{PRIVATE, number, run, sql, stored, stored_image, texts, upload, user};

/// Calls the stand-ins of `services` received while `run` ran the cron once; and its `data`.
async fn counted(stack: &TestStack, services: [Service; 2]) -> ([usize; 2], serde_json::Value) {
    let before = services.map(|service| stack.faults.outages.calls(service));
    let data = run(stack).await;
    let after = services.map(|service| stack.faults.outages.calls(service));
    ([after[0] - before[0], after[1] - before[1]], data)
}

#[tokio::test]
async fn a_quiet_days_run_is_one_call_to_the_database_and_none_to_storage() {
    let stack = TestStack::start().await;
    let siti = user(&stack, "siti@example.com").await;
    let recent = stored_image(&stack, &siti, 3, false).await;

    let (calls, data) = counted(&stack, [Service::Postgrest, Service::Storage]).await;

    assert_eq!(calls, [1, 0], "database and Storage calls of a quiet run: {data}");
    assert_eq!((data["remaining"].as_bool(), data["failed"].as_array().map(Vec::len)), (Some(false), Some(0)));
    assert_eq!(number(&stack, "select count(*) from daily_reports").await, 1, "the report is recorded");
    assert!(recent.objects().iter().all(|(bucket, path)| stored(&stack, bucket, path)));
}

#[tokio::test]
async fn steps_with_more_than_one_batch_go_on_from_the_pass_in_the_same_run() {
    let stack = TestStack::start_with_env(&[("CRON_BATCH_SIZE", "2")]).await;
    let siti = user(&stack, "siti@example.com").await;
    let mut expired = Vec::new();
    for _ in 0..3 {
        expired.push(stored_image(&stack, &siti, 100, false).await);
    }
    let orphans: Vec<String> =
        (0..5).map(|i| format!("{siti}/0f3e9a40-3b0c-4c57-a1f4-0d8e7b6c5a2{i}/original.png")).collect();
    for path in &orphans {
        upload(&stack, PRIVATE, path).await;
        stack.backdate(PRIVATE, path, std::time::Duration::from_secs(2 * 60 * 60)).await;
    }
    sql(&stack, &format!("insert into usage_logs (user_id, action, status, created_at)
                          select '{siti}', 'download', 'success', now() - interval '60 days' from generate_series(1, 5)"))
    .await;

    let data = run(&stack).await;

    let deleted = &data["deleted"];
    assert_eq!(
        (deleted["images"].as_u64(), deleted["image_objects"].as_u64(), deleted["orphan_objects"].as_u64()),
        (Some(3), Some(9), Some(5)),
        "{data}"
    );
    assert_eq!((deleted["usage_logs"].as_u64(), data["remaining"].as_bool()), (Some(5), Some(false)), "{data}");
    assert!(expired.iter().flat_map(|image| image.objects()).all(|(bucket, path)| !stored(&stack, bucket, path)));
    assert!(orphans.iter().all(|path| !stored(&stack, PRIVATE, path)), "an orphan outlived the run");
    assert_eq!(number(&stack, "select count(*) from generated_images").await, 0);
}

#[tokio::test]
async fn a_failed_pass_leaves_every_step_to_run_alone_and_says_so() {
    let stack = TestStack::start().await;
    let siti = user(&stack, "siti@example.com").await;
    let expired = stored_image(&stack, &siti, 100, false).await;
    let orphan = format!("{siti}/0f3e9a40-3b0c-4c57-a1f4-0d8e7b6c5a21/original.png");
    upload(&stack, PRIVATE, &orphan).await;
    stack.backdate(PRIVATE, &orphan, std::time::Duration::from_secs(2 * 60 * 60)).await;
    sql(
        &stack,
        &format!(
            "insert into usage_logs (user_id, action, status, created_at)
                          values ('{siti}', 'download', 'success', now() - interval '60 days')"
        ),
    )
    .await;
    let refused = json!({ "code": "57014", "message": "canceling statement due to statement timeout" });
    stack.faults.inject(Service::Postgrest, Fault::json(500, refused), 1);

    let data = run(&stack).await;

    let failed = data["failed"].as_array().cloned().unwrap_or_default();
    assert_eq!(failed.iter().map(|f| f["step"].as_str()).collect::<Vec<_>>(), [Some("pass")], "{data}");
    assert!(!data.to_string().contains("statement timeout"), "a cause reached the answer: {data}");
    let deleted = &data["deleted"];
    assert_eq!(
        (deleted["images"].as_u64(), deleted["orphan_objects"].as_u64(), deleted["usage_logs"].as_u64()),
        (Some(1), Some(1), Some(1)),
        "{data}"
    );
    assert_eq!(data["remaining"], false, "{data}");
    assert_eq!(number(&stack, "select count(*) from daily_reports").await, 1, "the report is recorded");
    assert!(expired.objects().iter().all(|(bucket, path)| !stored(&stack, bucket, path)));
    assert!(!stored(&stack, PRIVATE, &orphan), "the orphan outlived the run");
}

#[tokio::test]
async fn a_rerun_over_an_unchanged_day_leaves_the_report_as_it_was() {
    let stack = TestStack::start().await;
    let siti = user(&stack, "siti@example.com").await;
    let report = "select figures::text || ' at ' || updated_at::text from daily_reports";
    run(&stack).await;
    let recorded = texts(&stack, report).await;

    run(&stack).await;
    assert_eq!(texts(&stack, report).await, recorded, "an unchanged day's report was written again");

    sql(
        &stack,
        &format!(
            "insert into usage_logs (user_id, action, status, created_at)
                          values ('{siti}', 'generate', 'success', date_trunc('day', now() at time zone 'utc')
                                  at time zone 'utc' - interval '1 hour')"
        ),
    )
    .await;
    run(&stack).await;
    assert_ne!(texts(&stack, report).await, recorded, "a changed day's report was not rewritten");
    let generations = "select (figures ->> 'generations')::bigint from daily_reports";
    assert_eq!(number(&stack, generations).await, 1);
}
