//! How often retention notices go: an owner whose images fall due every day gets at most one notice
//! per `RETENTION_NOTICE_DAYS` (7), every image is in a notice sent at least that long before it is
//! deleted and in one notice only (two runs at once included), and a notice that fails to send gives
//! back both its images and the owner's notice time. Days pass by moving every time the cron looks at
//! back by whole days.

use std::collections::HashMap;

use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::retention_notice::confirmed;
use super::{number, run, sql, stored_image, texts};

const DAY_SECS: f64 = 86_400.0;

/// Moves the cron's world `days` ahead: image ages, notice marks and owners' notice times all get
/// older by that much, as they would had the days passed.
pub async fn days_pass(stack: &TestStack, days: i32) {
    sql(
        stack,
        &format!(
            "update generated_images
                set created_at = created_at - interval '{days} days',
                    published_at = published_at - interval '{days} days',
                    retention_notified_at = retention_notified_at - interval '{days} days';
             update users set retention_notice_sent_at = retention_notice_sent_at - interval '{days} days';"
        ),
    )
    .await;
}

/// Each marked image's id and how long before its deletion its notice went (whole seconds; moving
/// the clock leaves that unchanged).
async fn leads(stack: &TestStack) -> Vec<(String, f64)> {
    let rows = stack
        .db
        .client()
        .await
        .query(
            "select id::text, extract(epoch from created_at + interval '90 days' - retention_notified_at)::float8
               from generated_images where retention_notified_at is not null",
            &[],
        )
        .await
        .expect("leads");
    rows.iter().map(|row| (row.get(0), row.get(1))).collect()
}

#[tokio::test]
async fn a_daily_generator_is_mailed_at_most_weekly_and_every_image_a_week_ahead() {
    let stack = TestStack::start().await;
    let siti = confirmed(&stack, "siti@example.com", "en").await;
    // An image a day from 50 to 82 days ago, as under this rule (none of them was due for a notice
    // yesterday): over the next 30 days, one comes within a week of deletion every day.
    for age in 50..=82 {
        stored_image(&stack, &siti, age, false).await;
    }
    let before = texts(&stack, "select id::text from generated_images").await;

    let mut noticed: HashMap<String, f64> = HashMap::new();
    let mut mailed_on = Vec::new();
    let mut images_mailed = 0;
    for day in 0..30 {
        if day > 0 {
            days_pass(&stack, 1).await;
        }
        stored_image(&stack, &siti, 0, false).await; // she goes on generating every day
        let data = run(&stack).await;
        let mail = stack.outbox.find_to("siti@example.com");
        assert!(mail.len() <= mailed_on.len() + 1, "day {day}: {data}");
        if mail.len() > mailed_on.len() {
            mailed_on.push(day);
            let subject = &mail[mail.len() - 1].subject;
            let count: usize = subject.split(' ').next().and_then(|n| n.parse().ok()).expect(subject);
            images_mailed += count;
        }
        for (id, lead) in leads(&stack).await {
            assert!(lead >= 7.0 * DAY_SECS, "day {day}: {id} noticed {:.2} days ahead", lead / DAY_SECS);
            let first = *noticed.entry(id.clone()).or_insert(lead);
            assert_eq!(first, lead, "day {day}: {id} noticed again");
        }
        // Nothing left unnoticed that a later notice would reach too late.
        let late = number(
            &stack,
            "select count(*) from generated_images
              where retention_notified_at is null and created_at + interval '90 days' < now() + interval '7 days'",
        )
        .await;
        assert_eq!(late, 0, "day {day}: an image due within a week has no notice");
    }

    for pair in mailed_on.windows(2) {
        assert!(pair[1] - pair[0] >= 7, "notices on days {mailed_on:?}");
    }
    // Each notice reaches two weeks and a day ahead, so with daily runs one goes every eighth day.
    assert_eq!(mailed_on, vec![0, 8, 16, 24]);
    assert_eq!(images_mailed, noticed.len(), "each image counted in one notice");
    let left = texts(&stack, "select id::text from generated_images").await;
    let deleted: Vec<&String> = before.iter().filter(|id| !left.contains(id)).collect();
    assert_eq!(deleted.len(), 22, "the images 61 to 82 days old went");
    for id in deleted {
        assert!(noticed.contains_key(id), "{id} was deleted without a notice");
    }
}

#[tokio::test]
async fn a_notice_that_fails_to_send_gives_back_its_images_and_the_owners_notice_time() {
    let stack = TestStack::start().await;
    let siti = confirmed(&stack, "siti@example.com", "id").await;
    stored_image(&stack, &siti, 86, false).await;
    stored_image(&stack, &siti, 80, false).await;
    // Her last notice was ten days ago: she may have the next one.
    sql(&stack, &format!("update users set retention_notice_sent_at = now() - interval '10 days' where id = '{siti}'"))
        .await;
    let down = serde_json::json!({ "statusCode": 500, "name": "internal_server_error", "message": "down" });
    stack.faults.inject(Service::Resend, Fault::json(500, down), 3);
    let marked = "select count(*) from generated_images where retention_notified_at is not null";
    let stamped = "select count(*) from users where retention_notice_sent_at > now() - interval '1 hour'";

    let failed = run(&stack).await;

    assert_eq!(stack.faults.pending(Service::Resend), 0, "every retry was used");
    assert_eq!(failed["notices_sent"], 0, "{failed}");
    assert_eq!(failed["failed"][0]["step"], "notices", "{failed}");
    assert_eq!((number(&stack, marked).await, number(&stack, stamped).await), (0, 0), "the claim was given back");
    assert!(stack.outbox.find_to("siti@example.com").is_empty());

    let retried = run(&stack).await;

    assert_eq!(retried["notices_sent"], 1, "{retried}");
    assert_eq!((number(&stack, marked).await, number(&stack, stamped).await), (2, 1));
    assert_eq!(run(&stack).await["notices_sent"], 0, "never twice");
    let mail = stack.outbox.find_to("siti@example.com");
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].subject.starts_with("2 gambar Anda akan dihapus antara"), "{}", mail[0].subject);
}

#[tokio::test]
async fn two_runs_at_once_mail_each_owner_once_with_all_their_images() {
    let stack = TestStack::start().await;
    let owners = ["a@example.com", "b@example.com", "c@example.com", "d@example.com"];
    for email in owners {
        let id = confirmed(&stack, email, "en").await;
        stored_image(&stack, &id, 86, false).await;
        stored_image(&stack, &id, 78, false).await;
    }

    let (one, two) = tokio::join!(run(&stack), run(&stack));

    let sent = one["notices_sent"].as_u64().zip(two["notices_sent"].as_u64()).map(|(a, b)| a + b);
    assert_eq!(sent, Some(4), "{one} {two}");
    assert_eq!(run(&stack).await["notices_sent"], 0);
    for email in owners {
        let mail = stack.outbox.find_to(email);
        assert_eq!(mail.len(), 1, "{email}: {mail:?}");
        assert!(mail[0].subject.starts_with("2 of your images will be deleted between"), "{}", mail[0].subject);
    }
}
