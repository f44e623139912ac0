//! Control characters in user text: every text field of every route, with NUL, CR, LF, another C0
//! character, DEL and a C1 character inside it, is refused with a 400 naming the field, and nothing
//! of it is stored. Only prompts, instructions and descriptions may hold a line break (`\n`).

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use crate::gallery::inserted;
use crate::helpers::{refused_field, request, send, signed_up};

/// NUL, CR, LF, ESC (another C0 character), DEL, NEL (U+0085) and U+009F (C1).
const CONTROLS: [char; 7] = ['\u{0}', '\r', '\n', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'];

/// Where a text goes: a JSON body field, or a query parameter.
enum Place {
    Body(Method, String, Value),
    Query(&'static str),
}

/// The UTF-8 bytes of `text`, each percent-encoded, so the control character reaches the server.
fn percent_encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn every_text_field_refuses_control_characters_by_name_and_stores_nothing() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let image = inserted(&stack, &siti.id, "kucing oren", 1).await;
    let image_path = format!("/api/gallery/{image}");
    // (field, where it goes, whether it may hold a line break)
    let fields: Vec<(&str, Place, bool)> = vec![
        (
            "name",
            Place::Body(
                Method::POST,
                "/api/auth/register".into(),
                json!({ "email": "budi@example.com", "password": "kopi-tubruk-pagi-hari" }),
            ),
            false,
        ),
        ("name", Place::Body(Method::PATCH, "/api/auth/profile".into(), json!({})), false),
        ("avatar_url", Place::Body(Method::PATCH, "/api/auth/profile".into(), json!({})), false),
        ("name", Place::Body(Method::POST, "/api/auth/api-keys".into(), json!({ "scopes": ["generate"] })), false),
        ("name", Place::Body(Method::POST, "/api/gallery/collections".into(), json!({})), false),
        (
            "description",
            Place::Body(Method::POST, "/api/gallery/collections".into(), json!({ "name": "Kucing" })),
            true,
        ),
        ("title", Place::Body(Method::PATCH, image_path.clone(), json!({})), false),
        ("alt_text", Place::Body(Method::PATCH, image_path.clone(), json!({})), false),
        ("tags[0]", Place::Body(Method::PATCH, image_path.clone(), json!({})), false),
        ("prompt", Place::Body(Method::POST, "/api/generate".into(), json!({})), true),
        ("negative_prompt", Place::Body(Method::POST, "/api/generate".into(), json!({ "prompt": "kucing" })), true),
        ("instruction", Place::Body(Method::POST, "/api/generate/edit".into(), json!({ "image_id": image })), true),
        ("q", Place::Query("/api/gallery"), false),
        ("tag", Place::Query("/api/gallery"), false),
        ("q", Place::Query("/api/gallery/public"), false),
        ("q", Place::Query("/api/gallery/prompts"), false),
        ("q", Place::Query("/api/templates"), false),
    ];
    for (field, place, multi_line) in &fields {
        for c in CONTROLS {
            if *multi_line && c == '\n' {
                continue;
            }
            let text = if *field == "avatar_url" {
                format!("https://example.com/a{c}b.png")
            } else {
                format!("kucing{c}oren")
            };
            let case = format!("{field} with U+{:04X}", c as u32);
            let answer = match place {
                Place::Body(method, path, base) => {
                    let mut body = base.clone();
                    match field.strip_suffix("[0]") {
                        Some(list) => body[list] = json!([text]),
                        None => body[*field] = json!(text),
                    }
                    let url = format!("{}{path}", stack.url);
                    send(request(method.clone(), &url, Some(&siti.access), Some(body))).await
                }
                Place::Query(path) => {
                    let url = format!("{}{path}?{field}={}", stack.url, percent_encoded(&text));
                    send(request(Method::GET, &url, Some(&siti.access), None)).await
                }
            };
            assert_eq!(refused_field(&answer), *field, "{case}");
        }
    }

    let db = stack.db.client().await;
    let users = db.query_one("select count(*), max(name), max(avatar_url) from users", &[]).await.unwrap();
    assert_eq!(users.get::<_, i64>(0), 1, "no account was registered");
    assert_eq!(users.get::<_, Option<String>>(1).as_deref(), Some("Siti Rahma"));
    assert_eq!(users.get::<_, Option<String>>(2), None);
    let image = db.query_one("select title, alt_text, tags from generated_images", &[]).await.unwrap();
    assert_eq!(image.get::<_, Option<String>>(0), None);
    assert_eq!(image.get::<_, Option<String>>(1), None);
    assert!(image.get::<_, Vec<String>>(2).is_empty());
    for table in ["api_keys", "collections"] {
        let rows = db.query_one(&format!("select count(*) from {table}"), &[]).await.unwrap();
        assert_eq!(rows.get::<_, i64>(0), 0, "nothing in {table}");
    }
    let images = db.query_one("select count(*) from generated_images", &[]).await.unwrap();
    assert_eq!(images.get::<_, i64>(0), 1, "nothing was generated");
}

#[tokio::test]
async fn a_multi_line_text_keeps_its_line_breaks_and_a_title_may_not_have_one() {
    let stack = TestStack::start().await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let url = format!("{}/api/gallery/collections", stack.url);
    let body = json!({ "name": "Kucing", "description": "baris satu\nbaris dua" });

    let created = send(request(Method::POST, &url, Some(&siti.access), Some(body))).await;

    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.data()["description"], "baris satu\nbaris dua");
    let image = inserted(&stack, &siti.id, "kucing oren", 1).await;
    let url = format!("{}/api/gallery/{image}", stack.url);
    let titled = send(request(Method::PATCH, &url, Some(&siti.access), Some(json!({ "title": "satu\ndua" })))).await;
    assert_eq!(refused_field(&titled), "title");
}
