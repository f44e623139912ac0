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
    /// `?columns=` names the arguments instead of the object's keys (others are ignored).
    pub fn from_body(body: &[u8], columns: Option<&[String]>) -> Result<Self, ApiError> {
        let text = std::str::from_utf8(body).map_err(|_| ApiError::Body("Empty or invalid json"))?;
        let mut args = if text.trim().is_empty() {
            Self { keys: Vec::new(), json: "{}".to_owned() }
        } else {
            let value: Value = serde_json::from_str(text).map_err(|_| ApiError::Body("Empty or invalid json"))?;
            match value {
                Value::Object(object) => Self { keys: object.keys().cloned().collect(), json: text.to_owned() },
                Value::Array(items) => match items.into_iter().next() {
                    Some(Value::Object(first)) => Self::from_object(first),
                    None => Self::from_object(Map::new()),
                    Some(_) => return Err(ApiError::Body("Empty or invalid json")),
                },
                _ => return Err(ApiError::Body("Empty or invalid json")),
            }
        };
        if let Some(columns) = columns {
            args.keys = columns.to_vec();
        }
        Ok(args)
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
/// a function with one unnamed json/jsonb parameter, which receives the whole body. `post` says
/// whether the arguments came as a JSON body (PGRST202 then mentions the json/jsonb fallback).
pub fn resolve<'f>(
    functions: &'f [Function],
    schema: &str,
    name: &str,
    args: &Args,
    post: bool,
) -> Result<&'f Function, ApiError> {
    let fits = |f: &&Function| {
        f.args.iter().all(|a| a.has_default || args.keys.contains(&a.name))
            && args.keys.iter().all(|k| f.args.iter().any(|a| &a.name == k))
    };
    let mut matches: Vec<&Function> = functions.iter().filter(fits).collect();
    if matches.is_empty() && post {
        matches = functions.iter().filter(|f| takes_whole_body(f)).collect();
    }
    match matches[..] {
        [function] => Ok(function),
        [] => Err(not_found(functions, schema, name, &args.keys, post)),
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

/// PGRST202 as PostgREST words it (src `Error.hs`, `NoRpc`). When overloads of `name` exist, the
/// hint names the closest parameter list; otherwise [`name_hint`] fills it in from all functions.
fn not_found(functions: &[Function], schema: &str, name: &str, keys: &[String], post: bool) -> ApiError {
    let mut keys = keys.to_vec();
    keys.sort();
    let listed = keys.join(", ");
    let (message, searched) = match keys.len() {
        0 => (format!("{schema}.{name} without parameters"), " without parameters".to_owned()),
        1 => (format!("{schema}.{name}({listed})"), format!(" with parameter {listed}")),
        _ => (format!("{schema}.{name}({listed})"), format!(" with parameters {listed}")),
    };
    let fallback = if post { " or with a single unnamed json/jsonb parameter" } else { "" };
    let overloads: Vec<String> = functions.iter().map(|f| param_list(f.args.iter().map(|a| a.name.clone()))).collect();
    let hint = super::fuzzy::closest(&overloads, &param_list(keys.iter().cloned()))
        .map(|params| format!("Perhaps you meant to call the function {schema}.{name}{params}"));
    ApiError::NoFunction {
        message: format!("Could not find the function {message} in the schema cache"),
        details: format!(
            "Searched for the function {schema}.{name}{searched}{fallback}, but no matches were found in the schema cache."
        ),
        hint,
    }
}

/// `(a, b, c)`: parameter names sorted, as PostgREST compares them.
fn param_list(names: impl Iterator<Item = String>) -> String {
    let mut names: Vec<String> = names.collect();
    names.sort();
    format!("({})", names.join(", "))
}

/// The hint of a PGRST202 for a name no function has: the closest function name of the schema.
pub fn name_hint(schema: &str, all: &[String], name: &str) -> Option<String> {
    super::fuzzy::closest(all, name).map(|f| format!("Perhaps you meant to call the function {schema}.{f}"))
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
        count_cap: None,
        // Result column types are not looked up: full-text filters need a tsvector column here.
        plain_text: &|_| false,
    };
    let rendered = query.render()?;
    let single = !function.returns_set || shaping.shape.is_object();
    let strip = matches!(shaping.shape, Shape::StrippedArray | Shape::StrippedObject);
    let body = match (scalar, single) {
        _ if shaping.shape == Shape::Csv => body_sql(Shape::Csv).to_owned(),
        (false, true) => body_sql(if strip { Shape::StrippedObject } else { Shape::Object }).to_owned(),
        (false, false) => body_sql(if strip { Shape::StrippedArray } else { Shape::Array }).to_owned(),
        (true, single) => {
            let value = if single {
                "pg_catalog.json_agg(pgrst_t.pgrst_scalar)->0"
            } else {
                "pg_catalog.json_agg(pgrst_t.pgrst_scalar)"
            };
            let value = if strip { format!("pg_catalog.json_strip_nulls({value})") } else { value.to_owned() };
            format!("coalesce(({value})::text, '{}')", if single { "null" } else { "[]" })
        }
    };
    let sql = envelope(&with, &rendered.total, &rendered.rows, &body, "0::bigint");
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
