//! Retention of images and the orphan sweep: exactly the private images past 90 days go, with every
//! object they own and their share links; published, favourite, collected and recent images stay; a Storage
//! failure leaves nothing half-deleted and the next run finishes; objects no row points at go once
//! older than the grace period, within the generator's layout only. An image being deleted cannot
//! be published in the meantime.

use std::time::Duration;

use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{PRIVATE, PUBLIC, number, run, sql, stored, stored_image, texts, upload, user};
use crate::helpers::{request, send, signed_up};

#[tokio::test]
async fn old_private_images_go_with_their_objects_and_links_while_published_favourite_collected_and_recent_ones_stay() {
    let stack = TestStack::start().await;
    let (siti, budi) = (user(&stack, "siti@example.com").await, user(&stack, "budi@example.com").await);
    let old_private = stored_image(&stack, &siti, 91, false).await;
    let old_in_collection = stored_image(&stack, &siti, 200, false).await;
    let old_of_budi = stored_image(&stack, &budi, 95, false).await;
    let old_published = stored_image(&stack, &siti, 400, true).await;
    let recent = stored_image(&stack, &siti, 89, false).await;
    let recent_edit = stored_image(&stack, &siti, 3, false).await;
    let old_favourite = stored_image(&stack, &siti, 300, false).await;
    sql(&stack, &format!(
        "update generated_images set is_favorite = true where id = '{favourite}';
         insert into collections (id, user_id, name, cover_image_id)
              values ('00000000-0000-4000-8000-00000000c011', '{siti}', 'Sawah', '{old_private}');
         insert into collection_images (collection_id, image_id) values
              ('00000000-0000-4000-8000-00000000c011', '{old}'), ('00000000-0000-4000-8000-00000000c011', '{recent}');
         insert into shares (user_id, token, image_id) values ('{siti}', 'old-image-share-token-0123456789', '{old_private}'),
                                                              ('{siti}', 'recent-share-token-0123456789abc', '{recent}');
         update generated_images set parent_image_id = '{old_private}' where id = '{recent_edit}';",
        old = old_in_collection.id, recent = recent.id, old_private = old_private.id, recent_edit = recent_edit.id,
        favourite = old_favourite.id,
    ))
    .await;

    let data = run(&stack).await;

    // Favourites and collection members are kept however old, like published images.
    let gone = [&old_private, &old_of_budi];
    let kept = [&old_published, &old_in_collection, &old_favourite, &recent, &recent_edit];
    assert_eq!(data["deleted"]["images"], 2, "{data}");
    assert_eq!(data["deleted"]["image_objects"], 6, "{data}");
    assert_eq!(
        (data["remaining"].as_bool(), data["failed"].as_array().map(Vec::len)),
        (Some(false), Some(0)),
        "{data}"
    );
    let mut left = texts(&stack, "select id::text from generated_images order by id").await;
    let mut expected: Vec<String> = kept.iter().map(|image| image.id.clone()).collect();
    left.sort();
    expected.sort();
    assert_eq!(left, expected, "rows left");
    for image in gone {
        for (bucket, path) in image.objects() {
            assert!(!stored(&stack, bucket, path), "{bucket}/{path} outlived its row");
        }
    }
    for image in kept {
        for (bucket, path) in image.objects() {
            assert!(stored(&stack, bucket, path), "{bucket}/{path} of a kept image was deleted");
        }
    }
    let mut members = texts(&stack, "select image_id::text from collection_images").await;
    members.sort();
    let mut expected_members = vec![old_in_collection.id.clone(), recent.id.clone()];
    expected_members.sort();
    assert_eq!(members, expected_members, "collection links of kept images");
    assert_eq!(number(&stack, "select count(*) from collections where cover_image_id is null").await, 1);
    assert_eq!(texts(&stack, "select image_id::text from shares").await, vec![recent.id.clone()]);
    let parent =
        format!("select count(*) from generated_images where id = '{}' and parent_image_id is null", recent_edit.id);
    assert_eq!(number(&stack, &parent).await, 1, "the edit lost its deleted parent and stayed");
    assert_eq!(number(&stack, "select count(*) from retention_claims").await, 0);
}

