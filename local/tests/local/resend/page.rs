//! The outbox page (`/__outbox`) and its JSON twin: what a person sees of the mail the stand-in
//! accepted, with every bit of it escaped.

use serde_json::Value;
use studio::email::Email;
use studio_local::testing::TestStack;

use super::{TO, welcome};

#[tokio::test]
async fn the_outbox_page_lists_mail_newest_first_and_escapes_everything() {
    let stack = TestStack::start().await;
    stack.app.email.send(&welcome(), "first").await.unwrap();
    let hostile = Email {
        subject: "<script>alert(1)</script>".into(),
        html: r#"<p onclick="x()">Reset</p><script>alert(2)</script>"#.into(),
        text: "a < b & c".into(),
        ..welcome()
    };
    stack.app.email.send(&hostile, "second").await.unwrap();

    let response = reqwest::get(format!("{}/__outbox", stack.url)).await.unwrap();
    let headers = response.headers().clone();
    let page = response.text().await.unwrap();
    let json: Value = reqwest::get(format!("{}/__outbox.json", stack.url)).await.unwrap().json().await.unwrap();

    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    assert!(!page.to_ascii_lowercase().contains("<script"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
    assert!(page.contains(r#"srcdoc="&lt;p onclick=&quot;x()&quot;&gt;Reset"#), "{page}");
    assert!(page.contains(r#"<iframe sandbox="""#), "{page}");
    assert!(page.contains("a &lt; b &amp; c"), "{page}");
    assert!(page.contains(TO));
    let newer = page.find("&lt;script&gt;alert(1)").unwrap();
    let older = page.find("Welcome to AI Image Studio").unwrap();
    assert!(newer < older, "not newest first");
    assert_eq!(json[0]["subject"], "<script>alert(1)</script>");
    assert_eq!(json[1]["subject"], "Welcome to AI Image Studio");
}
