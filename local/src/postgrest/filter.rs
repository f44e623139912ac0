//! The filter grammar: `col=[not.]op[(modifier)].value`, `in` lists and `or=(…)`/`and=(…)` trees.

use super::error::ApiError;
use super::query::Field;

/// A comparison whose right side is one literal: `col <op> 'value'`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Compare {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    Like,
    Ilike,
    Match,
    Imatch,
    IsDistinct,
    Contains,
    ContainedIn,
    Overlaps,
    StrictlyLeft,
    StrictlyRight,
    NotExtendRight,
    NotExtendLeft,
    Adjacent,
}

/// Full-text search flavours, each a different `*to_tsquery` function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fts {
    Plain,
    Phrase,
    Websearch,
    Raw,
}

/// What a filter tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `quantifier` is `any`/`all`: the value is then an array literal.
    Compare {
        op: Compare,
        quantifier: Option<&'static str>,
        value: String,
    },
    In(Vec<String>),
    /// The SQL keyword after `IS`: `NULL`, `NOT NULL`, `TRUE`, `FALSE` or `UNKNOWN`.
    Is(&'static str),
    Fts {
        op: Fts,
        language: Option<String>,
        query: String,
    },
}

/// One leaf filter, possibly negated with `not.`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: Field,
    pub negated: bool,
    pub operation: Operation,
}

/// A node of the WHERE tree: a leaf filter or a (possibly negated) `and`/`or` group.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Filter(Filter),
    Logic { negated: bool, or: bool, children: Vec<Condition> },
}

/// Parses the value of a `col=…` query parameter.
pub fn parse_filter(field: Field, value: &str) -> Result<Filter, ApiError> {
    let (negated, rest) = match value.strip_prefix("not.") {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let operation = parse_operation(rest).ok_or_else(|| filter_error(value))?;
    Ok(Filter { field, negated, operation })
}

/// Parses the value of `or=`/`and=` (and their `not.` forms): `(cond,cond,…)`.
pub fn parse_logic(negated: bool, or: bool, value: &str) -> Result<Condition, ApiError> {
    let children = parse_group(value).ok_or_else(|| logic_error(value))?;
    Ok(Condition::Logic { negated, or, children })
}

fn parse_group(value: &str) -> Option<Vec<Condition>> {
    let inner = value.strip_prefix('(')?.strip_suffix(')')?;
    let items = split_top_level(inner)?;
    if items.iter().all(|item| item.trim().is_empty()) {
        return None;
    }
    items.iter().map(|item| parse_tree_item(item.trim_start())).collect()
}

fn parse_tree_item(item: &str) -> Option<Condition> {
    let (negated, rest) = match item.strip_prefix("not.") {
        Some(rest) if rest.starts_with("and(") || rest.starts_with("or(") => (true, rest),
        _ => (false, item),
    };
    for (prefix, or) in [("and", false), ("or", true)] {
        if let Some(group) = rest.strip_prefix(prefix).filter(|g| g.starts_with('(')) {
            return Some(Condition::Logic { negated, or, children: parse_group(group)? });
        }
    }
    let (column, filter) = split_field(item)?;
    let field = Field::parse(column).ok()?;
    let (negated, rest) = match filter.strip_prefix("not.") {
        Some(rest) => (true, rest),
        None => (false, filter),
    };
    let mut operation = parse_operation(rest)?;
    unquote_tree_value(&mut operation);
    Some(Condition::Filter(Filter { field, negated, operation }))
}

/// Splits `col.op.value` at the first dot outside a double-quoted column name.
fn split_field(item: &str) -> Option<(&str, &str)> {
    let end = match item.strip_prefix('"') {
        Some(quoted) => quoted.find('"')? + 2,
        None => 0,
    };
    let dot = end + item[end..].find('.')?;
    Some((&item[..dot], &item[dot + 1..]))
}

/// Inside logic trees a value may be double-quoted to carry `,` `(` `)`; the quotes are syntax.
fn unquote_tree_value(operation: &mut Operation) {
    let value = match operation {
        Operation::Compare { value, .. } => value,
        Operation::Fts { query, .. } => query,
        Operation::In(_) | Operation::Is(_) => return,
    };
    if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        *value = unescape(inner);
    }
}

