//! `/rpc/{fn}`: arguments, overload resolution by argument names, and the call for each result shape.

use serde_json::{Map, Value};

use super::error::ApiError;
use super::headers::Shape;
use super::query::Field;
use super::read::{Query, Shaping, body_sql, envelope};
use super::response::Kind;
use super::schema::{Function, Returns};
use super::select::SelectItem;
use super::sql;

/// The arguments of a call, as one JSON object (or the whole body for a single unnamed json param).
pub struct Args {
    pub keys: Vec<String>,
    pub json: String,
}

impl Args {
    /// POST: a JSON object → named args; an array → its first element; an empty body → none.
    pub fn from_body(body: &[u8]) -> Result<Self, ApiError> {
        let text = std::str::from_utf8(body).map_err(|_| ApiError::Body("Empty or invalid json"))?;
        if text.trim().is_empty() {
            return Ok(Self { keys: Vec::new(), json: "{}".to_owned() });
        }
        let value: Value = serde_json::from_str(text).map_err(|_| ApiError::Body("Empty or invalid json"))?;
        match value {
            Value::Object(object) => Ok(Self { keys: object.keys().cloned().collect(), json: text.to_owned() }),
            Value::Array(items) => match items.into_iter().next() {
                Some(Value::Object(first)) => Ok(Self::from_object(first)),
                None => Ok(Self::from_object(Map::new())),
                Some(_) => Err(ApiError::Body("Empty or invalid json")),
            },
            _ => Err(ApiError::Body("Empty or invalid json")),
        }
    }

    /// GET: every query parameter without an operator is an argument, passed as text.
    pub fn from_query(args: &[(String, String)]) -> Self {
        Self::from_object(args.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect())
    }

    fn from_object(object: Map<String, Value>) -> Self {
        let keys = object.keys().cloned().collect();
        Self { keys, json: Value::Object(object).to_string() }
    }
}

/// The overload whose argument names fit `args` (defaulted ones may be omitted); failing that,
/// a function with one unnamed json/jsonb parameter, which receives the whole body.
pub fn resolve<'f>(functions: &'f [Function], schema: &str, name: &str, args: &Args) -> Result<&'f Function, ApiError> {
    let fits = |f: &&Function| {
        f.args.iter().all(|a| a.has_default || args.keys.contains(&a.name))
            && args.keys.iter().all(|k| f.args.iter().any(|a| &a.name == k))
    };
    let mut matches: Vec<&Function> = functions.iter().filter(fits).collect();
    if matches.is_empty() {
        matches = functions.iter().filter(|f| takes_whole_body(f)).collect();
    }
    match matches[..] {
        [function] => Ok(function),
        [] => Err(not_found(schema, name, &args.keys)),
        _ => {
            let candidates: Vec<String> = matches.iter().map(|f| signature(schema, f)).collect();
            Err(ApiError::Overloaded {
                message: format!("Could not choose the best candidate function between: {}", candidates.join(", ")),
            })
        }
    }
}

fn takes_whole_body(function: &Function) -> bool {
    matches!(&function.args[..], [arg] if arg.name.is_empty() && matches!(arg.type_name.as_str(), "json" | "jsonb"))
}

fn signature(schema: &str, function: &Function) -> String {
    let args: Vec<String> = function.args.iter().map(|a| format!("{} => {}", a.name, a.type_name)).collect();
    format!("{schema}.{}({})", function.name, args.join(", "))
}

fn not_found(schema: &str, name: &str, keys: &[String]) -> ApiError {
    let mut keys = keys.to_vec();
    keys.sort();
    let (message, searched) = match keys.is_empty() {
        true => (format!("{schema}.{name} without parameters"), "without parameters".to_owned()),
        false => (format!("{schema}.{name}({})", keys.join(", ")), format!("with parameters {}", keys.join(", "))),
    };
    ApiError::NoFunction {
        message: format!("Could not find the function {message} in the schema cache"),
        details: format!(
            "Searched for the function {schema}.{name} {searched} or with a single unnamed \
             json/jsonb parameter, but no matches were found in the schema cache."
        ),
    }
}

/// The call statement, whether it binds the arguments as `$1`, and how to read its answer.
pub fn statement(
    schema: &str,
    function: &Function,
    args: &Args,
    shaping: &Shaping<'_>,
) -> Result<(String, bool, Kind), ApiError> {
    let (call, binds) = call(schema, function, args)?;
    let scalar = function.returns == Returns::Scalar;
    let columns = if scalar { "(pgrst_scalar)" } else { "" };
    let with = format!("WITH pgrst_source AS (SELECT pgrst_call.* FROM {call} AS pgrst_call{columns}) ");
    if function.returns == Returns::Void {
        let sql = envelope(&with, "NULL::bigint", "SELECT 1 FROM pgrst_source", "NULL::text", "0::bigint");
        return Ok((sql, binds, Kind::Void));
    }
    let scalar_item = [SelectItem::Column {
        field: Field { name: "pgrst_scalar".to_owned(), path: Vec::new() },
        alias: None,
        cast: None,
    }];
    let query = Query {
        source: "pgrst_source",
        alias: &function.name,
        select: if scalar { &scalar_item[..] } else { shaping.select },
        params: shaping.params,
        page: shaping.page,
        counted: shaping.counted,
        // Result column types are not looked up: full-text filters need a tsvector column here.
        plain_text: &|_| false,
    };
    let (rows, total) = query.render()?;
    let single = !function.returns_set || shaping.shape == Shape::Object;
    let body = match (scalar, single) {
        (true, true) => "coalesce((pg_catalog.json_agg(pgrst_t.pgrst_scalar)->0)::text, 'null')",
        (true, false) => "coalesce(pg_catalog.json_agg(pgrst_t.pgrst_scalar), '[]')::text",
        (false, true) => body_sql(Shape::Object),
        (false, false) => body_sql(Shape::Array),
    };
    let sql = envelope(&with, &total, &rows, body, "0::bigint");
    Ok((sql, binds, Kind::Read { offset: shaping.page.offset }))
}

/// `schema.fn("a" := pgrst_args."a", …)` over `json_to_record($1)`, typed by the declared
/// parameters; the flag says whether `$1` is used.
fn call(schema: &str, function: &Function, args: &Args) -> Result<(String, bool), ApiError> {
    let name = format!("{}.{}", sql::ident(schema)?, sql::ident(&function.name)?);
    if takes_whole_body(function) {
        return Ok((format!("{name}($1::text::{})", function.args[0].type_name), true));
    }
    let given: Vec<_> = function.args.iter().filter(|a| args.keys.contains(&a.name)).collect();
    if given.is_empty() {
        return Ok((format!("{name}()"), false));
    }
    let mut columns = Vec::with_capacity(given.len());
    let mut named = Vec::with_capacity(given.len());
    for arg in given {
        let ident = sql::ident(&arg.name)?;
        columns.push(format!("{ident} {}", arg.type_name));
        named.push(format!("{ident} := pgrst_args.{ident}"));
    }
    let sql = format!(
        "json_to_record($1::text::json) AS pgrst_args({}) CROSS JOIN LATERAL {name}({})",
        columns.join(", "),
        named.join(", ")
    );
    Ok((sql, true))
}
