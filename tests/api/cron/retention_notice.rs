//! Retention people can see: favourites and collection members survive the cron (an image that
//! leaves its last collection is due again), and each owner with images due within about a week gets
//! one e-mail about them, with the count, the dates and a gallery link, never twice for the same
//! images; images due later get a later mail, and a run's cap on mails (or its time budget) carries
//! the rest to the next run.

use studio_local::testing::TestStack;

use super::notice_cadence::days_pass;
use super::{number, run, sql, stored, stored_image, texts, user};

/// A user with a confirmed address in `locale`, as the notices need.
pub(super) async fn confirmed(stack: &TestStack, email: &str, locale: &str) -> String {
    let id = user(stack, email).await;
    sql(stack, &format!("update users set email_verified_at = now(), locale = '{locale}' where id = '{id}'")).await;
    id
}

#[tokio::test]
async fn favourites_and_collection_members_survive_until_they_leave_their_collection() {
    let stack = TestStack::start().await;
    let siti = user(&stack, "siti@example.com").await;
    let favourite = stored_image(&stack, &siti, 300, false).await;
    let collected = stored_image(&stack, &siti, 200, false).await;
    let plain = stored_image(&stack, &siti, 120, false).await;
    sql(
        &stack,
        &format!(
            "update generated_images set is_favorite = true where id = '{fav}';
         insert into collections (id, user_id, name) values ('00000000-0000-4000-8000-00000000c031', '{siti}', 'A'),
                                                            ('00000000-0000-4000-8000-00000000c032', '{siti}', 'B');
         insert into collection_images (collection_id, image_id) values
              ('00000000-0000-4000-8000-00000000c031', '{col}'), ('00000000-0000-4000-8000-00000000c032', '{col}');",
            fav = favourite.id,
            col = collected.id,
        ),
    )
    .await;

    let first = run(&stack).await;
    assert_eq!(first["deleted"]["images"], 1, "{first}");
    let mut left = texts(&stack, "select id::text from generated_images").await;
    left.sort();
    let mut kept = vec![favourite.id.clone(), collected.id.clone()];
    kept.sort();
    assert_eq!(left, kept);
    for (bucket, path) in plain.objects() {
        assert!(!stored(&stack, bucket, path), "{bucket}/{path} outlived its row");
    }
    for (bucket, path) in favourite.objects().into_iter().chain(collected.objects()) {
        assert!(stored(&stack, bucket, path), "{bucket}/{path} of a kept image was deleted");
    }

    // Deleting one collection leaves it in the other; leaving both makes it due.
    sql(&stack, "delete from collections where id = '00000000-0000-4000-8000-00000000c031'").await;
    assert_eq!(run(&stack).await["deleted"]["images"], 0);
    sql(&stack, &format!("delete from collection_images where image_id = '{}'", collected.id)).await;
    let last = run(&stack).await;
    assert_eq!(last["deleted"]["images"], 1, "{last}");
    for (bucket, path) in collected.objects() {
        assert!(!stored(&stack, bucket, path), "{bucket}/{path} outlived its row");
    }
    assert_eq!(texts(&stack, "select id::text from generated_images").await, vec![favourite.id.clone()]);
}

