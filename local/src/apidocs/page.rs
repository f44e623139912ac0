//! The reference page: the description's operations grouped by tag, each with its method, path,
//! summary, description, credentials, parameters, request body, responses and examples. Every
//! text from the description is escaped; the page carries no script.

use std::fmt::Write;

use serde_json::Value;

use super::credentials::{credentials, security_text};
use super::schema::Schemas;
use super::text::{escape, inline, prose};

const SHARED_RESPONSES: &str = "#/components/responses/";

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The whole page for `spec`, an OpenAPI document as JSON.
pub fn render(spec: &Value) -> String {
    let schemas = Schemas::new(spec);
    let info = &spec["info"];
    let title = escape(info["title"].as_str().unwrap_or("API"));
    let mut html = String::with_capacity(256 * 1024);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}: API reference</title><link rel=\"stylesheet\" href=\"/docs/api.css\"></head><body>\
         <header><h1>{title} <small>{}</small></h1><p class=\"summary\">{}</p>\
         <p>The description itself: <a href=\"/openapi.yaml\">openapi.yaml</a> · <a href=\"/openapi.json\">openapi.json</a> \
         (OpenAPI {})</p></header>",
        escape(info["version"].as_str().unwrap_or("")),
        escape(info["summary"].as_str().unwrap_or("")),
        escape(spec["openapi"].as_str().unwrap_or("")),
    );
    let groups = grouped(spec);
    html.push_str("<nav><h2>Contents</h2><ul>");
    for (tag, operations) in &groups {
        let _ = write!(html, "<li><a href=\"#tag-{0}\">{0}</a><ul>", escape(tag));
        for op in operations {
            let _ = write!(
                html,
                "<li><a href=\"#op-{}\"><span class=\"method {}\">{}</span> {}</a></li>",
                escape(&op.id),
                op.method,
                op.method.to_uppercase(),
                escape(&op.path)
            );
        }
        html.push_str("</ul></li>");
    }
    html.push_str("<li><a href=\"#responses\">Shared responses</a></li>");
    html.push_str("<li><a href=\"#credentials\">Credentials</a></li></ul></nav><main>");
    html.push_str(&prose(info["description"].as_str().unwrap_or("")));
    for (tag, operations) in &groups {
        let _ = write!(html, "<section id=\"tag-{0}\"><h2>{0}</h2>", escape(tag));
        html.push_str(&prose(tag_description(spec, tag)));
        for op in operations {
            operation(&mut html, spec, &schemas, op);
        }
        html.push_str("</section>");
    }
    shared_responses(&mut html, spec, &schemas);
    credentials(&mut html, spec);
    html.push_str("</main></body></html>\n");
    html
}

struct Operation<'a> {
    method: &'static str,
    path: String,
    id: String,
    body: &'a Value,
    /// The path item's own parameters, shared by its operations.
    shared_parameters: &'a Value,
}

/// Operations by their first tag, in the order of the description's tag list (then any other).
fn grouped(spec: &Value) -> Vec<(String, Vec<Operation<'_>>)> {
    let mut groups: Vec<(String, Vec<Operation<'_>>)> = spec["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(|n| (n.to_owned(), Vec::new())))
        .collect();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let body = &item[method];
            if !body.is_object() {
                continue;
            }
            let tag = body["tags"][0].as_str().unwrap_or("other").to_owned();
            let id = body["operationId"].as_str().map_or_else(|| format!("{method}-{path}"), str::to_owned);
            let op = Operation { method, path: path.clone(), id, body, shared_parameters: &item["parameters"] };
            match groups.iter_mut().find(|(name, _)| *name == tag) {
                Some((_, ops)) => ops.push(op),
                None => groups.push((tag, vec![op])),
            }
        }
    }
    groups.retain(|(_, ops)| !ops.is_empty());
    groups
}

fn tag_description<'a>(spec: &'a Value, tag: &str) -> &'a str {
    let found = spec["tags"].as_array().into_iter().flatten().find(|t| t["name"] == tag);
    found.and_then(|t| t["description"].as_str()).unwrap_or("")
}

