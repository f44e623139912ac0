//! What the URLs of share links and of the public feed give away, and how long they keep working:
//! no answer names the owner's user id, a revoked or expired link's images stop at once, a
//! re-publish gets new paths while the old ones stop, and published copies are cached for minutes.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use crate::gallery::{call, generated, shared, sql};
use crate::helpers::{Account, get, signed_up};

/// A browser or CDN keeps a shared image or a published copy at most this long (docs/DECISIONS.md).
const MAX_AGE_SECS: u64 = 300;

/// Every `<img src>` and the `og:image` of a share page, unescaped.
fn page_image_urls(html: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for marker in ["<img src=\"", "<meta property=\"og:image\" content=\""] {
        for (at, _) in html.match_indices(marker) {
            let rest = &html[at + marker.len()..];
            urls.push(rest.split('"').next().unwrap_or_default().replace("&amp;", "&"));
        }
    }
    urls
}

/// The derivative URLs of a share link's JSON answer (an image or a collection's page).
fn json_image_urls(data: &Value) -> Vec<String> {
    let images = match data["type"].as_str() {
        Some("image") => vec![data["image"].clone()],
        _ => data["images"].as_array().cloned().unwrap_or_default(),
    };
    let derivatives = images.iter().flat_map(|image| image["derivatives"].as_array().cloned().unwrap_or_default());
    derivatives.filter_map(|d| d["url"].as_str().map(str::to_owned)).collect()
}