#[tokio::test]
async fn one_notice_per_owner_for_images_due_within_a_week_and_a_later_one_for_later_images() {
    let stack = TestStack::start().await;
    let siti = confirmed(&stack, "siti@example.com", "en").await;
    let budi = confirmed(&stack, "budi@example.com", "id").await;
    let unconfirmed = user(&stack, "tamu@example.com").await;
    let soon = [stored_image(&stack, &siti, 85, false).await, stored_image(&stack, &siti, 84, false).await];
    let later = stored_image(&stack, &siti, 60, false).await;
    let kept = stored_image(&stack, &siti, 86, false).await;
    sql(&stack, &format!("update generated_images set is_favorite = true where id = '{}'", kept.id)).await;
    stored_image(&stack, &siti, 40, true).await;
    stored_image(&stack, &budi, 86, false).await;
    stored_image(&stack, &unconfirmed, 86, false).await;

    let first = run(&stack).await;
    let second = run(&stack).await;

    assert_eq!((first["notices_sent"].as_u64(), second["notices_sent"].as_u64()), (Some(2), Some(0)));
    let mail = stack.outbox.find_to("siti@example.com");
    assert_eq!(mail.len(), 1, "{mail:?}");
    let mut due = Vec::new();
    for image in &soon {
        let query = format!(
            "select ((created_at + interval '90 days') at time zone 'utc')::date::text
               from generated_images where id = '{}'",
            image.id
        );
        due.push(texts(&stack, &query).await.remove(0));
    }
    assert_eq!(mail[0].subject, format!("2 of your images will be deleted between {} and {}", due[0], due[1]));
    let text = mail[0].text.clone().unwrap_or_default();
    assert!(text.contains("/#/gallery"), "{text}");
    let budi_mail = stack.outbox.find_to("budi@example.com");
    assert_eq!(budi_mail.len(), 1);
    assert!(budi_mail[0].subject.starts_with("1 gambar Anda akan dihapus pada"), "{}", budi_mail[0].subject);
    assert!(stack.outbox.find_to("tamu@example.com").is_empty(), "mail to an unconfirmed address");
    let notified =
        number(&stack, "select count(*) from generated_images where retention_notified_at is not null").await;
    assert_eq!(notified, 3, "siti's two and budi's one are marked");

    // When the image that was 60 days old is due within the notice's reach (22 days on, past a week
    // since the first notice): a second, separate notice about it alone.
    days_pass(&stack, 22).await;
    assert_eq!(run(&stack).await["notices_sent"], 1);
    assert_eq!(run(&stack).await["notices_sent"], 0);
    let mail = stack.outbox.find_to("siti@example.com");
    assert_eq!(mail.len(), 2, "{mail:?}");
    assert!(mail.iter().any(|m| m.subject.starts_with("1 of your images will be deleted on")), "{mail:?}");
    let query = format!(
        "select count(*) from generated_images where id = '{}' and retention_notified_at is not null",
        later.id
    );
    assert_eq!(number(&stack, &query).await, 1, "the later image is the one the second notice covers");
}

#[tokio::test]
async fn a_run_sends_at_most_its_cap_and_the_next_run_sends_the_rest() {
    let stack = TestStack::start_with_env(&[("RETENTION_NOTICES_PER_RUN", "2")]).await;
    let owners = ["a@example.com", "b@example.com", "c@example.com"];
    for email in owners {
        let id = confirmed(&stack, email, "en").await;
        stored_image(&stack, &id, 85, false).await;
    }

    let first = run(&stack).await;
    assert_eq!((first["notices_sent"].as_u64(), first["remaining"].as_bool()), (Some(2), Some(true)), "{first}");
    let second = run(&stack).await;
    assert_eq!((second["notices_sent"].as_u64(), second["remaining"].as_bool()), (Some(1), Some(false)), "{second}");
    assert_eq!(run(&stack).await["notices_sent"], 0);
    for email in owners {
        assert_eq!(stack.outbox.find_to(email).len(), 1, "{email}");
    }
    assert_eq!(stack.outbox.messages().len(), 3);
}

#[tokio::test]
async fn a_run_out_of_time_gives_its_unsent_claims_back_to_the_next_run() {
    let stack = TestStack::start_with_env(&[("CRON_TIME_BUDGET_MS", "1")]).await;
    let owners = ["a@example.com", "b@example.com", "c@example.com"];
    for email in owners {
        let id = confirmed(&stack, email, "id").await;
        stored_image(&stack, &id, 86, false).await;
    }

    for expected_marked in [1, 2, 3] {
        let data = run(&stack).await;
        assert_eq!(data["notices_sent"], 1, "one mail, then the budget is spent: {data}");
        let marked =
            number(&stack, "select count(*) from generated_images where retention_notified_at is not null").await;
        assert_eq!(marked, expected_marked, "unsent claims are given back");
    }
    assert_eq!(run(&stack).await["notices_sent"], 0);
    for email in owners {
        assert_eq!(stack.outbox.find_to(email).len(), 1, "{email}");
    }
}
