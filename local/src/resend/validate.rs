//! The body of `POST /emails` checked the way Resend checks it, each refusal with Resend's status,
//! `name` and wording; features the stand-in does not implement are refused, never ignored.
//!
//! Sources: Resend's API reference ("Send Email", "Errors"), its tags guide, and answers Resend
//! gave that users quoted (the `Invalid \`to\` field. …` and `Missing \`to\` field.` wordings).

use serde_json::{Map, Value};

use super::Refusal;
use super::outbox::{Content, Tag};

/// "Max 50" recipients in `to` (Send Email reference).
const MAX_RECIPIENTS: usize = 50;
/// "You can add up to 75 tags per email" (tags guide).
const MAX_TAGS: usize = 75;
/// Tag names and values: "no more than 256 characters".
const MAX_TAG_CHARS: usize = 256;
/// Accepted by Resend but not modelled here: refusing them keeps tests from passing by accident.
const UNSUPPORTED: [&str; 5] = ["attachments", "headers", "scheduled_at", "template", "topic_id"];
const FORMAT: &str = "The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";
const TAG_RULE: &str = "Tag names and values can only contain ASCII letters, numbers, underscores or dashes, \
                        and no more than 256 characters.";

/// A valid message, or the refusal Resend would answer. Unknown fields are ignored, as Resend does.
pub(crate) fn email(body: &Value) -> Result<Content, Refusal> {
    let Some(body) = body.as_object() else {
        return Err(Refusal::new(422, "validation_error", "The request body must be a JSON object."));
    };
    if let Some(field) = UNSUPPORTED.iter().find(|f| body.get(**f).is_some_and(|v| !v.is_null())) {
        let message = format!("`{field}` is not implemented by the local stand-in.");
        return Err(Refusal::new(422, "validation_error", message));
    }
    let from = required_string(body, "from")?;
    let to = addresses(body, "to")?;
    if to.is_empty() {
        return Err(missing("to"));
    }
    let subject = required_string(body, "subject")?;
    let (html, text) = (optional_string(body, "html")?, optional_string(body, "text")?);
    if html.is_none() && text.is_none() {
        return Err(Refusal::new(422, "missing_required_field", "Missing `html` or `text` field."));
    }
    if address_of(&from).is_none() {
        return Err(invalid("from", FORMAT));
    }
    if to.len() > MAX_RECIPIENTS {
        let message = format!("Invalid `to` field. You can only send to {MAX_RECIPIENTS} recipients at a time.");
        return Err(Refusal::new(400, "validation_error", message));
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

/// The address in `Name <address>` or a bare `address`: a local part and a dotted domain, no
/// spaces, brackets, commas or quotes in either (the display name may hold anything but `<`).
pub(crate) fn address_of(value: &str) -> Option<&str> {
    let value = value.trim();
    let address = match value.strip_suffix('>') {
        Some(rest) => {
            let (name, address) = rest.rsplit_once('<')?;
            if name.contains('>') {
                return None;
            }
            address
        }
        None => value,
    };
    let (local, domain) = address.split_once('@')?;
    let plain = |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || "<>@,;\"()[]\\".contains(c));
    let label = |l: &str| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-');
    let dotted = domain.split('.').count() > 1 && domain.split('.').all(label);
    (plain(local) && plain(domain) && dotted && !local.starts_with('.') && !local.ends_with('.')).then_some(address)
}

fn missing(field: &str) -> Refusal {
    Refusal::new(422, "missing_required_field", format!("Missing `{field}` field."))
}

fn invalid(field: &str, why: &str) -> Refusal {
    Refusal::new(422, "validation_error", format!("Invalid `{field}` field. {why}"))
}

/// A string that must be there and not blank.
fn required_string(body: &Map<String, Value>, field: &str) -> Result<String, Refusal> {
    optional_string(body, field)?.filter(|s| !s.trim().is_empty()).ok_or_else(|| missing(field))
}

/// A string, if present; an empty one counts as absent.
fn optional_string(body: &Map<String, Value>, field: &str) -> Result<Option<String>, Refusal> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
        Some(_) => Err(invalid(field, "Expected a string.")),
    }
}

/// A string or an array of strings, each a valid address.
fn addresses(body: &Map<String, Value>, field: &str) -> Result<Vec<String>, Refusal> {
    let list = match body.get(field) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(one)) if one.trim().is_empty() => return Ok(Vec::new()),
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

/// `[{name, value}]`, at most 75, each part 1–256 ASCII letters, digits, `_` or `-`.
fn tags(body: &Map<String, Value>) -> Result<Vec<Tag>, Refusal> {
    let Some(list) = body.get("tags").filter(|v| !v.is_null()) else { return Ok(Vec::new()) };
    let list = list.as_array().ok_or_else(|| invalid("tags", "Expected an array of `{ name, value }` objects."))?;
    if list.len() > MAX_TAGS {
        return Err(invalid("tags", &format!("An email can have at most {MAX_TAGS} tags.")));
    }
    let part = |tag: &Value, key: &str| {
        let value = tag.get(key)?.as_str()?;
        let ok = (1..=MAX_TAG_CHARS).contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        ok.then(|| value.to_owned())
    };
    list.iter()
        .map(|tag| Some(Tag { name: part(tag, "name")?, value: part(tag, "value")? }))
        .collect::<Option<_>>()
        .ok_or_else(|| invalid("tags", TAG_RULE))
}