fn operation(html: &mut String, spec: &Value, schemas: &Schemas<'_>, op: &Operation<'_>) {
    let body = op.body;
    let _ = write!(
        html,
        "<article id=\"op-{id}\"><h3><span class=\"method {m}\">{mu}</span> <code>{path}</code></h3>\
         <p class=\"summary\">{summary} <span class=\"opid\">operationId <code>{id}</code></span></p>",
        id = escape(&op.id),
        m = op.method,
        mu = op.method.to_uppercase(),
        path = escape(&op.path),
        summary = escape(body["summary"].as_str().unwrap_or("")),
    );
    html.push_str(&prose(body["description"].as_str().unwrap_or("")));
    let security = if body.get("security").is_some() { &body["security"] } else { &spec["security"] };
    let _ = write!(html, "<p><b>Credentials:</b> {}</p>", security_text(security));
    let parameters: Vec<&Value> = op
        .shared_parameters
        .as_array()
        .into_iter()
        .flatten()
        .chain(body["parameters"].as_array().into_iter().flatten())
        .collect();
    if !parameters.is_empty() {
        html.push_str("<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Schema</th><th>Description</th></tr>");
        for parameter in parameters {
            let p = schemas.resolve(parameter);
            let required = if p["required"] == true { " <span class=\"req\">required</span>" } else { "" };
            let _ = write!(
                html,
                "<tr><td><code>{}</code>{required}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(p["name"].as_str().unwrap_or("")),
                escape(p["in"].as_str().unwrap_or("")),
                schemas.render(&p["schema"]),
                inline(p["description"].as_str().unwrap_or("")),
            );
        }
        html.push_str("</table>");
    }
    let request = schemas.resolve(&body["requestBody"]);
    if request.is_object() {
        let required = if request["required"] == true { "required" } else { "optional" };
        let _ = write!(html, "<h4>Request body <small>({required})</small></h4>");
        html.push_str(&prose(request["description"].as_str().unwrap_or("")));
        content(html, schemas, &request["content"]);
    }
    html.push_str("<h4>Responses</h4>");
    for (status, response) in body["responses"].as_object().into_iter().flatten() {
        // A shared error is drawn once, in its own section: here it is a link.
        let shared = response["$ref"].as_str().and_then(|r| r.strip_prefix(SHARED_RESPONSES));
        if let Some(name) = shared.filter(|_| !status.starts_with('2')) {
            let _ = write!(
                html,
                "<p class=\"shared\"><b>{}</b> <a href=\"#response-{name}\">{name}</a>: {}</p>",
                escape(status),
                first_line(schemas.resolve(response)),
                name = escape(name),
            );
            continue;
        }
        // Successes are open: what an operation answers is what a reader came for.
        let open = if status.starts_with('2') { " open" } else { "" };
        let response = schemas.resolve(response);
        let _ = write!(html, "<details{open}><summary><b>{}</b> {}</summary>", escape(status), first_line(response));
        response_body(html, schemas, response);
        html.push_str("</details>");
    }
    html.push_str("</article>");
}

/// A response's description, headers, schema and examples.
fn response_body(html: &mut String, schemas: &Schemas<'_>, response: &Value) {
    html.push_str(&prose(response["description"].as_str().unwrap_or("")));
    if let Some(headers) = response["headers"].as_object() {
        html.push_str("<p><b>Headers:</b></p><ul>");
        for (name, header) in headers {
            let header = schemas.resolve(header);
            let _ = write!(
                html,
                "<li><code>{}</code>: {} {}</li>",
                escape(name),
                schemas.render(&header["schema"]),
                inline(header["description"].as_str().unwrap_or(""))
            );
        }
        html.push_str("</ul>");
    }
    content(html, schemas, &response["content"]);
}

/// The responses many operations share (errors, mostly), each drawn in full once.
fn shared_responses(html: &mut String, spec: &Value, schemas: &Schemas<'_>) {
    html.push_str("<section id=\"responses\"><h2>Shared responses</h2>");
    for (name, response) in spec["components"]["responses"].as_object().into_iter().flatten() {
        let _ = write!(html, "<article id=\"response-{0}\"><h3>{0}</h3>", escape(name));
        response_body(html, schemas, response);
        html.push_str("</article>");
    }
    html.push_str("</section>");
}

/// Each media type's schema as a tree, and its example.
fn content(html: &mut String, schemas: &Schemas<'_>, content: &Value) {
    for (media_type, media) in content.as_object().into_iter().flatten() {
        let _ = write!(html, "<div class=\"media\"><p><code>{}</code></p>", escape(media_type));
        html.push_str(&schemas.render(&media["schema"]));
        let examples: Vec<&Value> = match media["examples"].as_object() {
            Some(named) => named.values().map(|e| &schemas.resolve(e)["value"]).collect(),
            None => media.get("example").into_iter().collect(),
        };
        for example in examples {
            let text = serde_json::to_string_pretty(example).unwrap_or_default();
            let _ = write!(html, "<p class=\"label\">Example</p><pre>{}</pre>", escape(&text));
        }
        html.push_str("</div>");
    }
}

fn first_line(response: &Value) -> String {
    let description = response["description"].as_str().unwrap_or("");
    let paragraph = description.split("\n\n").next().unwrap_or("");
    inline(&paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
}
