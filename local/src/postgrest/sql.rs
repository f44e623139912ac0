//! SQL text for parsed pieces: quoted identifiers, untyped literals, conditions, order, select list.
//!
//! Values are embedded as untyped string literals (`'…'`, quotes doubled) so PostgreSQL casts them
//! to the column type and raises 22P02 on bad input, as PostgREST's unknown-typed parameters do.
//! This is safe because the prelude pins `standard_conforming_strings` on (no backslash escapes).

use super::error::ApiError;
use super::filter::{Compare, Condition, Filter, Fts, Operation};
use super::query::{Field, OrderTerm};
use super::select::SelectItem;

/// `"name"` with inner quotes doubled.
pub fn ident(name: &str) -> Result<String, ApiError> {
    reject_nul(name)?;
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

/// `'value'` with inner quotes doubled: an untyped literal.
pub fn literal(value: &str) -> Result<String, ApiError> {
    reject_nul(value)?;
    Ok(format!("'{}'", value.replace('\'', "''")))
}

/// PostgreSQL text cannot hold NUL; answer as PostgreSQL would for such input.
fn reject_nul(text: &str) -> Result<(), ApiError> {
    if text.contains('\0') {
        return Err(ApiError::Db {
            code: "22021".to_owned(),
            message: "invalid byte sequence for encoding \"UTF8\": 0x00".to_owned(),
            details: None,
            hint: None,
            anon: false,
        });
    }
    Ok(())
}

/// `"alias"."col"->'a'->>'b'`; integer keys index arrays as PostgREST does.
pub fn field(alias: &str, field: &Field) -> Result<String, ApiError> {
    let mut sql = format!("{}.{}", ident(alias)?, ident(&field.name)?);
    for (text, key) in &field.path {
        sql.push_str(if *text { "->>" } else { "->" });
        match key.parse::<i64>() {
            Ok(index) => sql.push_str(&index.to_string()),
            Err(_) => sql.push_str(&literal(key)?),
        }
    }
    Ok(sql)
}

/// ` WHERE c1 AND c2`, or nothing; `plain_text(col)` says whether fts must wrap it in `to_tsvector`.
pub fn where_clause(
    alias: &str,
    conditions: &[Condition],
    plain_text: &dyn Fn(&str) -> bool,
) -> Result<String, ApiError> {
    if conditions.is_empty() {
        return Ok(String::new());
    }
    let parts: Result<Vec<_>, _> = conditions.iter().map(|c| condition(alias, c, plain_text)).collect();
    Ok(format!(" WHERE {}", parts?.join(" AND ")))
}

fn condition(alias: &str, node: &Condition, plain_text: &dyn Fn(&str) -> bool) -> Result<String, ApiError> {
    match node {
        Condition::Filter(filter) => leaf(alias, filter, plain_text),
        Condition::Logic { negated, or, children } => {
            let parts: Result<Vec<_>, _> = children.iter().map(|c| condition(alias, c, plain_text)).collect();
            let group = format!("({})", parts?.join(if *or { " OR " } else { " AND " }));
            Ok(if *negated { format!("NOT {group}") } else { group })
        }
    }
}

fn leaf(alias: &str, filter: &Filter, plain_text: &dyn Fn(&str) -> bool) -> Result<String, ApiError> {
    let column = field(alias, &filter.field)?;
    let sql = match &filter.operation {
        Operation::Compare { op, quantifier, value } => {
            let value = match op {
                Compare::Like | Compare::Ilike => value.replace('*', "%"),
                _ => value.clone(),
            };
            match quantifier {
                Some(q) => format!("{column} {} {q}({})", symbol(*op), literal(&value)?),
                None => format!("{column} {} {}", symbol(*op), literal(&value)?),
            }
        }
        Operation::In(values) => format!("{column} = ANY({})", literal(&array_literal(values))?),
        Operation::Is(keyword) => format!("{column} IS {keyword}"),
        Operation::Fts { op, language, query } => {
            let language = language.as_deref().map(literal).transpose()?;
            let args = match &language {
                Some(lang) => format!("{lang}, "),
                None => String::new(),
            };
            let wrap = !filter.field.path.is_empty() || plain_text(&filter.field.name);
            let target = if wrap { format!("to_tsvector({args}{column})") } else { column };
            format!("{target} @@ {}({args}{})", tsquery(*op), literal(query)?)
        }
    };
    Ok(if filter.negated { format!("NOT ({sql})") } else { sql })
}

fn symbol(op: Compare) -> &'static str {
    match op {
        Compare::Eq => "=",
        Compare::Neq => "<>",
        Compare::Gt => ">",
        Compare::Gte => ">=",
        Compare::Lt => "<",
        Compare::Lte => "<=",
        Compare::Like => "LIKE",
        Compare::Ilike => "ILIKE",
        Compare::Match => "~",
        Compare::Imatch => "~*",
        Compare::IsDistinct => "IS DISTINCT FROM",
        Compare::Contains => "@>",
        Compare::ContainedIn => "<@",
        Compare::Overlaps => "&&",
        Compare::StrictlyLeft => "<<",
        Compare::StrictlyRight => ">>",
        Compare::NotExtendRight => "&<",
        Compare::NotExtendLeft => "&>",
        Compare::Adjacent => "-|-",
    }
}

