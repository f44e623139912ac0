//! The body of `POST /emails` checked the way Resend checks it, each refusal with Resend's status,
//! `name` and wording; features the stand-in does not implement are refused, never ignored.

use serde_json::{Map, Value};

use super::Refusal;
use super::outbox::{Content, Tag};

const MAX_RECIPIENTS: usize = 50;
/// Accepted by Resend but not modelled here: refusing them keeps tests from passing by accident.
const UNSUPPORTED: [&str; 4] = ["attachments", "scheduled_at", "template", "topic_id"];
const FORMAT: &str = "The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";

/// A valid message, or the refusal Resend would answer. Unknown fields are ignored, as Resend does.
pub(crate) fn email(body: &Value) -> Result<Content, Refusal> {
    let Some(body) = body.as_object() else {
        return Err(Refusal::new(422, "validation_error", "The request body must be a JSON object."));
    };
    if let Some(field) = UNSUPPORTED.iter().find(|f| body.get(**f).is_some_and(|v| !v.is_null())) {
        return Err(Refusal::new(
            422,
            "validation_error",
            format!("`{field}` is not implemented by the local stand-in."),
        ));
    }
    let from = required_string(body, "from")?;
    let to = addresses(body, "to")?;
    if to.is_empty() {
        return Err(missing("to"));
    }
    let subject = required_string(body, "subject")?;
    if address_of(&from).is_none() {
        return Err(Refusal::new(422, "invalid_from_address", format!("Invalid `from` field. {FORMAT}")));
    }
    if to.len() > MAX_RECIPIENTS {
        let message = format!("Too many recipients: `to` takes at most {MAX_RECIPIENTS} addresses.");
        return Err(Refusal::new(400, "validation_error", message));
    }
    let (html, text) = (optional_string(body, "html")?, optional_string(body, "text")?);
    if html.is_none() && text.is_none() {
        return Err(Refusal::new(422, "missing_required_field", "Missing `html` or `text` field."));
    }
    Ok(Content {
        from,
        to,
        cc: addresses(body, "cc")?,
        bcc: addresses(body, "bcc")?,
        reply_to: addresses(body, "reply_to")?,
        subject,
        html,
        text,
        tags: tags(body)?,
    })
}

/// The address in `Name <address>` or a bare `address` (`local@domain.tld`, no spaces).
pub(crate) fn address_of(value: &str) -> Option<&str> {
    let value = value.trim();
    let address = match value.strip_suffix('>') {
        Some(rest) => rest.rsplit_once('<')?.1,
        None => value,
    };
    let (local, domain) = address.split_once('@')?;
    let plain = |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || "<>@,;\"".contains(c));
    let dotted = domain.split('.').count() > 1 && domain.split('.').all(|label| !label.is_empty());
    (plain(local) && plain(domain) && dotted).then_some(address)
}

fn missing(field: &str) -> Refusal {
    Refusal::new(422, "missing_required_field", format!("Missing `{field}` field."))
}

fn invalid(field: &str, why: &str) -> Refusal {
    Refusal::new(422, "validation_error", format!("Invalid `{field}` field. {why}"))
}

fn required_string(body: &Map<String, Value>, field: &str) -> Result<String, Refusal> {
    optional_string(body, field)?.filter(|s| !s.trim().is_empty()).ok_or_else(|| missing(field))
}

fn optional_string(body: &Map<String, Value>, field: &str) -> Result<Option<String>, Refusal> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(field, "Expected a string.")),
    }
}

/// A string or an array of strings, each a valid address.
fn addresses(body: &Map<String, Value>, field: &str) -> Result<Vec<String>, Refusal> {
    let list = match body.get(field) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| invalid(field, FORMAT))?,
        Some(_) => return Err(invalid(field, FORMAT)),
    };
    if list.iter().any(|a| address_of(a).is_none()) {
        return Err(invalid(field, FORMAT));
    }
    Ok(list)
}

fn tags(body: &Map<String, Value>) -> Result<Vec<Tag>, Refusal> {
    let why = "Tags need a `name` and `value` of ASCII letters, numbers, underscores or dashes (256 at most).";
    let Some(list) = body.get("tags").filter(|v| !v.is_null()) else { return Ok(Vec::new()) };
    let list = list.as_array().ok_or_else(|| invalid("tags", why))?;
    let part = |tag: &Value, key: &str| {
        let value = tag.get(key)?.as_str()?;
        let ok = (1..=256).contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        ok.then(|| value.to_owned())
    };
    list.iter()
        .map(|tag| Some(Tag { name: part(tag, "name")?, value: part(tag, "value")? }))
        .collect::<Option<_>>()
        .ok_or_else(|| invalid("tags", why))
}
