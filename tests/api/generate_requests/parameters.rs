//! What a request's parameters become: the template's words and the negative prompt in the final
//! prompt, the seed and settings on the rows, the collection, the user's defaults, the parameters
//! embedded in the stored PNG, the prompt history and the usage log.

use image::ImageFormat;
use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{count, decoded_size, download, generate, images, used};
use crate::auth_account::call;
use crate::helpers::signed_up;

const WATERCOLOR_PREFIX: &str = "A gentle watercolour illustration for a children's picture book.";
const WATERCOLOR_SUFFIX: &str = "Soft wet-on-wet washes with visible cold-press paper texture";

async fn template_usage(stack: &TestStack, slug: &str) -> i64 {
    let db = stack.db.client().await;
    db.query_one("select usage_count::bigint from style_templates where slug = $1", &[&slug]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_template_named_by_slug_or_id_wraps_the_prompt_and_counts_each_image() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let db = stack.db.client().await;
    let id: String = db
        .query_one("select id::text from style_templates where slug = 'watercolor-storybook'", &[])
        .await
        .unwrap()
        .get(0);
    let before = template_usage(&stack, "watercolor-storybook").await;

    for (case, reference, variations) in [("by slug", "watercolor-storybook", 2), ("by id", id.as_str(), 3)] {
        let body = json!({ "prompt": "kancil dan buaya di sungai", "template": reference, "variations": variations });
        let answer = generate(&stack, &account, body).await;

        for image in images(&answer) {
            let final_prompt = image["final_prompt"].as_str().unwrap();
            assert!(final_prompt.starts_with(WATERCOLOR_PREFIX), "{case}: {final_prompt}");
            assert!(final_prompt.contains("\nkancil dan buaya di sungai\n"), "{case}: {final_prompt}");
            assert!(final_prompt.contains(WATERCOLOR_SUFFIX), "{case}: {final_prompt}");
            assert_eq!(image["template_id"], id.as_str(), "{case}");
            assert_eq!(image["prompt"], "kancil dan buaya di sungai", "{case}: the user's own words are kept apart");
        }
    }

    assert_eq!(template_usage(&stack, "watercolor-storybook").await, before + 5, "one per image: 2 by slug, 3 by id");
}

#[tokio::test]
async fn the_negative_prompt_is_folded_into_the_final_prompt_and_the_seed_stored() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let body = json!({ "prompt": "a lighthouse at dusk", "negative_prompt": "people, boats", "seed": 7 });

    let answer = generate(&stack, &account, body).await;

    let image = &images(&answer)[0];
    assert_eq!(image["final_prompt"], "a lighthouse at dusk. Avoid: people, boats.");
    assert_eq!((&image["negative_prompt"], &image["seed"]), (&json!("people, boats"), &json!(7)));
    let db = stack.db.client().await;
    let row = db.query_one("select seed, negative_prompt, final_prompt from generated_images", &[]).await.unwrap();
    assert_eq!(row.get::<_, Option<i64>>(0), Some(7));
    assert_eq!(row.get::<_, Option<String>>(1).as_deref(), Some("people, boats"));
    assert_eq!(row.get::<_, Option<String>>(2).as_deref(), Some("a lighthouse at dusk. Avoid: people, boats."));
}

#[tokio::test]
async fn a_collection_of_the_users_receives_the_images() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let db = stack.db.client().await;
    let collection: String = db
        .query_one(
            "insert into collections (user_id, name) values ($1::text::uuid, 'Batik') returning id::text",
            &[&account.id],
        )
        .await
        .unwrap()
        .get(0);

    let body = json!({ "prompt": "motif parang rusak", "variations": 2, "collection_id": collection });
    let answer = generate(&stack, &account, body).await;

    let ids: Vec<String> = images(&answer).iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    let rows = db
        .query(
            "select image_id::text from collection_images where collection_id::text = $1 order by position",
            &[&collection],
        )
        .await
        .unwrap();
    let placed: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(placed, ids);
}

