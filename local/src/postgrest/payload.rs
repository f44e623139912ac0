//! The payload of a POST or PATCH: its keys (or `?columns=`), and the SQL that turns it into rows.

use serde_json::{Map, Value};

use super::error::ApiError;
use super::sql;
use super::write::Target;

/// A write's payload: the columns it writes, the JSON text bound as `$1`, and whether it is one
/// object (else an array of objects).
pub struct Payload {
    pub keys: Vec<String>,
    pub json: String,
    object: bool,
}

impl Payload {
    /// One JSON object whose keys were already checked.
    pub fn object(keys: Vec<String>, json: String) -> Self {
        Self { keys, json, object: true }
    }

    /// With `?columns=` the body is passed to PostgreSQL unchecked, as PostgREST does (keys outside
    /// the list are ignored); without it, the keys of an array's objects must all match.
    pub fn read(target: &Target<'_>, body: &[u8]) -> Result<Self, ApiError> {
        if let Some(columns) = &target.params.columns {
            target.check_columns(columns)?;
            let json = String::from_utf8_lossy(body).into_owned();
            let object = json.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('{');
            return Ok(Self { keys: columns.clone(), json, object });
        }
        let (keys, json) = rows_payload(body)?;
        target.check_columns(&keys)?;
        Ok(Self { keys, json, object: false })
    }

    /// The rows as `pgrst_body`, typed by the table's row type. Under `Prefer: missing=default`
    /// each object is first merged over the DEFAULTs of the written columns (PostgREST's
    /// `jsonb_build_object(defaults) || element`), so only keys it carries override them.
    pub fn source(&self, target: &Target<'_>) -> Result<String, ApiError> {
        let qualified = target.qualified()?;
        let function = if self.object { "populate_record" } else { "populate_recordset" };
        if target.prefer.missing_default != Some(true) {
            return Ok(format!("json_{function}(NULL::{qualified}, $1::text::json) AS pgrst_body"));
        }
        let mut defaults = Vec::new();
        for key in &self.keys {
            if let Some(default) = target.table.column(key).and_then(|c| c.default.as_ref()) {
                defaults.push(format!("{}, {default}", sql::literal(key)?));
            }
        }
        let defaults = format!("pg_catalog.jsonb_build_object({})", defaults.join(", "));
        let merged = match self.object {
            true => format!("{defaults} || $1::text::jsonb"),
            false => format!(
                "(SELECT pg_catalog.jsonb_agg({defaults} || pgrst_elem ORDER BY pgrst_n) \
                 FROM pg_catalog.jsonb_array_elements($1::text::jsonb) WITH ORDINALITY AS pgrst_e(pgrst_elem, pgrst_n))"
            ),
        };
        Ok(format!("jsonb_{function}(NULL::{qualified}, {merged}) AS pgrst_body"))
    }
}

/// An object or an array of objects with identical keys → (keys, JSON array text).
fn rows_payload(body: &[u8]) -> Result<(Vec<String>, String), ApiError> {
    let invalid = || ApiError::Body("Empty or invalid json");
    let text = std::str::from_utf8(body).map_err(|_| invalid())?;
    match serde_json::from_str::<Value>(text).map_err(|_| invalid())? {
        Value::Object(object) => Ok((object.keys().cloned().collect(), format!("[{text}]"))),
        Value::Array(rows) => {
            let objects: Vec<&Map<String, Value>> = rows.iter().filter_map(Value::as_object).collect();
            if objects.len() != rows.len() {
                return Err(invalid());
            }
            let keys: Vec<String> = objects.first().map(|o| o.keys().cloned().collect()).unwrap_or_default();
            let same = |o: &&Map<String, Value>| o.len() == keys.len() && keys.iter().all(|k| o.contains_key(k));
            if !objects.iter().all(same) {
                return Err(ApiError::Body("All object keys must match"));
            }
            Ok((keys, text.to_owned()))
        }
        _ => Err(invalid()),
    }
}
