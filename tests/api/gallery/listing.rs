//! Listing: newest first in a stable order, keyset pages that neither repeat nor skip while images
//! come and go, every filter, and bad parameters named.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::Value;
use studio_local::testing::TestStack;

use super::{call, ids, inserted, refused_field, sql};
use crate::helpers::signed_up;

#[tokio::test]
async fn pages_follow_newest_first_and_survive_images_added_and_deleted_between_them() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let mut throughout = Vec::new();
    for n in 0..12 {
        throughout.push(inserted(&stack, &account.id, &format!("lukisan nomor {n}"), 100 - n).await);
    }
    // Ties on created_at are ordered by id, so a page boundary inside a tie neither repeats nor skips.
    sql(
        &stack,
        &format!(
            "update generated_images set created_at = '2026-11-20T08:00:00Z' where id in ('{}', '{}', '{}')",
            throughout[4], throughout[5], throughout[6]
        ),
    )
    .await;
    let first = call(&stack, Method::GET, "?limit=5", Some(&account.access), None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["meta"]["pagination"]["limit"], 5);
    let mut seen = ids(&first);
    let expected: Vec<String> = {
        let db = stack.db.client().await;
        let rows = db
            .query("select id::text from generated_images order by created_at desc, id desc limit 5", &[])
            .await
            .unwrap();
        rows.iter().map(|r| r.get(0)).collect()
    };
    assert_eq!(seen, expected, "not newest first by (created_at, id)");
    let deleted_seen = throughout.remove(throughout.iter().position(|id| *id == seen[1]).unwrap());
    let deleted_unseen = throughout.remove(0);
    for id in [&deleted_seen, &deleted_unseen] {
        let gone = call(&stack, Method::DELETE, &format!("/{id}"), Some(&account.access), None).await;
        assert_eq!(gone.status, 200, "{}", gone.body);
    }
    inserted(&stack, &account.id, "gambar baru di tengah jalan", 0).await;

    let mut cursor = first.body["meta"]["pagination"]["next_cursor"].as_str().map(str::to_owned);
    let mut pages = 1;
    while let Some(after) = cursor {
        let page = call(&stack, Method::GET, &format!("?limit=5&cursor={after}"), Some(&account.access), None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        seen.extend(ids(&page));
        cursor = page.body["meta"]["pagination"]["next_cursor"].as_str().map(str::to_owned);
        pages += 1;
        assert!(pages < 10, "pagination does not end");
    }

    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an image was listed twice: {seen:?}");
    let missed: Vec<&String> = throughout.iter().filter(|id| !seen.contains(id)).collect();
    assert_eq!(missed, Vec::<&String>::new(), "images that existed throughout were skipped");
    assert!(!seen[5..].contains(&deleted_unseen), "a deleted image was listed after its deletion");
}

#[tokio::test]
async fn the_last_page_says_there_is_no_next_one_and_items_carry_their_parameters() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let id = inserted(&stack, &account.id, "sawah di pagi hari", 1).await;

    let answer = call(&stack, Method::GET, "", Some(&account.access), None).await;

    assert_eq!(answer.body["meta"]["pagination"], serde_json::json!({ "next_cursor": null, "limit": 30 }));
    let item = &answer.data()[0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["parameters"]["prompt"], "sawah di pagi hari");
    assert_eq!((&item["width"], &item["height"]), (&Value::from(1024), &Value::from(1024)));
    for key in ["negative_prompt", "template_id", "aspect_ratio", "quality", "model", "seed"] {
        assert!(item["parameters"].get(key).is_some(), "parameters lack {key}: {item}");
    }
    assert_eq!(item["urls"]["derivatives"][0]["width"], 150);
    assert!(item.get("storage_path").is_none() && item.get("search_vector").is_none(), "{item}");
}

