//! Vercel may call the cron twice, even at once: two runs together, and a run after them, end in the
//! state one run reaches, and between them they delete each row and object once.

use std::path::PathBuf;

use studio_local::testing::TestStack;

use super::{run, sql, stored, stored_image, texts, user};

/// Every row the cron may touch, and every stored file: the state the runs are compared on.
async fn state(stack: &TestStack) -> Vec<String> {
    let mut state = texts(
        stack,
        "select 'image ' || id from generated_images
         union all select 'log ' || id from usage_logs
         union all select 'session ' || id from sessions
         union all select 'counters ' || id || ' ' || daily_used || ' ' || daily_reset_on from users
         order by 1",
    )
    .await;
    state.extend(files(&stack.storage_dir.join("objects")).into_iter().map(|path| path.display().to_string()));
    state
}

fn files(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .flat_map(|entry| if entry.path().is_dir() { files(&entry.path()) } else { vec![entry.path()] })
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn two_runs_at_once_then_a_third_reach_the_state_of_one_run_deleting_everything_once() {
    let stack = TestStack::start_with_env(&[("CRON_BATCH_SIZE", "3")]).await;
    let (siti, budi) = (user(&stack, "siti@example.com").await, user(&stack, "budi@example.com").await);
    let mut doomed = Vec::new();
    for (owner, age) in [(&siti, 91), (&siti, 120), (&budi, 95), (&budi, 300), (&siti, 180), (&budi, 99), (&siti, 93)] {
        doomed.push(stored_image(&stack, owner, age, false).await);
    }
    let kept = [stored_image(&stack, &siti, 400, true).await, stored_image(&stack, &budi, 30, false).await];
    sql(
        &stack,
        &format!(
            "insert into usage_logs (user_id, action, status, created_at)
         select '{siti}', 'generate', 'success', now() - make_interval(days => 30 + g) from generate_series(1, 10) g;
         insert into usage_logs (user_id, action, status, created_at) values ('{budi}', 'generate', 'success', now());
         insert into sessions (user_id, family_id, token_hash, created_at, expires_at)
         select '{budi}', gen_random_uuid(), decode(lpad(to_hex(g), 64, '0'), 'hex'), now() - interval '40 days',
                now() - interval '1 day' from generate_series(1, 8) g;
         update users set daily_used = 9, daily_reset_on = (now() at time zone 'utc')::date - 2;"
        ),
    )
    .await;

    let (one, two) = tokio::join!(run(&stack), run(&stack));
    let after_both = state(&stack).await;
    let third = run(&stack).await;

    for data in [&one, &two, &third] {
        assert_eq!(data["failed"], serde_json::json!([]), "{data}");
    }
    let total = |step: &str| one["deleted"][step].as_u64().unwrap() + two["deleted"][step].as_u64().unwrap();
    assert_eq!((total("images"), total("image_objects")), (7, 21), "each image deleted once: {one} {two}");
    assert_eq!((total("usage_logs"), total("sessions")), (10, 8), "{one} {two}");
    let reset = one["quotas_reset"].as_u64().unwrap() + two["quotas_reset"].as_u64().unwrap();
    assert_eq!(reset, 2);
    for step in ["images", "image_objects", "usage_logs", "sessions", "orphan_objects"] {
        assert_eq!(third["deleted"][step], 0, "the third run found {step} to delete: {third}");
    }
    assert_eq!(third["quotas_reset"], 0);
    assert_eq!(state(&stack).await, after_both, "the third run changed the state");
    let images = texts(&stack, "select id::text from generated_images order by id").await;
    let mut expected: Vec<String> = kept.iter().map(|image| image.id.clone()).collect();
    expected.sort();
    assert_eq!(images, expected);
    assert!(doomed.iter().flat_map(|image| image.objects()).all(|(bucket, path)| !stored(&stack, bucket, path)));
    assert!(kept.iter().flat_map(|image| image.objects()).all(|(bucket, path)| stored(&stack, bucket, path)));
}
