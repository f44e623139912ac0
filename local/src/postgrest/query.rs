//! The query string → reserved parameters (`select`, `order`, `limit`, …), filters and RPC args.

use super::error::ApiError;
use super::filter::{self, Condition};

/// A column reference with an optional JSON path: `col`, `"a b"`, `data->a->>b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    /// Each step is (`->>` rather than `->`, key).
    pub path: Vec<(bool, String)>,
}

impl Field {
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let invalid = || ApiError::Query {
            message: format!("\"failed to parse column ({text})\" (line 1, column 1)"),
            details: None,
        };
        let (name, mut rest) = match text.strip_prefix('"') {
            Some(quoted) => quoted.split_once('"').ok_or_else(invalid)?,
            None => text.split_at(text.find("->").unwrap_or(text.len())),
        };
        if name.is_empty() {
            return Err(invalid());
        }
        let mut path = Vec::new();
        while !rest.is_empty() {
            let step = rest.strip_prefix("->").ok_or_else(invalid)?;
            let (text_arrow, step) = match step.strip_prefix('>') {
                Some(step) => (true, step),
                None => (false, step),
            };
            let end = step.find("->").unwrap_or(step.len());
            if end == 0 {
                return Err(invalid());
            }
            path.push((text_arrow, step[..end].to_owned()));
            rest = &step[end..];
        }
        Ok(Self { name: name.to_owned(), path })
    }

    /// The JSON key PostgREST gives this field in a response: the last path key, else the name.
    pub fn output_name(&self) -> &str {
        self.path.last().map_or(&self.name, |(_, key)| key)
    }
}

/// One `order` term: `col[.asc|.desc][.nullsfirst|.nullslast]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTerm {
    pub field: Field,
    pub descending: Option<bool>,
    pub nulls_first: Option<bool>,
}

/// Everything the query string says, before it meets the schema.
#[derive(Debug, Default)]
pub struct QueryParams {
    pub select: Option<String>,
    pub conditions: Vec<Condition>,
    pub order: Vec<OrderTerm>,
    pub limit: Option<i64>,
    pub offset: i64,
    pub on_conflict: Option<Vec<String>>,
    /// `?columns=a,"b c"`: the columns a write takes from its payload, sorted and distinct as
    /// PostgREST keeps them (a set).
    pub columns: Option<Vec<String>>,
    /// Resources that `rel.col=…`, `rel.order=…` and the like address (embedding is not served).
    pub embedded: Vec<String>,
    /// Parameters without an operator (only kept when `rpc_args`): function arguments.
    pub args: Vec<(String, String)>,
}

/// Classifies decoded `(key, value)` pairs; the first `select`/`order`/`limit`/… wins.
pub fn parse(pairs: &[(String, String)], rpc_args: bool) -> Result<QueryParams, ApiError> {
    let mut params = QueryParams::default();
    let (mut limit, mut offset, mut order) = (None, None, None);
    for (key, value) in pairs {
        match key.as_str() {
            "select" => _ = params.select.get_or_insert_with(|| value.clone()),
            "on_conflict" if params.on_conflict.is_none() => {
                params.on_conflict = Some(value.split(',').map(|c| c.trim().to_owned()).collect());
            }
            "on_conflict" => {}
            "order" => _ = order.get_or_insert(value),
            "limit" => _ = limit.get_or_insert(value),
            "offset" => _ = offset.get_or_insert(value),
            "or" | "and" | "not.or" | "not.and" => {
                let negated = key.starts_with("not.");
                params.conditions.push(filter::parse_logic(negated, key.ends_with("or"), value)?);
            }
            "columns" if params.columns.is_none() => params.columns = Some(parse_columns(value)?),
            "columns" => {}
            _ if is_embedded(key) => params.embedded.extend(key.split('.').next().map(str::to_owned)),
            _ => classify_filter(&mut params, key, value, rpc_args)?,
        }
    }
    params.order = order.map(|o| parse_order(o)).transpose()?.unwrap_or_default();
    params.limit = limit.map(|l| parse_limit(l)).transpose()?;
    params.offset = offset.map(|o| parse_number("offset", o)).transpose()?.unwrap_or(0).max(0);
    Ok(params)
}

/// `a,"b c", d`: field names separated by commas (spaces around them ignored).
fn parse_columns(value: &str) -> Result<Vec<String>, ApiError> {
    let invalid = || ApiError::Query {
        message: format!("\"failed to parse columns parameter ({value})\" (line 1, column 1)"),
        details: value.is_empty().then(|| "unexpected end of input expecting field name (* or [a..z0..9_$])".into()),
    };
    let mut columns = Vec::new();
    for item in value.split(',') {
        let item = item.trim_matches([' ', '\t']);
        let name = match item.strip_prefix('"') {
            Some(quoted) => quoted.strip_suffix('"').ok_or_else(invalid)?,
            None => item,
        };
        if name.is_empty() {
            return Err(invalid());
        }
        columns.push(name.to_owned());
    }
    columns.sort();
    columns.dedup();
    Ok(columns)
}

