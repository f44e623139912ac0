//! The outbox for people: `/__outbox`, an HTML page of every message the stand-in accepted (newest
//! first, each HTML body in a sandboxed frame), and `/__outbox.json` for scripts.

use std::fmt::Write;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use http::header;

use super::outbox::{Message, Outbox};

/// No script on the page, none in the frames (a `srcdoc` frame inherits this policy, and its empty
/// `sandbox` forbids scripts, forms and navigation anyway): mail bodies are untrusted HTML.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:; frame-src 'self'";

const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}\
article{border:1px solid #ccc;border-radius:8px;margin:1rem 0;padding:1rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0 0 1rem}dt{color:#666}dd{margin:0}\
iframe{border:1px solid #ddd;height:24rem;width:100%}pre{white-space:pre-wrap}";

pub fn router(outbox: Outbox) -> Router {
    Router::new().route("/__outbox", get(page)).route("/__outbox.json", get(messages)).with_state(outbox)
}

async fn messages(State(outbox): State<Outbox>) -> Json<Vec<Message>> {
    let mut messages = outbox.messages();
    messages.reverse();
    Json(messages)
}

async fn page(State(outbox): State<Outbox>) -> Response {
    let messages = outbox.messages();
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Outbox · AI Image Studio (local)</title>\
         <style>{STYLE}</style></head><body><h1>Outbox</h1><p>{} message(s) accepted by the local Resend stand-in, \
         newest first. None of them left this machine. As JSON: <a href=\"/__outbox.json\">/__outbox.json</a>.</p>",
        messages.len()
    );
    for message in messages.iter().rev() {
        html.push_str(&article(message));
    }
    html.push_str("</body></html>");
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_SECURITY_POLICY, POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (headers, html).into_response()
}

fn article(message: &Message) -> String {
    let mut html = format!("<article><h2>{}</h2><dl>", escape(&message.subject));
    let rows = [
        ("To", message.to.join(", ")),
        ("Cc", message.cc.join(", ")),
        ("Reply to", message.reply_to.join(", ")),
        ("From", message.from.clone()),
        ("Sent", message.created_at.clone()),
        ("Id", message.id.clone()),
        ("Idempotency key", message.idempotency_key.clone().unwrap_or_default()),
    ];
    for (label, value) in rows.iter().filter(|(_, value)| !value.is_empty()) {
        let _ = write!(html, "<dt>{label}</dt><dd>{}</dd>", escape(value));
    }
    html.push_str("</dl>");
    if let Some(body) = &message.html {
        let _ = write!(html, "<iframe sandbox=\"\" title=\"HTML body\" srcdoc=\"{}\"></iframe>", escape(body));
    }
    if let Some(text) = &message.text {
        let _ = write!(html, "<details><summary>Plain text</summary><pre>{}</pre></details>", escape(text));
    }
    html.push_str("</article>");
    html
}

/// Text for HTML content and for a double-quoted attribute value.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}
