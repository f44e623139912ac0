//! JSON Schemas of the description as readable nested lists: each field with its type, whether it
//! is required, its limits and its description; `$ref`s expanded in place (a schema already being
//! expanded is named, not repeated), and `allOf` shown as the one object it makes.

use std::fmt::Write;

use serde_json::{Map, Value};

use super::text::{escape, inline};

/// Deepest nesting expanded; a description deeper than this is named, not drawn.
const MAX_DEPTH: usize = 10;

pub struct Schemas<'a> {
    spec: &'a Value,
}

impl<'a> Schemas<'a> {
    pub fn new(spec: &'a Value) -> Self {
        Self { spec }
    }

    /// The target of a local `$ref` (`#/components/...`), followed through chains; anything else as is.
    pub fn resolve(&self, value: &'a Value) -> &'a Value {
        let mut value = value;
        for _ in 0..MAX_DEPTH {
            match self.target(value) {
                Some(target) => value = target,
                None => break,
            }
        }
        value
    }

    fn target(&self, value: &Value) -> Option<&'a Value> {
        let reference = value.get("$ref")?.as_str()?;
        self.spec.pointer(reference.strip_prefix('#')?)
    }

    /// `schema` as HTML.
    pub fn render(&self, schema: &Value) -> String {
        let mut html = String::new();
        self.node(&mut html, schema, 0, &mut Vec::new());
        html
    }

    fn node(&self, html: &mut String, schema: &Value, depth: usize, open: &mut Vec<String>) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.rsplit('/').next().unwrap_or(reference);
            let _ = write!(html, "<span class=\"ref\">{}</span>", escape(name));
            match self.target(schema) {
                Some(_) if open.iter().any(|r| r == reference) || depth >= MAX_DEPTH => {
                    html.push_str(" <span class=\"note\">(as above)</span>");
                }
                Some(target) => {
                    html.push(' ');
                    open.push(reference.to_owned());
                    self.node(html, target, depth + 1, open);
                    open.pop();
                }
                None => html.push_str(" <span class=\"note\">(unresolved)</span>"),
            }
            return;
        }
        let Some(object) = schema.as_object() else {
            html.push_str("<span class=\"type\">any</span>");
            return;
        };
        let merged;
        let object = match self.merged_all_of(object) {
            Some(all) => {
                merged = all;
                &merged
            }
            None => object,
        };
        summary(html, object);
        let mut children = String::new();
        let required: Vec<&str> =
            object.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        for (name, property) in object.get("properties").and_then(Value::as_object).into_iter().flatten() {
            let mark = if required.contains(&name.as_str()) { " <span class=\"req\">required</span>" } else { "" };
            let _ = write!(children, "<li><code>{}</code>{mark} ", escape(name));
            self.node(&mut children, property, depth + 1, open);
            children.push_str("</li>");
        }
        if let Some(extra) = object.get("additionalProperties").filter(|v| v.is_object()) {
            children.push_str("<li><i>any other field</i>: ");
            self.node(&mut children, extra, depth + 1, open);
            children.push_str("</li>");
        }
        if let Some(items) = object.get("items") {
            children.push_str("<li><i>each item</i>: ");
            self.node(&mut children, items, depth + 1, open);
            children.push_str("</li>");
        }
        for (key, label) in [("oneOf", "one of"), ("anyOf", "any of"), ("allOf", "all of")] {
            for part in object.get(key).and_then(Value::as_array).into_iter().flatten() {
                let _ = write!(children, "<li><i>{label}</i>: ");
                self.node(&mut children, part, depth + 1, open);
                children.push_str("</li>");
            }
        }
        if !children.is_empty() {
            let _ = write!(html, "<ul class=\"schema\">{children}</ul>");
        }
    }

    /// An `allOf` whose parts are all objects, as one object: properties of later parts refine
    /// earlier ones (an envelope's `data` narrowed by an operation), `required` is the union.
    fn merged_all_of(&self, object: &Map<String, Value>) -> Option<Map<String, Value>> {
        let parts = object.get("allOf")?.as_array()?;
        let mut merged = object.clone();
        merged.remove("allOf");
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        for part in parts {
            let part = self.resolve(part).as_object()?;
            let part = match self.merged_all_of(part) {
                Some(inner) => inner,
                None => part.clone(),
            };
            if part.keys().any(|k| matches!(k.as_str(), "oneOf" | "anyOf" | "items")) {
                return None;
            }
            for (name, property) in part.get("properties").and_then(Value::as_object).into_iter().flatten() {
                let refined = match (properties.get(name), property.get("$ref")) {
                    (Some(_), None) if property.get("type").is_none() => continue,
                    _ => property.clone(),
                };
                properties.insert(name.clone(), refined);
            }
            for name in part.get("required").and_then(Value::as_array).into_iter().flatten() {
                if !required.contains(name) {
                    required.push(name.clone());
                }
            }
            for (key, value) in part {
                if !matches!(key.as_str(), "properties" | "required") {
                    merged.entry(key).or_insert(value);
                }
            }
        }
        merged.insert("properties".into(), Value::Object(properties));
        merged.insert("required".into(), Value::Array(required));
        Some(merged)
    }
}

/// The schema's own line: type, limits, description.
fn summary(html: &mut String, schema: &Map<String, Value>) {
    let types = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | "),
        _ if schema.contains_key("const") => String::new(),
        _ if schema.contains_key("properties") => "object".into(),
        _ => String::new(),
    };
    if !types.is_empty() {
        let _ = write!(html, "<span class=\"type\">{}</span>", escape(&types));
    }
    let mut limits = Vec::new();
    if let Some(value) = schema.get("const") {
        limits.push(format!("always {value}"));
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(Value::to_string).collect();
        limits.push(format!("one of {}", values.join(", ")));
    }
    for (key, label) in [
        ("format", "format"),
        ("pattern", "pattern"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", "min"),
        ("maximum", "max"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
        ("default", "default"),
    ] {
        if let Some(value) = schema.get(key) {
            let shown = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
            limits.push(format!("{label} {shown}"));
        }
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        limits.push("no other fields".into());
    }
    if !limits.is_empty() {
        let _ = write!(html, " <span class=\"limits\">{}</span>", escape(&limits.join("; ")));
    }
    if let Some(description) = schema.get("description").and_then(Value::as_str) {
        let _ = write!(html, " <span class=\"desc\">{}</span>", inline(description));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_expand_once_and_cycles_stop() {
        let spec = json!({ "components": { "schemas": {
            "Node": { "type": "object", "required": ["next"], "properties": { "next": { "$ref": "#/components/schemas/Node" } } }
        } } });
        let html = Schemas::new(&spec).render(&json!({ "$ref": "#/components/schemas/Node" }));
        assert_eq!(html.matches("<code>next</code>").count(), 1, "{html}");
        assert!(html.contains("(as above)") && html.contains("required"), "{html}");
    }

    #[test]
    fn all_of_reads_as_one_object_with_the_narrowed_field() {
        let spec = json!({ "components": { "schemas": {
            "Envelope": { "type": "object", "required": ["data"], "properties": { "data": {}, "meta": { "type": "string" } } }
        } } });
        let schema = json!({ "allOf": [
            { "$ref": "#/components/schemas/Envelope" },
            { "properties": { "data": { "type": "integer", "maximum": 4 } } }
        ] });
        let html = Schemas::new(&spec).render(&schema);
        assert!(
            html.contains("<code>data</code> <span class=\"req\">required</span> <span class=\"type\">integer"),
            "{html}"
        );
        assert!(html.contains("max 4") && html.contains("<code>meta</code>"), "{html}");
    }
}
