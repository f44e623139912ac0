//! The stand-in itself, with raw requests: Resend's edge (no `User-Agent`, 403 `error code: 1010`),
//! its keys, its checks of `POST /emails` case by case with Resend's names and wordings, idempotency
//! keys, rate-limit headers, retrieval, and the refusal of what it does not implement.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::resend::{EDGE_REFUSAL_BODY, LOCAL_API_KEY};
use studio_local::testing::TestStack;

use super::{AGENT, TO, answer, minimal, post, raw, request, uuid_like, with, without};

const FORMAT: &str = "The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";

fn addresses(count: usize) -> Value {
    json!((0..count).map(|i| format!("user{i}@example.com")).collect::<Vec<_>>())
}

#[tokio::test]
async fn the_edge_refuses_any_request_without_a_user_agent_before_the_api_sees_it() {
    let stack = TestStack::start().await;
    let url = |path: &str| format!("{}/resend{path}", stack.url);
    // reqwest, like many HTTP libraries, sends no `User-Agent` unless told to.
    let bare = reqwest::Client::new();
    let cases = [
        ("send without one", bare.post(url("/emails")).bearer_auth(LOCAL_API_KEY).json(&minimal())),
        (
            "send with an empty one",
            bare.post(url("/emails")).bearer_auth(LOCAL_API_KEY).header("user-agent", "").json(&minimal()),
        ),
        ("send without one and without a key", bare.post(url("/emails")).json(&minimal())),
        (
            "retrieve without one",
            bare.get(url("/emails/00000000-0000-4000-8000-000000000000")).bearer_auth(LOCAL_API_KEY),
        ),
        ("unknown path without one", bare.get(url("/domains")).bearer_auth(LOCAL_API_KEY)),
    ];
    for (case, request) in cases {
        let answer = answer(request).await;

        assert_eq!((answer.status, answer.text.as_str()), (403, EDGE_REFUSAL_BODY), "{case}");
        let content_type = answer.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("text/plain"), "{case}: {content_type}");
        assert!(answer.headers.get("ratelimit-limit").is_none(), "{case}: the API never saw it");
    }
    assert_eq!(stack.outbox.messages(), vec![]);
    assert!(stack.outbox.attempts().iter().all(|a| a.user_agent.as_deref().unwrap_or_default().is_empty()));

    let named = post(&stack, minimal()).await;
    assert_eq!(named.status, 200, "{}", named.text);
    assert_eq!(stack.outbox.attempts().last().and_then(|a| a.user_agent.clone()).as_deref(), Some(AGENT));
}

#[tokio::test]
async fn the_stand_in_requires_its_bearer_key() {
    let stack = TestStack::start().await;
    let cases = [
        (None, 401, "missing_api_key"),
        (Some("Bearer re_wrong"), 403, "invalid_api_key"),
        (Some(LOCAL_API_KEY), 403, "invalid_api_key"),
    ];
    for (auth, status, name) in cases {
        let answer = raw(&stack, Method::POST, "/emails", auth, None, Some(minimal())).await;
        assert_eq!((answer.status, answer.body["name"].as_str()), (status, Some(name)), "{auth:?}");
        assert_eq!(answer.body["statusCode"], status, "{auth:?}");
        assert!(answer.body["message"].is_string(), "{auth:?}");
    }
    assert_eq!(stack.outbox.messages(), vec![]);
}