async fn page(stack: &TestStack, token: &str) -> (u16, String) {
    let response = reqwest::get(format!("{}/s/{token}", stack.url)).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Status, `Cache-Control` and every header value of fetching `url`, checked free of `needle`.
async fn fetched(url: &str, needle: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    for (name, value) in response.headers() {
        assert!(!value.to_str().unwrap_or_default().contains(needle), "{url}: header {name} names the owner");
    }
    let cache = response.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default();
    (response.status().as_u16(), cache.to_owned())
}

fn max_age(cache_control: &str) -> Option<u64> {
    cache_control.split(',').find_map(|d| d.trim().strip_prefix("max-age=")?.parse().ok())
}

/// A generated image of `account` in a new collection; returns (image id, collection id).
async fn image_in_collection(stack: &TestStack, account: &Account) -> (String, String) {
    let image = generated(stack, account, "kucing oren di atas genteng").await["id"].as_str().unwrap().to_owned();
    let created =
        call(stack, Method::POST, "/collections", Some(&account.access), Some(json!({ "name": "Kucing" }))).await;
    let collection = created.data()["id"].as_str().unwrap().to_owned();
    let add = json!({ "image_ids": [image] });
    call(stack, Method::POST, &format!("/collections/{collection}/images"), Some(&account.access), Some(add)).await;
    (image, collection)
}

async fn publish(stack: &TestStack, account: &Account, id: &str, public: bool) -> Value {
    let body = json!({ "is_public": public });
    let answer = call(stack, Method::PATCH, &format!("/{id}"), Some(&account.access), Some(body)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.data()["public_urls"].clone()
}

#[tokio::test]
async fn share_links_and_the_public_feed_never_name_the_owner() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let (image, collection) = image_in_collection(&stack, &siti).await;
    publish(&stack, &siti, &image, true).await;
    let links = [
        shared(&stack, &siti, &format!("/{image}"), Some(json!({ "expires_in_hours": 2 }))).await,
        shared(&stack, &siti, &format!("/collections/{collection}"), None).await,
    ];

    for link in &links {
        let token = link["token"].as_str().unwrap();
        let answer = get(&format!("{}/api/gallery/shared/{token}", stack.url)).await;
        let (status, html) = page(&stack, token).await;

        assert_eq!((answer.status, status), (200, 200), "{}", answer.body);
        assert!(!answer.body.to_string().contains(&siti.id), "the share JSON names the owner: {}", answer.body);
        assert!(!html.contains(&siti.id), "the share page names the owner: {html}");
        let urls: Vec<String> = json_image_urls(answer.data()).into_iter().chain(page_image_urls(&html)).collect();
        assert!(urls.len() >= 4, "images and og:image expected: {urls:?}");
        for url in urls {
            assert_eq!(fetched(&url, &siti.id).await.0, 200, "a shared image is not served: {url}");
        }
    }
    let feed = get(&format!("{}/api/gallery/public", stack.url)).await;
    assert_eq!(feed.data().as_array().map(Vec::len), Some(1), "{}", feed.body);
    assert!(!feed.body.to_string().contains(&siti.id), "the feed names the owner: {}", feed.body);
    for derivative in feed.data()[0]["urls"]["derivatives"].as_array().unwrap() {
        let url = derivative["url"].as_str().unwrap();
        assert_eq!(fetched(url, &siti.id).await.0, 200, "{url}");
    }
}

#[tokio::test]
async fn a_revoked_or_expired_links_images_stop_at_once_and_cache_for_minutes_at_most() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let (image, collection) = image_in_collection(&stack, &siti).await;
    let revoked = shared(&stack, &siti, &format!("/collections/{collection}"), None).await;
    let expired = shared(&stack, &siti, &format!("/{image}"), Some(json!({ "expires_in_hours": 1 }))).await;
    let mut urls = Vec::new();
    for link in [&revoked, &expired] {
        let token = link["token"].as_str().unwrap();
        let answer = get(&format!("{}/api/gallery/shared/{token}", stack.url)).await;
        let (_, html) = page(&stack, token).await;
        let both: Vec<String> = json_image_urls(answer.data()).into_iter().chain(page_image_urls(&html)).collect();
        for url in &both {
            let (status, cache) = fetched(url, &siti.id).await;
            assert_eq!(status, 200, "{url}");
            assert!(max_age(&cache).is_some_and(|age| age <= MAX_AGE_SECS), "{url}: Cache-Control {cache:?}");
        }
        urls.push(both);
    }

    let id = revoked["id"].as_str().unwrap();
    let answer = call(&stack, Method::DELETE, &format!("/shares/{id}"), Some(&siti.access), None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let expired_id = expired["id"].as_str().unwrap();
    let past = "created_at = now() - interval '2 hours', expires_at = now() - interval '1 second'";
    sql(&stack, &format!("update shares set {past} where id = '{expired_id}'")).await;

    for url in &urls[0] {
        assert_eq!(fetched(url, &siti.id).await.0, 404, "a revoked link's image is still served: {url}");
    }
    for url in &urls[1] {
        assert_eq!(fetched(url, &siti.id).await.0, 410, "an expired link's image is still served: {url}");
    }
}

#[tokio::test]
async fn a_republish_gets_new_paths_and_the_old_ones_stop_being_served() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &siti, "perahu di danau toba").await["id"].as_str().unwrap().to_owned();
    let first = publish(&stack, &siti, &image, true).await;
    let first_url = first["300"].as_str().unwrap().to_owned();
    assert_eq!(fetched(&first_url, &siti.id).await.0, 200, "{first_url}");

    publish(&stack, &siti, &image, false).await;
    let again = publish(&stack, &siti, &image, true).await;

    let old = fetched(&first_url, &siti.id).await.0;
    assert!((400..500).contains(&old), "the old path still answers {old}: {first_url}");
    let new_url = again["300"].as_str().unwrap();
    assert_ne!(new_url, first_url, "a re-publish reused the path");
    assert_eq!(fetched(new_url, &siti.id).await.0, 200, "{new_url}");
    for url in [&first_url, new_url] {
        assert!(!url.contains(&image) && !url.contains(&siti.id), "the path is derived from an id: {url}");
    }
}

#[tokio::test]
async fn published_copies_are_cached_for_minutes_not_a_year() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &siti, "sawah di ubud").await["id"].as_str().unwrap().to_owned();

    let urls = publish(&stack, &siti, &image, true).await;

    for url in urls.as_object().unwrap().values() {
        let (status, cache) = fetched(url.as_str().unwrap(), &siti.id).await;
        assert_eq!((status, cache.as_str()), (200, "public, max-age=300"), "{url}");
    }
}
