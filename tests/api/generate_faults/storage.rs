//! Failures after the model answered and the first object was uploaded: every object of the
//! request is deleted, every unit refunded, no row written.

use serde_json::json;
use studio_local::faults::{Fault, Service};
use studio_local::testing::TestStack;

use super::{OBJECTS_PER_IMAGE, PASS, generate, ledger, nothing_kept, square, stored_objects};
use crate::helpers::signed_up;

fn storage_down() -> Fault {
    Fault::json(503, json!({ "statusCode": "503", "error": "Service Unavailable", "message": "storage is down" }))
}

#[tokio::test]
async fn a_failed_upload_leaves_no_object_of_the_request_and_refunds_every_unit() {
    // (case, variations, Storage calls let through before the failing one). Uploads of one image
    // run in parallel; images are stored one after another.
    let cases = [
        ("the third upload of the only image", 1, 2),
        ("an upload of the second image, after the first was stored", 2, OBJECTS_PER_IMAGE + 1),
    ];
    for (case, variations, passed) in cases {
        let stack = TestStack::start().await;
        let account = signed_up(&stack, "siti@example.com").await;
        stack.faults.inject(Service::Storage, PASS, passed);
        stack.faults.inject(Service::Storage, storage_down(), 1);

        let answer = generate(&stack, &account, square(variations)).await;

        assert_eq!((answer.status, answer.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{case}: {}", answer.body);
        assert!(!answer.header("retry-after").is_empty(), "{case}: a wait is suggested");
        assert_eq!(stack.faults.pending(Service::Storage), 0, "{case}: the failing upload was reached");
        assert_eq!(stored_objects(&stack), Vec::<String>::new(), "{case}: the uploaded objects were deleted");
        assert_eq!(ledger(&stack, &account).await, nothing_kept(i64::from(variations)), "{case}");
    }
}

#[tokio::test]
async fn a_failed_recording_deletes_every_uploaded_object_and_refunds() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    // The recording RPC's first write fails, inside its transaction.
    stack
        .db
        .client()
        .await
        .batch_execute(
            "create function public.refuse_images() returns trigger language plpgsql as $$
             begin raise exception 'the disk is full'; end $$;
             create trigger refuse_images before insert on public.generated_images
               for each row execute function public.refuse_images();",
        )
        .await
        .expect("a failing trigger");

    let answer = generate(&stack, &account, square(2)).await;

    assert_eq!((answer.status, answer.error_code()), (500, "INTERNAL"), "{}", answer.body);
    assert!(!answer.body.to_string().contains("disk is full"), "the cause stays in the log: {}", answer.body);
    assert_eq!(stored_objects(&stack), Vec::<String>::new(), "both images' objects were deleted");
    assert_eq!(ledger(&stack, &account).await, nothing_kept(2));
}

#[tokio::test]
async fn a_signing_failure_is_refunded_with_no_row_left_pointing_at_deleted_objects() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    // Every upload goes through; the next Storage call, the signing of the URLs, fails.
    stack.faults.inject(Service::Storage, PASS, OBJECTS_PER_IMAGE);
    stack.faults.inject(Service::Storage, storage_down(), 1);

    let answer = generate(&stack, &account, square(1)).await;

    assert_eq!((answer.status, answer.error_code()), (503, "UPSTREAM_UNAVAILABLE"), "{}", answer.body);
    assert_eq!(stack.faults.pending(Service::Storage), 0, "the signing call was reached");
    assert_eq!(stored_objects(&stack), Vec::<String>::new());
    assert_eq!(ledger(&stack, &account).await, nothing_kept(1), "no image row points at a deleted object");
}
