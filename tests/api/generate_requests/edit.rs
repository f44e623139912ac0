//! Editing: an instruction applied to the caller's own image or a published one makes a new image
//! with `parent_image_id` set, charged like a generation; anyone else's image is "not found".

use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{count, edit, generate, images, used};
use crate::helpers::refused_field;
use crate::helpers::{Account, signed_up};

const UNKNOWN_IMAGE: &str = "6f1c2b8e-3d4a-4f5b-9c6d-7e8f9a0b1c2d";

/// A 16:9 image of `account`'s, and its id. An edit's square default would show if the source's
/// size were not kept.
async fn wide_image(stack: &TestStack, account: &Account) -> String {
    let answer = generate(stack, account, json!({ "prompt": "rumah joglo di desa", "aspect_ratio": "16:9" })).await;
    images(&answer)[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_edit_of_ones_own_image_is_a_new_image_derived_from_it_and_charged_like_a_generation() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let source = wide_image(&stack, &account).await;

    let answer = edit(&stack, &account, json!({ "image_id": source, "instruction": "make it night time" })).await;

    let edited = &images(&answer)[0];
    assert_ne!(edited["id"], json!(source));
    assert_eq!(edited["parent_image_id"], json!(source));
    assert_eq!((&edited["width"], &edited["height"]), (&json!(1376), &json!(768)), "the source's size is kept");
    assert_eq!(edited["prompt"], "make it night time");
    assert_eq!(used(&stack, &account).await, (2, 2), "one unit for the source, one for the edit");
    let edits = "select count(*) from usage_logs where action = 'edit' and units = 1";
    assert_eq!(count(&stack, edits).await, 1);
    let parent = format!("select count(*) from generated_images where parent_image_id = '{source}'");
    assert_eq!(count(&stack, &parent).await, 1);
}

#[tokio::test]
async fn another_users_private_image_or_an_unknown_one_is_not_found_and_not_charged() {
    let stack = TestStack::start().await;
    let owner = signed_up(&stack, "owner@example.com").await;
    let account = signed_up(&stack, "siti@example.com").await;
    let theirs = wide_image(&stack, &owner).await;
    let cases = [("another user's private image", theirs.as_str()), ("unknown id", UNKNOWN_IMAGE)];

    for (case, image_id) in cases {
        let answer = edit(&stack, &account, json!({ "image_id": image_id, "instruction": "add a cat" })).await;

        assert_eq!((answer.status, answer.error_code()), (404, "NOT_FOUND"), "{case}: {}", answer.body);
    }

    assert_eq!(used(&stack, &account).await, (0, 0));
    assert_eq!(count(&stack, "select count(*) from generated_images").await, 1, "only the owner's image");
}

#[tokio::test]
async fn another_users_published_image_can_be_edited() {
    let stack = TestStack::start().await;
    let owner = signed_up(&stack, "owner@example.com").await;
    let account = signed_up(&stack, "siti@example.com").await;
    let theirs = wide_image(&stack, &owner).await;
    let db = stack.db.client().await;
    db.execute("update generated_images set is_public = true, published_at = now() where id::text = $1", &[&theirs])
        .await
        .unwrap();

    let answer = edit(&stack, &account, json!({ "image_id": theirs, "instruction": "in the style of batik" })).await;

    let edited = &images(&answer)[0];
    assert_eq!((&edited["width"], &edited["height"]), (&json!(1376), &json!(768)), "derived from the published image");
    assert_eq!(used(&stack, &account).await, (1, 1));
    let mine = format!("select count(*) from generated_images where user_id = '{}'", account.id);
    assert_eq!(count(&stack, &mine).await, 1, "the edit is the editor's image");
}

#[tokio::test]
async fn a_bad_edit_request_is_refused_by_name_without_charge() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let source = wide_image(&stack, &account).await;
    let cases: [(&str, Value, &str); 6] = [
        ("empty instruction", json!({ "image_id": source, "instruction": "" }), "instruction"),
        ("instruction of 1001", json!({ "image_id": source, "instruction": "a".repeat(1001) }), "instruction"),
        ("control character", json!({ "image_id": source, "instruction": "a\u{001b}b" }), "instruction"),
        ("missing instruction", json!({ "image_id": source }), "instruction"),
        ("image id not a UUID", json!({ "image_id": "foto-1", "instruction": "brighter" }), "image_id"),
        (
            "seed past int32",
            json!({ "image_id": source, "instruction": "brighter", "seed": 4_294_967_295_u64 }),
            "seed",
        ),
    ];

    for (case, body, field) in cases {
        let answer = edit(&stack, &account, body).await;

        assert_eq!(refused_field(&answer), field, "{case}");
    }

    assert_eq!(used(&stack, &account).await, (1, 1), "only the source image was charged");
}
