//! Credentials on the reference page: an operation's security requirements in words, and the
//! section describing each scheme they link to.

use std::fmt::Write;

use serde_json::Value;

use super::text::{escape, prose};

/// `[{a: []}, {b: [x]}]` as "a, or b (x)"; `[]` or `[{}]` as public.
pub fn security_text(security: &Value) -> String {
    let alternatives: Vec<String> = security
        .as_array()
        .into_iter()
        .flatten()
        .map(|requirement| {
            let all: Vec<String> = requirement
                .as_object()
                .into_iter()
                .flatten()
                .map(|(scheme, scopes)| {
                    let scopes: Vec<&str> = scopes.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                    let link = format!("<a href=\"#scheme-{0}\">{0}</a>", escape(scheme));
                    if scopes.is_empty() { link } else { format!("{link} (scope {})", escape(&scopes.join(", "))) }
                })
                .collect();
            if all.is_empty() { "none".to_owned() } else { all.join(" and ") }
        })
        .collect();
    if alternatives.is_empty() { "none (public)".to_owned() } else { alternatives.join(", or ") }
}

pub fn credentials(html: &mut String, spec: &Value) {
    html.push_str("<section id=\"credentials\"><h2>Credentials</h2>");
    for (name, scheme) in spec["components"]["securitySchemes"].as_object().into_iter().flatten() {
        let kind = match (scheme["type"].as_str(), scheme["scheme"].as_str(), scheme["in"].as_str()) {
            (Some("http"), Some(s), _) => format!("HTTP {s}"),
            (Some("apiKey"), _, Some(place)) => format!("{} in {place}", scheme["name"].as_str().unwrap_or("")),
            (kind, _, _) => kind.unwrap_or("").to_owned(),
        };
        let _ = write!(html, "<h3 id=\"scheme-{0}\">{0} <small>{1}</small></h3>", escape(name), escape(&kind));
        html.push_str(&prose(scheme["description"].as_str().unwrap_or("")));
    }
    html.push_str("</section>");
}