#[tokio::test]
async fn the_stand_in_refuses_bodies_with_resends_status_name_and_message() {
    let stack = TestStack::start().await;
    let invalid = |field: &str| format!("Invalid `{field}` field. {FORMAT}");
    let tag = |name: &str, value: &str| json!([{ "name": name, "value": value }]);
    let many_tags: Vec<Value> = (0..76).map(|i| json!({ "name": format!("t{i}"), "value": "v" })).collect();
    let not_implemented = |field: &str| format!("`{field}` is not implemented by the local stand-in.");
    let cases: Vec<(&str, Value, u16, &str, String)> = vec![
        ("no from", without("from"), 422, "missing_required_field", "Missing `from` field.".into()),
        ("blank from", with("from", json!(" ")), 422, "missing_required_field", "Missing `from` field.".into()),
        ("no to", without("to"), 422, "missing_required_field", "Missing `to` field.".into()),
        ("empty to", with("to", json!([])), 422, "missing_required_field", "Missing `to` field.".into()),
        ("no subject", without("subject"), 422, "missing_required_field", "Missing `subject` field.".into()),
        (
            "blank subject",
            with("subject", json!("  ")),
            422,
            "missing_required_field",
            "Missing `subject` field.".into(),
        ),
        ("no html or text", without("text"), 422, "missing_required_field", "Missing `html` or `text` field.".into()),
        (
            "empty text",
            with("text", json!("")),
            422,
            "missing_required_field",
            "Missing `html` or `text` field.".into(),
        ),
        ("from without address", with("from", json!("Studio")), 422, "validation_error", invalid("from")),
        (
            "from without dot",
            with("from", json!("Studio <studio@localhost>")),
            422,
            "validation_error",
            invalid("from"),
        ),
        (
            "from unclosed",
            with("from", json!("Studio <studio@localhost.test")),
            422,
            "validation_error",
            invalid("from"),
        ),
        ("bare to", with("to", json!("ada")), 422, "validation_error", invalid("to")),
        ("one bad to", with("to", json!([TO, "ada at example.com"])), 422, "validation_error", invalid("to")),
        ("to a number", with("to", json!(5)), 422, "validation_error", invalid("to")),
        ("bad cc", with("cc", json!("not an address")), 422, "validation_error", invalid("cc")),
        ("bad bcc", with("bcc", json!(["a@b.co", "@b.co"])), 422, "validation_error", invalid("bcc")),
        ("bad reply_to", with("reply_to", json!("support")), 422, "validation_error", invalid("reply_to")),
        (
            "51 recipients",
            with("to", addresses(51)),
            400,
            "validation_error",
            "Invalid `to` field. You can only send to 50 recipients at a time.".into(),
        ),
        (
            "subject a number",
            with("subject", json!(5)),
            422,
            "validation_error",
            "Invalid `subject` field. Expected a string.".into(),
        ),
        (
            "tag name with a space",
            with("tags", tag("a b", "c")),
            422,
            "validation_error",
            "Invalid `tags` field.".into(),
        ),
        (
            "tag value with a dot",
            with("tags", tag("a", "b.c")),
            422,
            "validation_error",
            "Invalid `tags` field.".into(),
        ),
        (
            "257-character tag",
            with("tags", tag(&"n".repeat(257), "v")),
            422,
            "validation_error",
            "Invalid `tags` field.".into(),
        ),
        (
            "tag without value",
            with("tags", json!([{ "name": "a" }])),
            422,
            "validation_error",
            "Invalid `tags` field.".into(),
        ),
        ("tags not a list", with("tags", json!({ "a": "b" })), 422, "validation_error", "Invalid `tags` field.".into()),
        ("76 tags", with("tags", json!(many_tags)), 422, "validation_error", "Invalid `tags` field.".into()),
        (
            "attachments",
            with("attachments", json!([{ "filename": "a.txt", "content": "aGk=" }])),
            422,
            "validation_error",
            not_implemented("attachments"),
        ),
        (
            "headers",
            with("headers", json!({ "X-Entity-Ref-ID": "1" })),
            422,
            "validation_error",
            not_implemented("headers"),
        ),
        (
            "scheduled_at",
            with("scheduled_at", json!("2030-01-01T00:00:00Z")),
            422,
            "validation_error",
            not_implemented("scheduled_at"),
        ),
        ("template", with("template", json!({ "id": "t" })), 422, "validation_error", not_implemented("template")),
        ("topic_id", with("topic_id", json!("t")), 422, "validation_error", not_implemented("topic_id")),
        ("not an object", json!(["to"]), 422, "validation_error", "The request body must be a JSON object.".into()),
    ];
    for (case, body, status, name, message) in cases {
        let answer = post(&stack, body).await;

        assert_eq!((answer.status, answer.body["name"].as_str()), (status, Some(name)), "{case}: {}", answer.text);
        assert_eq!(answer.body["statusCode"], status, "{case}");
        let said = answer.body["message"].as_str().unwrap_or_default();
        assert!(said.starts_with(&message), "{case}: {said:?} does not start with {message:?}");
    }
    let garbled = answer(request(&stack, Method::POST, "/emails").bearer_auth(LOCAL_API_KEY).body("{\"to\":")).await;
    assert_eq!((garbled.status, garbled.body["name"].as_str()), (400, Some("validation_error")), "{}", garbled.text);
    assert_eq!(stack.outbox.messages(), vec![]);
}

#[tokio::test]
async fn the_stand_in_accepts_every_documented_form_up_to_each_limit() {
    let stack = TestStack::start().await;
    let names = std::iter::once("n".repeat(256)).chain((1..75).map(|i| format!("tag-{i}")));
    let full_tags: Vec<Value> = names.map(|name| json!({ "name": name, "value": "A-b_9" })).collect();
    let cases = [
        ("one address as a string", minimal()),
        ("50 recipients", with("to", addresses(50))),
        ("named from", with("from", json!("AI Image Studio <studio@mail.studio.example>"))),
        ("quoted display name", with("to", json!(["\"Lovelace, Ada\" <ada@example.com>"]))),
        (
            "cc, bcc and reply_to lists",
            with_all(&[("cc", json!(["a@b.co"])), ("bcc", json!("c@d.co")), ("reply_to", json!(["Help <help@e.co>"]))]),
        ),
        ("75 tags of up to 256 characters", with("tags", json!(full_tags))),
        ("html alone", with_all(&[("html", json!("<p>Hi</p>")), ("text", Value::Null)])),
        ("unknown fields", with("x_unknown", json!({ "any": 1 }))),
    ];
    for (case, body) in cases {
        let answer = post(&stack, body).await;

        assert_eq!(answer.status, 200, "{case}: {}", answer.text);
        let id = answer.body["id"].as_str().unwrap_or_default();
        assert!(uuid_like(id), "{case}: {}", answer.text);
        assert!(stack.outbox.get(id).is_some(), "{case}: not in the outbox");
    }
    let messages = stack.outbox.messages();
    assert_eq!(messages[1].to.len(), 50);
    assert_eq!(
        (messages[4].cc.clone(), messages[4].bcc.clone()),
        (vec!["a@b.co".to_owned()], vec!["c@d.co".to_owned()])
    );
    assert_eq!(messages[5].tags.len(), 75);
    assert_eq!((messages[6].html.as_deref(), messages[6].text.as_deref()), (Some("<p>Hi</p>"), None));
}

/// `minimal()` with each of `fields` set.
fn with_all(fields: &[(&str, Value)]) -> Value {
    let mut body = minimal();
    for (field, value) in fields {
        body[*field] = value.clone();
    }
    body
}