fn classify_filter(params: &mut QueryParams, key: &str, value: &str, rpc_args: bool) -> Result<(), ApiError> {
    let parsed = Field::parse(key).and_then(|field| filter::parse_filter(field, value));
    match parsed {
        Ok(filter) => params.conditions.push(Condition::Filter(filter)),
        Err(_) if rpc_args => params.args.push((key.to_owned(), value.to_owned())),
        Err(error) => return Err(error),
    }
    Ok(())
}

/// `rel.order`, `rel.limit`, `rel.col=…`: anything addressing an embedded resource.
fn is_embedded(key: &str) -> bool {
    !key.starts_with('"') && key.split("->").next().is_some_and(|name| name.contains('.'))
}

fn parse_limit(value: &str) -> Result<i64, ApiError> {
    let limit = parse_number("limit", value)?;
    if limit < 0 {
        return Err(ApiError::Range {
            details: "Limit should be greater than or equal to zero.".to_owned(),
            total: None,
        });
    }
    Ok(limit)
}

fn parse_number(name: &str, value: &str) -> Result<i64, ApiError> {
    value.parse().map_err(|_| ApiError::Query {
        message: format!("\"failed to parse {name} parameter ({value})\" (line 1, column 1)"),
        details: Some(format!("unexpected {value:?} expecting digit")),
    })
}

fn parse_order(value: &str) -> Result<Vec<OrderTerm>, ApiError> {
    let mut column = 1;
    let mut terms = Vec::new();
    for term in value.split(',') {
        terms.push(parse_order_term(term).map_err(|offset| order_error(value, column + offset))?);
        column += term.chars().count() + 1;
    }
    Ok(terms)
}

/// One term; on error, the offset of the offending part within `term`.
fn parse_order_term(term: &str) -> Result<OrderTerm, usize> {
    let field_end = term.strip_prefix('"').and_then(|quoted| quoted.find('"')).map_or(0, |i| i + 2);
    let field_end = field_end + term[field_end..].find('.').unwrap_or(term.len() - field_end);
    let field = Field::parse(&term[..field_end]).map_err(|_| 0usize)?;
    let mut order = OrderTerm { field, descending: None, nulls_first: None };
    let mut offset = field_end;
    for modifier in term[field_end..].split('.').skip(1) {
        offset += 1;
        match modifier {
            "asc" | "desc" if order.descending.is_none() && order.nulls_first.is_none() => {
                order.descending = Some(modifier == "desc");
            }
            "nullsfirst" | "nullslast" if order.nulls_first.is_none() => {
                order.nulls_first = Some(modifier == "nullsfirst");
            }
            // Like PostgREST's parser, point just past the longest keyword the modifier starts with.
            _ => return Err(offset + keyword_prefix(modifier)),
        }
        offset += modifier.len();
    }
    Ok(order)
}

fn keyword_prefix(modifier: &str) -> usize {
    ["asc", "desc", "nullsfirst", "nullslast"]
        .iter()
        .filter(|keyword| modifier.starts_with(*keyword))
        .map(|keyword| keyword.len())
        .max()
        .unwrap_or(0)
}

fn order_error(value: &str, column: usize) -> ApiError {
    let rest: String = value.chars().skip(column - 1).take(1).collect();
    ApiError::Query {
        message: format!("\"failed to parse order ({value})\" (line 1, column {column})"),
        details: Some(format!("unexpected '{rest}' expecting \",\" or end of input")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn first_order_wins_and_terms_parse() {
        let params = parse(&pairs(&[("order", "a.desc.nullslast,b"), ("order", "c")]), false);
        let order = params.map(|p| p.order).unwrap_or_default();
        assert_eq!(order.len(), 2);
        assert_eq!((order[0].descending, order[0].nulls_first), (Some(true), Some(false)));
        assert_eq!(order[1].field.name, "b");
    }

    #[test]
    fn rejects_bad_order_modifiers() {
        for bad in ["id.asc.nullslasttt", "id.up", "id.desc.asc"] {
            assert!(parse(&pairs(&[("order", bad)]), false).is_err(), "{bad}");
        }
    }

    #[test]
    fn columns_are_a_sorted_set_of_possibly_quoted_names() {
        let columns = parse(&pairs(&[("columns", "\"name\", price,\"a b\",name")]), false);
        let expected = ["a b", "name", "price"].map(str::to_owned).to_vec();
        assert_eq!(columns.ok().and_then(|p| p.columns), Some(expected));
        assert!(parse(&pairs(&[("columns", "")]), false).is_err());
    }

    #[test]
    fn parses_json_paths() {
        let field = Field::parse("data->a->>b").ok();
        assert_eq!(field.as_ref().map(Field::output_name), Some("b"));
        assert_eq!(field.map(|f| f.path.len()), Some(2));
    }

    #[test]
    fn keeps_operatorless_params_as_rpc_args_only_when_asked() {
        assert!(parse(&pairs(&[("id", "0")]), false).is_err());
        let args = parse(&pairs(&[("id", "0")]), true).map(|p| p.args).unwrap_or_default();
        assert_eq!(args, pairs(&[("id", "0")]));
    }
}
