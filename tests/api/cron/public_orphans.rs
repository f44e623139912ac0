//! The public bucket's sweep: copies in a folder no published row points into (left by a publish
//! whose cleanup failed) go once past the grace period; live copies, old and new layouts, stay.

use std::time::Duration;

use studio_local::testing::TestStack;

use super::{PUBLIC, run, sql, stored, stored_image, upload, user};

#[tokio::test]
async fn public_copies_no_row_points_at_go_and_live_ones_stay() {
    let stack = TestStack::start().await;
    let siti = user(&stack, "siti@example.com").await;
    let legacy = stored_image(&stack, &siti, 10, true).await;
    let current = stored_image(&stack, &siti, 10, false).await;
    let live = ["Kq2vX8pLmR4tW9yB1nC6dF3hJ0sA7eGu/w150.webp", "Kq2vX8pLmR4tW9yB1nC6dF3hJ0sA7eGu/w300.webp"];
    let left_over = ["Zr5yT1kQwE8uI3oP6aS9dF2gH4jK7lMx/w150.webp", "Zr5yT1kQwE8uI3oP6aS9dF2gH4jK7lMx/w300.webp"];
    let in_flight = "Nb7cV4xZ1aS8dF5gH2jK9lQ6wE3rT0yU/w150.webp";
    let not_the_layout = "some/deeper/file.webp";
    for path in live.iter().chain(&left_over).chain([&in_flight, &not_the_layout]) {
        upload(&stack, PUBLIC, path).await;
    }
    sql(
        &stack,
        &format!(
            "update generated_images set is_public = true, published_at = now(),
                    public_paths = jsonb_build_object('150', '{}', '300', '{}') where id = '{}'",
            live[0], live[1], current.id
        ),
    )
    .await;
    let two_hours = Duration::from_secs(2 * 60 * 60);
    let old = legacy.public.iter().map(String::as_str).chain(live).chain(left_over).chain([not_the_layout]);
    for path in old {
        stack.backdate(PUBLIC, path, two_hours).await;
    }

    let data = run(&stack).await;

    assert_eq!(data["deleted"]["orphan_objects"], 2, "{data}");
    for path in left_over {
        assert!(!stored(&stack, PUBLIC, path), "leftover copy {path} outlived the grace period");
    }
    for path in legacy.public.iter().map(String::as_str).chain(live) {
        assert!(stored(&stack, PUBLIC, path), "live copy {path} was swept");
    }
    assert!(stored(&stack, PUBLIC, in_flight), "a copy younger than the grace period was swept");
    assert!(stored(&stack, PUBLIC, not_the_layout), "a name outside the layout was swept");
    assert_eq!(run(&stack).await["deleted"]["orphan_objects"], 0);
}
