//! The public feed: published images only, newest published first, keyset-paginated, searched
//! over what a visitor may see, for anyone, and never a private field.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{call, generated, ids, inserted, published, refused_field, sql};
use crate::helpers::signed_up;

#[tokio::test]
async fn the_feed_lists_published_images_newest_published_first_for_anyone() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let older = inserted(&stack, &siti.id, "kucing oren", 1).await;
    let newer = inserted(&stack, &budi.id, "sawah hijau", 30).await;
    inserted(&stack, &siti.id, "masih pribadi", 0).await;
    // Published order, not creation order: the older image was published last.
    published(&stack, &newer, 20).await;
    published(&stack, &older, 5).await;

    let anonymous = call(&stack, Method::GET, "/public", None, None).await;
    let with_a_bad_token = call(&stack, Method::GET, "/public", Some("not-a-token"), None).await;
    let signed_in = call(&stack, Method::GET, "/public", Some(&budi.access), None).await;

    for (case, answer) in [("anonymous", &anonymous), ("bad token", &with_a_bad_token), ("signed in", &signed_in)] {
        assert_eq!(answer.status, 200, "{case}: {}", answer.body);
        assert_eq!(ids(answer), vec![older.clone(), newer.clone()], "{case}");
    }
    assert!(anonymous.header("cache-control").starts_with("public"), "{}", anonymous.header("cache-control"));
    assert_eq!(anonymous.body["meta"]["pagination"], json!({ "next_cursor": null, "limit": 30 }));
}

#[tokio::test]
async fn the_feed_pages_with_a_stable_cursor_while_images_are_published() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let mut expected = Vec::new();
    for minutes in 1..=5 {
        let id = inserted(&stack, &account.id, &format!("gambar {minutes}"), 60).await;
        published(&stack, &id, minutes).await;
        expected.push(id);
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for page in 0.. {
        let answer = call(&stack, Method::GET, &format!("/public?limit=2{cursor}"), None, None).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        seen.extend(ids(&answer));
        if page == 0 {
            // Published after the first page: newer than every cursor, so later pages skip it.
            let late = inserted(&stack, &account.id, "baru terbit", 0).await;
            published(&stack, &late, 0).await;
        }
        match answer.body["meta"]["pagination"]["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, expected, "pages skipped or repeated an image");
}

#[tokio::test]
async fn the_feed_shows_public_fields_only_and_the_prompt_when_its_owner_allows() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let prompt = "kucing oren rahasia di atas genteng";
    let image = generated(&stack, &account, prompt).await;
    let id = image["id"].as_str().unwrap();
    let change = json!({ "is_public": true, "title": "Kucing", "alt_text": "Seekor kucing", "tags": ["kucing"] });
    let patched = call(&stack, Method::PATCH, &format!("/{id}"), Some(&account.access), Some(change)).await;
    assert_eq!(patched.data()["show_prompt"], false, "{}", patched.body);

    let hidden = call(&stack, Method::GET, "/public", None, None).await;

    let item = &hidden.data()[0];
    let mut keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let public =
        ["alt_text", "aspect_ratio", "height", "id", "prompt", "published_at", "tags", "title", "urls", "width"];
    assert_eq!(keys, public);
    assert_eq!((&item["prompt"], &item["title"], &item["tags"]), (&Value::Null, &json!("Kucing"), &json!(["kucing"])));
    let text = hidden.body.to_string();
    for private in [prompt, &account.id, &account.email, "seed", "storage_path", "original", "/images/", "is_favorite"]
    {
        assert!(!text.contains(private), "the feed shows {private:?}: {text}");
    }
    let derivatives = item["urls"]["derivatives"].as_array().unwrap();
    let widths: Vec<u64> = derivatives.iter().map(|d| d["width"].as_u64().unwrap()).collect();
    assert_eq!(widths, vec![150, 300, 800], "a 1024² image keeps its 800 px size for cards");
    for derivative in derivatives {
        let url = derivative["url"].as_str().unwrap();
        assert!(url.contains("/object/public/public-images/") && !url.contains(id), "{url}");
        assert_eq!(reqwest::get(url).await.unwrap().status(), 200, "{url}");
    }

    let shown =
        call(&stack, Method::PATCH, &format!("/{id}"), Some(&account.access), Some(json!({ "show_prompt": true })))
            .await;
    assert_eq!(shown.data()["show_prompt"], true);
    let feed = call(&stack, Method::GET, "/public", None, None).await;
    assert_eq!(feed.data()[0]["prompt"], prompt);
}

#[tokio::test]
async fn the_feed_search_finds_words_and_typos_but_never_a_hidden_prompt() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let sunset = inserted(&stack, &account.id, "pemandangan sore", 1).await;
    let shown = inserted(&stack, &account.id, "kucing oren tidur di atas kain batik", 2).await;
    let hidden = inserted(&stack, &account.id, "naga emas terbang di langit", 3).await;
    inserted(&stack, &account.id, "kucing hitam di jendela", 4).await;
    for id in [&sunset, &shown, &hidden] {
        published(&stack, id, 1).await;
    }
    sql(
        &stack,
        &format!(
            "update generated_images set title = 'Golden sunset', tags = '{{liburan,bali}}' where id = '{sunset}';
             update generated_images set show_prompt = true where id = '{shown}';"
        ),
    )
    .await;
    let cases = [
        ("a word of a shown prompt", "kucing", vec![shown.clone()]),
        ("a typo of it", "kuching", vec![shown.clone()]),
        ("a typo in a title", "sunsett", vec![sunset.clone()]),
        ("a tag", "bali", vec![sunset]),
        ("a word of a hidden prompt", "naga", vec![]),
        ("a typo of a hidden word", "terbangg", vec![]),
        ("a word only in an unpublished image", "hitam", vec![]),
    ];
    for (case, q, expected) in cases {
        let answer = call(&stack, Method::GET, &format!("/public?q={q}"), None, None).await;
        assert_eq!(answer.status, 200, "{case}: {}", answer.body);
        assert_eq!(ids(&answer), expected, "{case}: q={q}");
    }
}

#[tokio::test]
async fn bad_feed_parameters_are_refused_naming_the_field() {
    let stack = TestStack::start().await;
    let long = "a".repeat(101);
    let cases = [
        ("limit zero", "limit=0".to_owned(), "limit"),
        ("limit too big", "limit=101".to_owned(), "limit"),
        ("limit not a number", "limit=ten".to_owned(), "limit"),
        ("a made-up cursor", "cursor=bm90IGEgY3Vyc29y".to_owned(), "cursor"),
        ("search too long", format!("q={long}"), "q"),
    ];
    for (case, query, field) in cases {
        let answer = call(&stack, Method::GET, &format!("/public?{query}"), None, None).await;
        assert_eq!(refused_field(&answer), field, "{case}");
    }
}
