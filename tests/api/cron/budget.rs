//! Bounded work: a run out of time still does one batch of every step and says work remains; the
//! runs after it pick the rest up until nothing remains, ending where one unhurried run ends.

use studio_local::testing::TestStack;

use super::{number, run, sql, stored, stored_image, user};

#[tokio::test]
async fn a_run_out_of_time_leaves_the_rest_to_the_next_runs() {
    let stack = TestStack::start_with_env(&[("CRON_BATCH_SIZE", "2"), ("CRON_TIME_BUDGET_MS", "1")]).await;
    let siti = user(&stack, "siti@example.com").await;
    let mut old = Vec::new();
    for _ in 0..5 {
        old.push(stored_image(&stack, &siti, 100, false).await);
    }
    let recent = stored_image(&stack, &siti, 5, false).await;
    sql(
        &stack,
        &format!(
            "insert into usage_logs (user_id, action, status, created_at)
         select '{siti}', 'download', 'success', now() - interval '60 days' from generate_series(1, 7)"
        ),
    )
    .await;

    let first = run(&stack).await;

    assert_eq!(first["remaining"], true, "{first}");
    assert_eq!((first["deleted"]["usage_logs"].as_u64(), first["deleted"]["images"].as_u64()), (Some(2), Some(2)));
    assert!(first["elapsed_ms"].is_u64(), "{first}");
    let mut runs = 1;
    let (mut logs, mut images) = (2, 2);
    loop {
        let next = run(&stack).await;
        runs += 1;
        logs += next["deleted"]["usage_logs"].as_u64().unwrap();
        images += next["deleted"]["images"].as_u64().unwrap();
        assert_eq!(next["failed"], serde_json::json!([]), "{next}");
        if next["remaining"] == false {
            break;
        }
        assert!(runs < 10, "work never ran out: {next}");
    }

    assert_eq!((logs, images), (7, 5), "after {runs} runs");
    assert_eq!(number(&stack, "select count(*) from usage_logs").await, 0);
    assert_eq!(number(&stack, "select count(*) from generated_images").await, 1);
    assert!(old.iter().flat_map(|image| image.objects()).all(|(bucket, path)| !stored(&stack, bucket, path)));
    assert!(recent.objects().iter().all(|(bucket, path)| stored(&stack, bucket, path)));
}