fn parse_operation(text: &str) -> Option<Operation> {
    let (head, value) = text.split_once('.')?;
    let (name, modifier) = match head.split_once('(') {
        Some((name, rest)) => (name, Some(rest.strip_suffix(')')?)),
        None => (head, None),
    };
    if let Some(op) = fts_op(name) {
        let language = modifier.map(str::to_owned);
        return Some(Operation::Fts { op, language, query: value.to_owned() });
    }
    match (name, modifier) {
        ("in", None) => Some(Operation::In(parse_in_list(value)?)),
        ("is", None) => Some(Operation::Is(is_keyword(value)?)),
        (name, modifier) => {
            let op = compare_op(name)?;
            let quantifier = match modifier {
                None => None,
                Some("any") if quantifiable(op) => Some("ANY"),
                Some("all") if quantifiable(op) => Some("ALL"),
                Some(_) => return None,
            };
            Some(Operation::Compare { op, quantifier, value: value.to_owned() })
        }
    }
}

fn compare_op(name: &str) -> Option<Compare> {
    Some(match name {
        "eq" => Compare::Eq,
        "neq" => Compare::Neq,
        "gt" => Compare::Gt,
        "gte" => Compare::Gte,
        "lt" => Compare::Lt,
        "lte" => Compare::Lte,
        "like" => Compare::Like,
        "ilike" => Compare::Ilike,
        "match" => Compare::Match,
        "imatch" => Compare::Imatch,
        "isdistinct" => Compare::IsDistinct,
        "cs" => Compare::Contains,
        "cd" => Compare::ContainedIn,
        "ov" => Compare::Overlaps,
        "sl" => Compare::StrictlyLeft,
        "sr" => Compare::StrictlyRight,
        "nxr" => Compare::NotExtendRight,
        "nxl" => Compare::NotExtendLeft,
        "adj" => Compare::Adjacent,
        _ => return None,
    })
}

fn quantifiable(op: Compare) -> bool {
    use Compare::*;
    matches!(op, Eq | Neq | Gt | Gte | Lt | Lte | Like | Ilike | Match | Imatch)
}

fn fts_op(name: &str) -> Option<Fts> {
    Some(match name {
        "fts" => Fts::Raw,
        "plfts" => Fts::Plain,
        "phfts" => Fts::Phrase,
        "wfts" => Fts::Websearch,
        _ => return None,
    })
}

fn is_keyword(value: &str) -> Option<&'static str> {
    Some(match value.to_ascii_lowercase().as_str() {
        "null" => "NULL",
        "not_null" => "NOT NULL",
        "true" => "TRUE",
        "false" => "FALSE",
        "unknown" => "UNKNOWN",
        _ => return None,
    })
}

/// `(a,"b,c",d)`: quoted elements may hold `,` and `)` with `\` escapes; spaces next to the
/// parentheses are trimmed, all others kept.
fn parse_in_list(value: &str) -> Option<Vec<String>> {
    let inner = value.strip_prefix('(')?.strip_suffix(')')?;
    let inner = inner.trim_matches(' ');
    if inner.is_empty() {
        return Some(Vec::new());
    }
    let items = split_top_level(inner)?;
    let element = |item: &str| match item.strip_prefix('"').and_then(|i| i.strip_suffix('"')) {
        Some(quoted) => unescape(quoted),
        None => item.to_owned(),
    };
    Some(items.into_iter().map(element).collect())
}

fn unescape(quoted: &str) -> String {
    let mut out = String::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// Splits on commas that are outside double quotes, parentheses and braces. A quote only opens a
/// quoted element at the element's start: elsewhere `"` is an ordinary character, as in PostgREST.
fn split_top_level(text: &str) -> Option<Vec<&str>> {
    let (mut items, mut start, mut depth) = (Vec::new(), 0, 0i32);
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' if quoted => quoted = false,
            '"' if text[start..i].trim_start().is_empty() || text[..i].ends_with(['(', '.']) => quoted = true,
            '(' | '{' if !quoted => depth += 1,
            ')' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return None;
        }
    }
    (depth == 0 && !quoted).then(|| {
        items.push(&text[start..]);
        items
    })
}

fn filter_error(value: &str) -> ApiError {
    let unexpected: String = value.chars().take(1).collect();
    ApiError::Query {
        message: format!("\"failed to parse filter ({value})\" (line 1, column 1)"),
        details: Some(format!("unexpected \"{unexpected}\" expecting \"not\" or operator (eq, gt, ...)")),
    }
}

fn logic_error(value: &str) -> ApiError {
    ApiError::Query {
        message: format!("\"failed to parse logic tree ({value})\" (line 1, column 1)"),
        details: Some("expecting a parenthesized, comma-separated list of filters".to_owned()),
    }
}