fn tsquery(op: Fts) -> &'static str {
    match op {
        Fts::Raw => "to_tsquery",
        Fts::Plain => "plainto_tsquery",
        Fts::Phrase => "phraseto_tsquery",
        Fts::Websearch => "websearch_to_tsquery",
    }
}

/// `{"a","b\"c"}`: every element quoted, so none is read as NULL or split.
fn array_literal(values: &[String]) -> String {
    let quoted: Vec<String> =
        values.iter().map(|v| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    format!("{{{}}}", quoted.join(","))
}

/// ` ORDER BY …`, or nothing.
pub fn order_clause(alias: &str, terms: &[OrderTerm]) -> Result<String, ApiError> {
    if terms.is_empty() {
        return Ok(String::new());
    }
    let mut parts = Vec::with_capacity(terms.len());
    for term in terms {
        let mut part = field(alias, &term.field)?;
        match term.descending {
            Some(true) => part.push_str(" DESC"),
            Some(false) => part.push_str(" ASC"),
            None => {}
        }
        match term.nulls_first {
            Some(true) => part.push_str(" NULLS FIRST"),
            Some(false) => part.push_str(" NULLS LAST"),
            None => {}
        }
        parts.push(part);
    }
    Ok(format!(" ORDER BY {}", parts.join(", ")))
}

/// The select list over `alias`; output keys follow PostgREST (alias, else last path key/column).
pub fn select_list(alias: &str, items: &[SelectItem]) -> Result<String, ApiError> {
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        parts.push(match item {
            SelectItem::Star => format!("{}.*", ident(alias)?),
            SelectItem::Column { field: f, alias: name, cast } => {
                let mut expr = field(alias, f)?;
                if let Some(cast) = cast {
                    expr = format!("CAST({expr} AS {cast})");
                }
                format!("{expr} AS {}", ident(name.as_deref().unwrap_or(f.output_name()))?)
            }
        });
    }
    Ok(parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgrest::filter::parse_filter;

    fn render(column: &str, value: &str) -> String {
        let filter = Field::parse(column).and_then(|f| parse_filter(f, value));
        let condition = filter.map(Condition::Filter);
        condition.and_then(|c| where_clause("t", &[c], &|_| true)).unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn renders_operators_as_untyped_literals() {
        let cases = [
            ("id", "eq.1", r#" WHERE "t"."id" = '1'"#),
            ("name", "like.*it's*", r#" WHERE "t"."name" LIKE '%it''s%'"#),
            ("id", "in.(1,\"a,b\",x\"y)", r#" WHERE "t"."id" = ANY('{"1","a,b","x\"y"}')"#),
            ("id", "in.()", r#" WHERE "t"."id" = ANY('{}')"#),
            ("d", "not.is.null", r#" WHERE NOT ("t"."d" IS NULL)"#),
            ("d", "is.NOT_NULL", r#" WHERE "t"."d" IS NOT NULL"#),
            (
                "b",
                "fts(english).fat & rat",
                r#" WHERE to_tsvector('english', "t"."b") @@ to_tsquery('english', 'fat & rat')"#,
            ),
            ("n", "like(any).{O*,P*}", r#" WHERE "t"."n" LIKE ANY('{O%,P%}')"#),
            ("r", "adj.(1,10)", r#" WHERE "t"."r" -|- '(1,10)'"#),
            ("j->a->>0", "eq.x", r#" WHERE "t"."j"->'a'->>0 = 'x'"#),
        ];
        for (column, value, expected) in cases {
            assert_eq!(render(column, value), expected, "{column}={value}");
        }
    }

    #[test]
    fn renders_logic_trees() {
        let tree = crate::postgrest::filter::parse_logic(true, true, "(a.eq.1,and(b.gt.2,c.not.eq.\"x,y\"))");
        let sql = tree.and_then(|t| where_clause("t", &[t], &|_| true)).unwrap_or_default();
        assert_eq!(sql, r#" WHERE NOT ("t"."a" = '1' OR ("t"."b" > '2' AND NOT ("t"."c" = 'x,y')))"#);
    }
}