#[tokio::test]
async fn a_storage_failure_mid_run_leaves_no_orphan_and_the_next_run_finishes() {
    let stack = TestStack::start_with_env(&[("CRON_BATCH_SIZE", "1")]).await;
    let siti = user(&stack, "siti@example.com").await;
    let first = stored_image(&stack, &siti, 120, false).await;
    let second = stored_image(&stack, &siti, 100, false).await;
    // The first batch's delete goes through; the second batch's fails.
    stack.faults.inject(Service::Storage, Fault::Delay { millis: 0 }, 1);
    let outage =
        serde_json::json!({ "statusCode": "503", "error": "Service Unavailable", "message": "storage is down" });
    stack.faults.inject(Service::Storage, Fault::json(503, outage), 1);

    let failed = run(&stack).await;

    assert_eq!(stack.faults.pending(Service::Storage), 0);
    assert_eq!(failed["failed"][0]["step"], "images", "{failed}");
    assert_eq!(failed["failed"][0]["code"], "UPSTREAM_UNAVAILABLE", "{failed}");
    assert_eq!(
        (failed["remaining"].as_bool(), failed["deleted"]["images"].as_u64()),
        (Some(true), Some(1)),
        "{failed}"
    );
    let rows = texts(&stack, "select id::text from generated_images").await;
    assert_eq!(rows, vec![second.id.clone()], "the oldest went, the failed batch's row stayed");
    assert!(first.objects().iter().all(|(bucket, path)| !stored(&stack, bucket, path)));
    assert!(
        second.objects().iter().all(|(bucket, path)| stored(&stack, bucket, path)),
        "an object left without its row"
    );
    assert_eq!(number(&stack, "select count(*) from retention_claims").await, 0, "the failed batch kept its claim");

    let finished = run(&stack).await;

    assert_eq!((finished["remaining"].as_bool(), finished["deleted"]["images"].as_u64()), (Some(false), Some(1)));
    assert_eq!(finished["failed"], serde_json::json!([]));
    assert_eq!(number(&stack, "select count(*) from generated_images").await, 0);
    assert!(second.objects().iter().all(|(bucket, path)| !stored(&stack, bucket, path)));
}

#[tokio::test]
async fn objects_no_row_points_at_go_once_past_the_grace_period() {
    let stack = TestStack::start().await;
    let (siti, gone_user) = (user(&stack, "siti@example.com").await, "7d1c1c55-5c4a-4b53-9e0e-2c3c8f0b4a11");
    let kept_image = stored_image(&stack, &siti, 10, false).await;
    let late_upload = format!("{siti}/0f3e9a40-3b0c-4c57-a1f4-0d8e7b6c5a21/original.png");
    let late_derivative = format!("{siti}/0f3e9a40-3b0c-4c57-a1f4-0d8e7b6c5a21/w150.webp");
    let not_the_layout = [format!("{siti}/stray.png"), format!("{siti}/avatars/me.png"), "loose.png".to_owned()];
    let left_by_deleted_user = format!("{gone_user}/5b2d0c4e-8f1a-4e3b-9c7d-6a5e4f3b2c10/original.png");
    let in_flight = format!("{siti}/a8c7e6d5-b4a3-4921-8f0e-1d2c3b4a5f60/original.png");
    for path in [&late_upload, &late_derivative, &left_by_deleted_user, &in_flight].into_iter().chain(&not_the_layout) {
        upload(&stack, PRIVATE, path).await;
    }
    let two_hours = Duration::from_secs(2 * 60 * 60);
    let old = kept_image.private.iter().chain([&late_upload, &late_derivative, &left_by_deleted_user]);
    for path in old.chain(&not_the_layout) {
        stack.backdate(PRIVATE, path, two_hours).await;
    }

    let data = run(&stack).await;

    assert_eq!(data["deleted"]["orphan_objects"], 3, "{data}");
    for path in [&late_upload, &late_derivative, &left_by_deleted_user] {
        assert!(!stored(&stack, PRIVATE, path), "orphan {path} outlived the grace period");
    }
    for path in &not_the_layout {
        assert!(stored(&stack, PRIVATE, path), "{path} is outside the generator's layout and was swept");
    }
    assert!(stored(&stack, PRIVATE, &in_flight), "an upload younger than the grace period was swept");
    for path in &kept_image.private {
        assert!(stored(&stack, PRIVATE, path), "{path} has a row and was swept");
    }
    let again = run(&stack).await;
    assert_eq!(again["deleted"]["orphan_objects"], 0, "{again}");
}

#[tokio::test]
async fn an_image_retention_is_deleting_cannot_be_published_meanwhile() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = stored_image(&stack, &account.id, 100, false).await;
    // A run has claimed the image and is deleting its objects right now.
    let claimed = texts(&stack, "select id::text from maintenance_claim_expired_images(now(), 90, 10)").await;
    assert_eq!(claimed, vec![image.id.clone()]);

    let url = format!("{}/api/gallery/{}", stack.url, image.id);
    let body = serde_json::json!({ "is_public": true });
    let publish = send(request(reqwest::Method::PATCH, &url, Some(&account.access), Some(body))).await;

    assert_eq!((publish.status, publish.error_code()), (409, "CONFLICT"), "{}", publish.body);
    let public = format!("select count(*) from generated_images where id = '{}' and is_public", image.id);
    assert_eq!(number(&stack, &public).await, 0);
    assert_eq!(files_of(&stack.storage_dir.join("objects").join(PUBLIC)), 0, "copies left in the public bucket");
    sql(&stack, "delete from retention_claims").await;
    assert_eq!(run(&stack).await["deleted"]["images"], 1);
}

/// How many files a folder of the Storage stand-in holds, at any depth.
fn files_of(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.flatten().map(|entry| if entry.path().is_dir() { files_of(&entry.path()) } else { 1 }).sum()
}
