//! POST (insert/upsert), PATCH and DELETE on a table: payload checks and the data-modifying CTE.

use serde_json::Value;

use super::error::ApiError;
use super::headers::Shape;
use super::payload::Payload;
use super::prefer::{Prefer, Return};
use super::query::QueryParams;
use super::read::{body_sql, envelope};
use super::schema::Table;
use super::select::SelectItem;
use super::sql;

/// A write statement, its JSON parameter (`$1`) and whether a conflict resolution was applied.
pub struct Statement {
    pub sql: String,
    pub json: Option<String>,
    pub resolution_applied: bool,
}

/// What every write needs: the target, the parsed query and the preferences.
pub struct Target<'a> {
    pub schema: &'a str,
    pub table: &'a Table,
    pub params: &'a QueryParams,
    pub select: &'a [SelectItem],
    pub prefer: &'a Prefer,
    pub shape: Shape,
}

impl Target<'_> {
    pub(super) fn qualified(&self) -> Result<String, ApiError> {
        Ok(format!("{}.{}", sql::ident(self.schema)?, sql::ident(&self.table.name)?))
    }

    /// Rows come back (whole rows, shaped by `select` later) unless the client asked for less.
    fn wants_rows(&self) -> bool {
        self.prefer.ret.is_some_and(|r| r != Return::Minimal)
    }

    /// Wraps the `pgrst_source` CTE into the common envelope.
    fn finish(&self, cte: &str, inserted: &str) -> Result<String, ApiError> {
        let with = format!("WITH pgrst_source AS ({cte}) ");
        if !self.wants_rows() {
            return Ok(envelope(&with, "NULL::bigint", "SELECT 1 FROM pgrst_source", "NULL::text", inserted));
        }
        // headers-only only needs the primary key for Location, whatever `select` says.
        let star = [SelectItem::Star];
        let select = if self.prefer.ret == Some(Return::HeadersOnly) { &star[..] } else { self.select };
        let rows = format!(
            "SELECT {} FROM pgrst_source CROSS JOIN LATERAL (SELECT (pgrst_source.pgrst_row).*) AS {}",
            sql::select_list(&self.table.name, select)?,
            sql::ident(&self.table.name)?,
        );
        Ok(envelope(&with, "NULL::bigint", &rows, body_sql(self.shape), inserted))
    }

    fn returning(&self, extra: &str) -> Result<String, ApiError> {
        let alias = sql::ident(&self.table.name)?;
        Ok(match self.wants_rows() {
            true => format!(" RETURNING {alias} AS pgrst_row, {extra}"),
            false => format!(" RETURNING {extra}"),
        })
    }

    pub(super) fn check_columns<'k>(&self, keys: impl IntoIterator<Item = &'k String>) -> Result<(), ApiError> {
        match keys.into_iter().find(|key| !self.table.has_column(key)) {
            Some(key) => Err(ApiError::NoColumn { column: key.clone(), table: self.table.name.clone() }),
            None => Ok(()),
        }
    }

    /// Supabase loads pg-safeupdate: UPDATE/DELETE without a WHERE clause fail with 21000.
    fn require_filter(&self, verb: &str) -> Result<(), ApiError> {
        if !self.params.conditions.is_empty() {
            return Ok(());
        }
        Err(ApiError::Db {
            code: "21000".to_owned(),
            message: format!("{verb} requires a WHERE clause"),
            details: None,
            hint: None,
            anon: false,
        })
    }
}