#[tokio::test]
async fn each_filter_keeps_only_its_images() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let mut images = Vec::new();
    for (n, prompt) in
        ["tagged", "in a collection", "favourite", "public", "templated", "wide", "old"].iter().enumerate()
    {
        images.push(inserted(&stack, &account.id, prompt, n as i32).await);
    }
    let [tagged, collected, favourite, public, templated, wide, old] = <[String; 7]>::try_from(images.clone()).unwrap();
    let template: String = {
        let db = stack.db.client().await;
        db.query_one("select id::text from style_templates limit 1", &[]).await.unwrap().get(0)
    };
    sql(&stack, &format!(
        "update generated_images set tags = '{{batik,kucing}}' where id = '{tagged}';
         insert into collections (id, user_id, name) values ('00000000-0000-4000-8000-00000000c011', '{user}', 'Kucing');
         insert into collection_images (collection_id, image_id) values ('00000000-0000-4000-8000-00000000c011', '{collected}');
         update generated_images set is_favorite = true where id = '{favourite}';
         update generated_images set is_public = true, published_at = now() where id = '{public}';
         update generated_images set template_id = '{template}' where id = '{templated}';
         update generated_images set aspect_ratio = '16:9' where id = '{wide}';
         update generated_images set created_at = '2026-01-15T10:00:00Z' where id = '{old}';",
        user = account.id,
    )).await;
    let everything_but_public: Vec<String> = images.iter().filter(|id| **id != public).cloned().collect();
    let cases: Vec<(&str, String, Vec<String>)> = vec![
        ("tag, any case", "?tag=%20Batik".into(), vec![tagged.clone()]),
        ("collection", "?collection=00000000-0000-4000-8000-00000000c011".into(), vec![collected]),
        ("favourite", "?favorite=true".into(), vec![favourite]),
        ("public", "?visibility=public".into(), vec![public]),
        ("private", "?visibility=private".into(), everything_but_public),
        ("template", format!("?template={template}"), vec![templated]),
        ("aspect ratio", "?aspect_ratio=16:9".into(), vec![wide]),
        ("one day", "?from=2026-01-15&to=2026-01-15".into(), vec![old.clone()]),
        ("an exact range", "?from=2026-01-15T09:59:59Z&to=2026-01-15T10:00:00Z".into(), vec![old.clone()]),
        ("before any image", "?to=2026-01-14".into(), vec![]),
        ("two filters", "?tag=kucing&favorite=true".into(), vec![]),
    ];
    for (case, query, expected) in cases {
        let answer = call(&stack, Method::GET, &query, Some(&account.access), None).await;
        assert_eq!(answer.status, 200, "{case}: {}", answer.body);
        let mut got = ids(&answer);
        let mut want = expected.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{case} ({query})");
    }
}

#[tokio::test]
async fn bad_parameters_are_refused_naming_the_parameter() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let (long_q, long_tag) = ("a".repeat(101), "a".repeat(51));
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("collection=kucing", "collection"),
        ("template=neon-noir", "template"),
        ("favorite=yes", "favorite"),
        ("visibility=everyone", "visibility"),
        ("aspect_ratio=2:1", "aspect_ratio"),
        ("from=kemarin", "from"),
        ("to=2026-02-30", "to"),
        ("from=2026-02-02&to=2026-02-01", "to"),
        // PostgreSQL has no year 0: these reached it and came back as a 500.
        ("from=0000-01-01", "from"),
        ("to=0000-06-01T00:00:00Z", "to"),
        ("cursor=MDAwMC0wNi0wMVQwMDowMDowMFp8MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw", "cursor"),
        ("aspect_ratio=3:2", "aspect_ratio"),
        (&format!("q={long_q}") as &str, "q"),
        (&format!("tag={long_tag}") as &str, "tag"),
    ];
    for (query, field) in cases {
        let answer = call(&stack, Method::GET, &format!("?{query}"), Some(&account.access), None).await;
        assert_eq!(refused_field(&answer), field, "?{query}");
    }
}