#[tokio::test]
async fn another_users_collection_is_not_found_and_nothing_is_charged() {
    let stack = TestStack::start().await;
    let owner = signed_up(&stack, "owner@example.com").await;
    let account = signed_up(&stack, "siti@example.com").await;
    let db = stack.db.client().await;
    let theirs: String = db
        .query_one(
            "insert into collections (user_id, name) values ($1::text::uuid, 'Mine') returning id::text",
            &[&owner.id],
        )
        .await
        .unwrap()
        .get(0);

    let answer = generate(&stack, &account, json!({ "prompt": "motif kawung", "collection_id": theirs })).await;

    assert_eq!((answer.status, answer.error_code()), (404, "NOT_FOUND"), "{}", answer.body);
    assert_eq!(used(&stack, &account).await, (0, 0));
    assert_eq!(count(&stack, "select count(*) from generated_images").await, 0);
    assert_eq!(count(&stack, "select count(*) from collection_images").await, 0);
}

#[tokio::test]
async fn omitted_settings_come_from_the_users_defaults() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let patch = json!({ "default_aspect_ratio": "9:16" });
    call(&stack, Method::PATCH, "settings", Some(&account.access), Some(patch)).await.data();

    let defaulted = generate(&stack, &account, json!({ "prompt": "menara Monas malam hari" })).await;
    let chosen =
        generate(&stack, &account, json!({ "prompt": "menara Monas malam hari", "aspect_ratio": "1:1" })).await;

    let image = &images(&defaulted)[0];
    assert_eq!(
        (&image["aspect_ratio"], &image["width"], &image["height"]),
        (&json!("9:16"), &json!(768), &json!(1376))
    );
    assert_eq!(images(&chosen)[0]["aspect_ratio"], "1:1", "a ratio sent wins over the default");
}

#[tokio::test]
async fn the_stored_original_is_a_webp_carrying_the_generation_parameters_as_xmp() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let body = json!({ "prompt": "perahu pinisi berlayar", "negative_prompt": "text", "seed": 99 });

    let answer = generate(&stack, &account, body).await;

    let image = &images(&answer)[0];
    let webp = download(image["urls"]["original"].as_str().unwrap(), "image/webp").await;
    assert_eq!(decoded_size(&webp, ImageFormat::WebP), (1024, 1024));
    // Read back through the PNG download's conversion: XMP entries become PNG text again.
    let png = studio::imaging::convert(webp.into(), studio::imaging::Format::Png, true).unwrap();
    let metadata = studio::imaging::read_png_metadata(&png);
    let entry = |key: &str| metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    assert_eq!(entry("prompt"), Some("perahu pinisi berlayar"), "{metadata:?}");
    assert_eq!(entry("negative_prompt"), Some("text"), "{metadata:?}");
    assert_eq!(entry("final_prompt"), Some("perahu pinisi berlayar. Avoid: text."), "{metadata:?}");
    assert_eq!(entry("model"), Some(studio::gemini::DEFAULT_MODEL), "{metadata:?}");
    assert_eq!(entry("seed"), Some("99"), "{metadata:?}");
    assert!(entry("created_at").is_some_and(|t| t.starts_with("20")), "{metadata:?}");
}

#[tokio::test]
async fn the_prompt_history_keeps_one_row_per_prompt_and_counts_its_uses() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    for prompt in ["nasi goreng di piring", "es teh manis", "nasi goreng di piring"] {
        images(&generate(&stack, &account, json!({ "prompt": prompt })).await);
    }

    let db = stack.db.client().await;
    let rows = db.query("select prompt, use_count from prompt_history order by prompt", &[]).await.unwrap();
    let history: Vec<(String, i32)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(history, vec![("es teh manis".to_owned(), 1), ("nasi goreng di piring".to_owned(), 2)]);
}

#[tokio::test]
async fn each_image_is_logged_as_a_generate_usage_row() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    let answer = generate(&stack, &account, json!({ "prompt": "gunung Bromo saat fajar", "variations": 3 })).await;

    let mut ids: Vec<String> = images(&answer).iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    let db = stack.db.client().await;
    let rows = db
        .query(
            "select image_id::text, units, status, api_key_id is null, user_id::text from usage_logs
              where action = 'generate' order by image_id",
            &[],
        )
        .await
        .unwrap();
    let logged: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(logged, ids);
    for row in &rows {
        assert_eq!(row.get::<_, i32>(1), 1, "one unit per image");
        assert_eq!(row.get::<_, String>(2), "success");
        assert!(row.get::<_, bool>(3), "a session request carries no API key");
        assert_eq!(row.get::<_, String>(4), account.id);
    }
}
