//! The share page `/s/{token}`, reached through the stack's copy of vercel.json's rewrite: HTML
//! with escaped Open Graph and Twitter card tags whose image serves, a strict CSP, the image and a
//! link into the app; a friendly page, in the visitor's language, when the link does not work.

use reqwest::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use super::{call, count, generated, inserted, shared, sql};
use crate::helpers::signed_up;

struct Page {
    status: u16,
    content_type: String,
    csp: String,
    html: String,
}

async fn page(stack: &TestStack, token: &str, language: Option<&str>) -> Page {
    let mut request = reqwest::Client::new().get(format!("{}/s/{token}", stack.url));
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (status, content_type, csp) =
        (response.status().as_u16(), header("content-type"), header("content-security-policy"));
    Page { status, content_type, csp, html: response.text().await.unwrap() }
}

/// The `content` of the `<meta>` whose `property` or `name` is `name`, still escaped.
fn meta<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let attribute = ["property", "name"].iter().find_map(|a| html.find(&format!("<meta {a}=\"{name}\" content=\"")))?;
    let start = html[attribute..].find("content=\"")? + attribute + "content=\"".len();
    html[start..].split('"').next()
}

#[tokio::test]
async fn the_page_previews_the_image_with_escaped_open_graph_tags() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = generated(&stack, &account, "kucing oren di atas genteng").await;
    let id = image["id"].as_str().unwrap();
    let title = r#"<script>alert("x")</script> & 'kucing'"#;
    let change = json!({ "title": title, "alt_text": "Kucing \"oren\" <b>tidur</b>" });
    call(&stack, Method::PATCH, &format!("/{id}"), Some(&account.access), Some(change)).await;
    let link = shared(&stack, &account, &format!("/{id}"), Some(json!({ "expires_in_hours": 2 }))).await;
    let token = link["token"].as_str().unwrap();

    let page = page(&stack, token, None).await;

    assert_eq!((page.status, page.content_type.as_str()), (200, "text/html; charset=utf-8"), "{}", page.html);
    for directive in ["default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"] {
        assert!(page.csp.contains(directive), "CSP without {directive}: {}", page.csp);
    }
    assert!(!page.html.contains("<script"), "unescaped markup: {}", page.html);
    let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;kucing&#39;";
    assert_eq!(meta(&page.html, "og:title"), Some(escaped));
    assert_eq!(meta(&page.html, "twitter:title"), Some(escaped));
    assert_eq!(meta(&page.html, "og:description"), Some("Kucing &quot;oren&quot; &lt;b&gt;tidur&lt;/b&gt;"));
    assert_eq!(meta(&page.html, "og:url"), Some(format!("{}/s/{token}", stack.url).as_str()));
    assert_eq!(meta(&page.html, "og:type"), Some("website"));
    assert_eq!(meta(&page.html, "twitter:card"), Some("summary_large_image"));
    assert_eq!((meta(&page.html, "og:image:width"), meta(&page.html, "og:image:height")), (Some("800"), Some("800")));
    let og_image = meta(&page.html, "og:image").unwrap().replace("&amp;", "&");
    assert!(
        og_image.starts_with(&format!("{}/api/gallery/shared/{token}/{id}/", stack.url))
            && og_image.ends_with("/w800.webp"),
        "{og_image}"
    );
    let served = reqwest::get(&og_image).await.unwrap();
    assert_eq!((served.status().as_u16(), served.headers()["content-type"].to_str().unwrap()), (200, "image/webp"));
    assert!(page.html.contains(&format!("<h1>{escaped}</h1>")) && page.html.contains("<img src=\""), "{}", page.html);
    assert!(page.html.contains(&format!("href=\"{}/\"", stack.url)), "no link into the app: {}", page.html);
    assert!(!page.html.contains("kucing oren di atas"), "the page shows a prompt the link hides");
    let logged =
        count(&stack, "select count(*) from usage_logs where action = 'share_view' and details->>'via' = 'page'").await;
    assert_eq!((count(&stack, "select view_count::bigint from shares").await, logged), (1, 1));
    let stylesheet = reqwest::get(format!("{}/share.css", stack.url)).await.unwrap();
    assert_eq!(stylesheet.status(), 200, "the page's stylesheet is not served");
}

#[tokio::test]
async fn a_collection_page_shows_its_cards_and_a_link_to_more() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let images = [inserted(&stack, &account.id, "pantai", 2).await, inserted(&stack, &account.id, "sawah", 1).await];
    let body = json!({ "name": "Liburan & <Bali>", "description": "Tiga hari" });
    let created = call(&stack, Method::POST, "/collections", Some(&account.access), Some(body)).await;
    let collection = created.data()["id"].as_str().unwrap().to_owned();
    let add = json!({ "image_ids": images });
    call(&stack, Method::POST, &format!("/collections/{collection}/images"), Some(&account.access), Some(add)).await;
    let link =
        shared(&stack, &account, &format!("/collections/{collection}"), Some(json!({ "show_prompt": true }))).await;

    let first = page(&stack, &format!("{}?limit=1", link["token"].as_str().unwrap()), None).await;

    assert_eq!(first.status, 200, "{}", first.html);
    assert_eq!(meta(&first.html, "og:title"), Some("Liburan &amp; &lt;Bali&gt;"));
    assert_eq!(meta(&first.html, "og:description"), Some("Tiga hari"));
    assert!(first.html.contains("<ul class=\"grid\">") && first.html.contains("sawah"), "{}", first.html);
    assert!(!first.html.contains("pantai"), "the second image is on the first page: {}", first.html);
    assert!(first.html.contains("<a href=\"?cursor="), "no link to the next page: {}", first.html);
}

#[tokio::test]
async fn a_link_that_does_not_work_gets_a_friendly_page_in_the_visitors_language() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let image = inserted(&stack, &account.id, "kucing oren", 1).await;
    let expired = shared(&stack, &account, &format!("/{image}"), None).await;
    let revoked = shared(&stack, &account, &format!("/{image}"), None).await;
    sql(
        &stack,
        &format!(
            "update shares set created_at = now() - interval '2 days', expires_at = now() - interval '1 day'
              where id = '{}';
             update shares set revoked_at = now() where id = '{}';",
            expired["id"].as_str().unwrap(),
            revoked["id"].as_str().unwrap()
        ),
    )
    .await;
    let cases = [
        ("expired", expired["token"].as_str().unwrap(), None, 410, "This link has expired"),
        ("expired, in Indonesian", expired["token"].as_str().unwrap(), Some("id-ID,id;q=0.9"), 410, "kedaluwarsa"),
        ("revoked", revoked["token"].as_str().unwrap(), None, 404, "This link does not work"),
        ("unknown", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", None, 404, "This link does not work"),
        ("malformed", "kucing", Some("id"), 404, "Tautan ini tidak berlaku"),
    ];
    for (case, token, language, status, words) in cases {
        let answer = page(&stack, token, language).await;
        assert_eq!((answer.status, answer.content_type.as_str()), (status, "text/html; charset=utf-8"), "{case}");
        assert!(answer.html.contains(words), "{case}: {}", answer.html);
        assert!(answer.html.contains(&format!("href=\"{}/\"", stack.url)), "{case}: no way into the app");
        assert_eq!(meta(&answer.html, "og:image"), None, "{case}");
    }
    assert_eq!(count(&stack, "select coalesce(sum(view_count), 0)::bigint from shares").await, 0);
}
