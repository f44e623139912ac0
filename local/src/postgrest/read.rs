//! GET on a table: the page (limit/offset ∩ Range, capped by max_rows) and the read statement.

use super::error::ApiError;
use super::headers::Shape;
use super::query::QueryParams;
use super::schema::Table;
use super::select::SelectItem;
use super::sql;

/// The rows to return: `LIMIT limit OFFSET offset` (no limit when `None`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Page {
    pub offset: i64,
    pub limit: Option<i64>,
}

impl Page {
    /// Intersects `limit`/`offset` with the `Range` header and applies the `max_rows` cap.
    pub fn new(params: &QueryParams, range: Option<(i64, Option<i64>)>, max_rows: Option<u64>) -> Self {
        let mut lower = params.offset;
        let mut upper = params.limit.map(|limit| params.offset + limit - 1);
        if let Some((range_lower, range_upper)) = range {
            lower = lower.max(range_lower);
            upper = match (upper, range_upper) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        if let Some(max) = max_rows.and_then(|m| i64::try_from(m).ok()) {
            upper = Some(upper.map_or(lower + max - 1, |u| u.min(lower + max - 1)));
        }
        Self { offset: lower, limit: upper.map(|u| (u - lower + 1).max(0)) }
    }

    fn clause(self) -> String {
        let mut clause = String::new();
        if let Some(limit) = self.limit {
            clause.push_str(&format!(" LIMIT {limit}"));
        }
        if self.offset > 0 {
            clause.push_str(&format!(" OFFSET {}", self.offset));
        }
        clause
    }
}

/// The one statement shape every request runs: `total, page_total, body, inserted` over the rows.
pub fn envelope(with: &str, total: &str, rows: &str, body: &str, inserted: &str) -> String {
    format!(
        "{with}SELECT {total} AS total, pg_catalog.count(*) AS page_total, {body} AS body, \
         {inserted} AS inserted FROM ({rows}) AS pgrst_t"
    )
}

/// The body of rows: a JSON array, the single object of `vnd.pgrst.object`, or CSV as PostgREST
/// renders it (src `SqlFragment.hs asCsvF`): the first row's keys, then each row's text form
/// without its parentheses, one line each.
pub fn body_sql(shape: Shape) -> &'static str {
    match shape {
        Shape::Array => "coalesce(pg_catalog.json_agg(pgrst_t), '[]')::text",
        Shape::Object => "coalesce((pg_catalog.json_agg(pgrst_t)->0)::text, 'null')",
        Shape::StrippedArray => "coalesce(pg_catalog.json_strip_nulls(pg_catalog.json_agg(pgrst_t)), '[]')::text",
        Shape::StrippedObject => "coalesce(pg_catalog.json_strip_nulls(pg_catalog.json_agg(pgrst_t)->0)::text, 'null')",
        Shape::Csv => {
            "coalesce((SELECT pg_catalog.string_agg(pgrst_k, ',') \
               FROM pg_catalog.json_object_keys(pg_catalog.json_agg(pgrst_t)->0) AS pgrst_k), '') || chr(10) || \
             coalesce(pg_catalog.string_agg(substring(pgrst_t::text, 2, length(pgrst_t::text) - 2), chr(10)), '')"
        }
    }
}

/// The rows of `source` (aliased `alias`) with the select list, filters, order and page applied,
/// and the `count(*)` of the filtered source when a count was asked for (at most `count_cap` rows:
/// `count=estimated` only counts up to `max_rows + 1`).
pub struct Query<'a> {
    pub source: &'a str,
    pub alias: &'a str,
    pub select: &'a [SelectItem],
    pub params: &'a QueryParams,
    pub page: Page,
    pub counted: bool,
    pub count_cap: Option<i64>,
    pub plain_text: &'a dyn Fn(&str) -> bool,
}

/// A query rendered: its rows, its total, and the count query `planned`/`estimated` EXPLAIN.
pub struct Rendered {
    pub rows: String,
    pub total: String,
    pub count_query: String,
}

impl Query<'_> {
    pub fn render(&self) -> Result<Rendered, ApiError> {
        let alias = sql::ident(self.alias)?;
        let filters = sql::where_clause(self.alias, &self.params.conditions, self.plain_text)?;
        let rows = format!(
            "SELECT {} FROM {} AS {alias}{filters}{}{}",
            sql::select_list(self.alias, self.select)?,
            self.source,
            sql::order_clause(self.alias, &self.params.order)?,
            self.page.clause(),
        );
        let count_query = format!("SELECT 1 FROM {} AS {alias}{filters}", self.source);
        let total = match (self.counted, self.count_cap) {
            (false, _) => "NULL::bigint".to_owned(),
            (true, None) => format!("(SELECT pg_catalog.count(*) FROM ({count_query}) AS pgrst_c)"),
            (true, Some(cap)) => format!("(SELECT pg_catalog.count(*) FROM ({count_query} LIMIT {cap}) AS pgrst_c)"),
        };
        Ok(Rendered { rows, total, count_query })
    }
}

/// How the client shaped the rows of a read or a function call.
pub struct Shaping<'a> {
    pub select: &'a [SelectItem],
    pub params: &'a QueryParams,
    pub page: Page,
    pub counted: bool,
    pub count_cap: Option<i64>,
    pub shape: Shape,
}

/// The statement of a GET/HEAD on `table`, and the count query to EXPLAIN for `planned`/`estimated`.
pub fn statement(schema: &str, table: &Table, shaping: &Shaping<'_>) -> Result<(String, String), ApiError> {
    let source = format!("{}.{}", sql::ident(schema)?, sql::ident(&table.name)?);
    let plain_text = |column: &str| table.is_plain_text(column);
    let query = Query {
        source: &source,
        alias: &table.name,
        select: shaping.select,
        params: shaping.params,
        page: shaping.page,
        counted: shaping.counted,
        count_cap: shaping.count_cap,
        plain_text: &plain_text,
    };
    let rendered = query.render()?;
    let sql = envelope("", &rendered.total, &rendered.rows, body_sql(shaping.shape), "0::bigint");
    Ok((sql, rendered.count_query))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(offset: i64, limit: Option<i64>, range: Option<(i64, Option<i64>)>, max: Option<u64>) -> Page {
        let params = QueryParams { offset, limit, ..QueryParams::default() };
        Page::new(&params, range, max)
    }

    #[test]
    fn intersects_limit_offset_range_and_max_rows() {
        let cases = [
            (page(0, None, None, None), Page { offset: 0, limit: None }, "nothing"),
            (page(0, None, None, Some(1000)), Page { offset: 0, limit: Some(1000) }, "max_rows"),
            (page(5, Some(10), None, None), Page { offset: 5, limit: Some(10) }, "limit+offset"),
            (page(0, None, Some((0, Some(19))), None), Page { offset: 0, limit: Some(20) }, "range"),
            (page(0, None, Some((3, None)), Some(10)), Page { offset: 3, limit: Some(10) }, "open range"),
            (page(2, Some(5), Some((0, Some(3))), None), Page { offset: 2, limit: Some(2) }, "both"),
            (page(0, Some(0), None, None), Page { offset: 0, limit: Some(0) }, "limit 0"),
        ];
        for (got, want, case) in cases {
            assert_eq!(got, want, "{case}");
        }
    }
}