/// `INSERT … SELECT cols FROM json_populate_recordset(…)`: the inserted columns are the payload's
/// keys (or `?columns=`), so the others get their DEFAULT; with `columns`, a row lacking one of them
/// inserts NULL there, or the column DEFAULT under `Prefer: missing=default`.
pub fn insert(target: &Target<'_>, body: &[u8]) -> Result<Statement, ApiError> {
    let payload = Payload::read(target, body)?;
    let qualified = target.qualified()?;
    let columns: Vec<String> = payload.keys.iter().map(|k| sql::ident(k)).collect::<Result<_, _>>()?;
    let from_body: Vec<String> = columns.iter().map(|c| format!("pgrst_body.{c}")).collect();
    let conflict_columns = match &target.params.on_conflict {
        Some(columns) => columns.clone(),
        None => target.table.primary_key.clone(),
    };
    let resolution = target.prefer.merge.filter(|_| !conflict_columns.is_empty());
    let conflict = match resolution {
        None => String::new(),
        Some(merge) => {
            let on: Vec<String> = conflict_columns.iter().map(|c| sql::ident(c)).collect::<Result<_, _>>()?;
            let updates: Vec<String> = columns.iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect();
            let action = match merge && !updates.is_empty() {
                true => format!("DO UPDATE SET {}", updates.join(", ")),
                false => "DO NOTHING".to_owned(),
            };
            format!(" ON CONFLICT ({}) {action}", on.join(", "))
        }
    };
    let alias = sql::ident(&target.table.name)?;
    let inserted = match resolution {
        Some(_) => format!("({alias}.xmax = 0) AS pgrst_inserted"),
        None => "true AS pgrst_inserted".to_owned(),
    };
    let column_list = if columns.is_empty() { String::new() } else { format!("({})", columns.join(", ")) };
    let cte = format!(
        "INSERT INTO {qualified} AS {alias}{column_list} SELECT {} FROM {}{conflict}{}",
        from_body.join(", "),
        payload.source(target)?,
        target.returning(&inserted)?,
    );
    let count_inserted = "(SELECT pg_catalog.count(*) FROM pgrst_source WHERE pgrst_inserted)";
    Ok(Statement {
        sql: target.finish(&cte, count_inserted)?,
        json: Some(payload.json),
        resolution_applied: resolution.is_some(),
    })
}

/// `UPDATE … SET c = pgrst_body.c FROM json_populate_record(…)`; `{}` changes nothing.
pub fn update(target: &Target<'_>, body: &[u8]) -> Result<Statement, ApiError> {
    target.require_filter("UPDATE")?;
    let payload = match &target.params.columns {
        Some(_) => Payload::read(target, body)?,
        None => match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(object)) => {
                target.check_columns(object.keys())?;
                let keys = object.keys().cloned().collect();
                Payload::object(keys, String::from_utf8_lossy(body).into_owned())
            }
            Ok(Value::Array(_)) => return Err(ApiError::unsupported("PATCH with a JSON array body")),
            _ => return Err(ApiError::Body("Empty or invalid json")),
        },
    };
    let qualified = target.qualified()?;
    let alias = sql::ident(&target.table.name)?;
    let cte = if payload.keys.is_empty() {
        format!("SELECT NULL::{qualified} AS pgrst_row, 1 AS pgrst_one WHERE false")
    } else {
        let sets: Vec<String> = payload
            .keys
            .iter()
            .map(|key| sql::ident(key).map(|c| format!("{c} = pgrst_body.{c}")))
            .collect::<Result<_, _>>()?;
        format!(
            "UPDATE {qualified} AS {alias} SET {} FROM (SELECT * FROM {}) AS pgrst_body{}{}",
            sets.join(", "),
            payload.source(target)?,
            where_clause(target)?,
            target.returning("1 AS pgrst_one")?,
        )
    };
    let sql = target.finish(&cte, "0::bigint")?;
    // `{}` builds no UPDATE, and an unused `$1` would leave its type unknown.
    let json = (!payload.keys.is_empty()).then_some(payload.json);
    Ok(Statement { sql, json, resolution_applied: false })
}

/// `DELETE FROM … WHERE …`.
pub fn delete(target: &Target<'_>) -> Result<Statement, ApiError> {
    target.require_filter("DELETE")?;
    let cte = format!(
        "DELETE FROM {} AS {}{}{}",
        target.qualified()?,
        sql::ident(&target.table.name)?,
        where_clause(target)?,
        target.returning("1 AS pgrst_one")?,
    );
    Ok(Statement { sql: target.finish(&cte, "0::bigint")?, json: None, resolution_applied: false })
}

fn where_clause(target: &Target<'_>) -> Result<String, ApiError> {
    let plain_text = |column: &str| target.table.is_plain_text(column);
    sql::where_clause(&target.table.name, &target.params.conditions, &plain_text)
}
