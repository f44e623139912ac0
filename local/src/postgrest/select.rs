//! The `select` parameter: `*`, `col`, `alias:col`, `col::type`, `data->a->>b` (no embeds).

use super::error::ApiError;
use super::query::Field;

/// One item of the select list.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    Star,
    Column { field: Field, alias: Option<String>, cast: Option<String> },
}

/// Parses the select list; `None` (no `select` param) means `*`, an empty one selects nothing.
pub fn parse(select: Option<&str>) -> Result<Vec<SelectItem>, ApiError> {
    let Some(select) = select else { return Ok(vec![SelectItem::Star]) };
    if select.trim().is_empty() {
        return Ok(Vec::new());
    }
    split_items(select)?.into_iter().map(|item| parse_item(item.trim())).collect()
}

fn parse_item(item: &str) -> Result<SelectItem, ApiError> {
    if item == "*" {
        return Ok(SelectItem::Star);
    }
    if item.starts_with("...") {
        return Err(ApiError::unsupported("Spreading embedded resources (`...`)"));
    }
    if outside_quotes(item).any(|(_, c)| c == '(') {
        return Err(ApiError::unsupported("Embedded resources and aggregates in `select`"));
    }
    let (alias, rest) = match alias_colon(item) {
        Some(i) => (Some(unquote(&item[..i]).to_owned()), &item[i + 1..]),
        None => (None, item),
    };
    let (column, cast) = match cast_start(rest) {
        Some(i) => (&rest[..i], Some(cast_type(&rest[i + 2..])?)),
        None => (rest, None),
    };
    let field = Field::parse(column).map_err(|_| select_error(item))?;
    Ok(SelectItem::Column { field, alias: alias.filter(|a| !a.is_empty()), cast })
}

/// A single `:` (not part of `::`) outside quotes separates the alias from the column.
fn alias_colon(item: &str) -> Option<usize> {
    let bytes = item.as_bytes();
    outside_quotes(item)
        .map(|(i, _)| i)
        .find(|&i| bytes[i] == b':' && bytes.get(i + 1) != Some(&b':') && (i == 0 || bytes[i - 1] != b':'))
}

fn cast_start(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    outside_quotes(rest).map(|(i, _)| i).find(|&i| bytes[i] == b':' && bytes.get(i + 1) == Some(&b':'))
}

/// Type names go into the SQL verbatim, so only the characters of type names are allowed.
fn cast_type(text: &str) -> Result<String, ApiError> {
    let valid =
        !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '[' | ']' | '.'));
    if valid { Ok(text.to_owned()) } else { Err(select_error(text)) }
}

/// Character positions that are not inside a double-quoted name.
fn outside_quotes(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut quoted = false;
    text.char_indices().filter(move |&(_, c)| {
        if c == '"' {
            quoted = !quoted;
            return false;
        }
        !quoted
    })
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text)
}

/// What a `select` that [`parse`] refused asks for beyond plain columns: aggregates (`count()`,
/// `price.sum()`), or the names of the resources it embeds (`alias:rel!hint(cols)`, `...rel(cols)`).
pub enum Beyond {
    Aggregates,
    Embeds(Vec<String>),
}

pub fn beyond_columns(select: &str) -> Beyond {
    let items = split_items(select).unwrap_or_default();
    let mut embeds = Vec::new();
    for item in items.iter().map(|i| i.trim()) {
        let Some((open, _)) = outside_quotes(item).find(|&(_, c)| c == '(') else { continue };
        let head = item[..open].trim_start_matches("...");
        let function = head.rsplit(['.', ':']).next().unwrap_or_default();
        if item[open..].starts_with("()") && matches!(function, "avg" | "count" | "max" | "min" | "sum") {
            return Beyond::Aggregates;
        }
        let name = head.rsplit(':').next().unwrap_or_default();
        embeds.push(unquote(name.split('!').next().unwrap_or_default()).to_owned());
    }
    Beyond::Embeds(embeds)
}

fn split_items(select: &str) -> Result<Vec<&str>, ApiError> {
    let (mut items, mut start, mut depth) = (Vec::new(), 0, 0i32);
    for (i, c) in outside_quotes(select) {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&select[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&select[start..]);
    if items.iter().any(|item| item.trim().is_empty()) {
        return Err(select_error(select));
    }
    Ok(items)
}

fn select_error(text: &str) -> ApiError {
    ApiError::Query {
        message: format!("\"failed to parse select parameter ({text})\" (line 1, column 1)"),
        details: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(item: &SelectItem) -> (String, Option<String>, Option<String>) {
        match item {
            SelectItem::Column { field, alias, cast } => (field.name.clone(), alias.clone(), cast.clone()),
            SelectItem::Star => ("*".to_owned(), None, None),
        }
    }

    #[test]
    fn parses_renames_and_casts() {
        let items = parse(Some("id,name:title,price::text,p:price::int,*")).unwrap_or_default();
        let got: Vec<_> = items.iter().map(column).collect();
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            got,
            vec![
                ("id".to_owned(), None, None),
                ("title".to_owned(), s("name"), None),
                ("price".to_owned(), None, s("text")),
                ("price".to_owned(), s("p"), s("int")),
                ("*".to_owned(), None, None),
            ]
        );
    }

    #[test]
    fn names_embeds_and_spots_aggregates() {
        let names = |select: &str| match beyond_columns(select) {
            Beyond::Embeds(names) => names,
            Beyond::Aggregates => vec!["<aggregates>".to_owned()],
        };
        assert_eq!(names("id,owner:users!fk(id),...tags(name),notes(*)"), ["users", "tags", "notes"]);
        assert_eq!(names("count()"), ["<aggregates>"]);
        assert_eq!(names("price.sum(),id"), ["<aggregates>"]);
    }

    #[test]
    fn rejects_embeds_and_injection_in_casts() {
        for bad in ["tasks(id)", "id::text;drop table x", "...rel(a)", "a,,b"] {
            assert!(parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
