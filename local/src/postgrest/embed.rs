//! Resource embedding is not served: a `select` that embeds, or a `rel.…` parameter, is answered
//! with the error PostgREST itself gives when it cannot serve it, or a clear 400 when it could.

use tokio_postgres::Client;

use super::error::ApiError;
use super::fuzzy;
use super::query::QueryParams;
use super::select::{self, Beyond};

/// Every foreign key between two tables of `schema`, both ways: (table, related table).
const RELATIONSHIPS_SQL: &str = "
select c1.relname::text, c2.relname::text
from pg_constraint k
join pg_class c1 on c1.oid = k.conrelid join pg_namespace n1 on n1.oid = c1.relnamespace
join pg_class c2 on c2.oid = k.confrelid join pg_namespace n2 on n2.oid = c2.relnamespace
where k.contype = 'f' and n1.nspname = $1 and n2.nspname = $1";

/// The error for a select that [`select::parse`] refused (`refused`): PGRST123 for aggregates,
/// PGRST200 (with PostgREST's hint) for an embed no foreign key supports, else `refused` itself.
pub async fn select_error(
    client: &Client,
    schema: &str,
    table: &str,
    select: &str,
    refused: ApiError,
) -> Result<ApiError, ApiError> {
    let names = match select::beyond_columns(select) {
        Beyond::Aggregates => return Ok(ApiError::Aggregates),
        Beyond::Embeds(names) if !names.is_empty() => names,
        Beyond::Embeds(_) => return Ok(refused),
    };
    let rows = client.query(RELATIONSHIPS_SQL, &[&schema]).await.map_err(|e| ApiError::from_pg(e, false))?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for row in rows {
        let (a, b): (String, String) = (row.get(0), row.get(1));
        pairs.push((b.clone(), a.clone()));
        pairs.push((a, b));
    }
    let related: Vec<String> = pairs.iter().filter(|(t, _)| t == table).map(|(_, r)| r.clone()).collect();
    let Some(child) = names.into_iter().find(|name| !related.contains(name)) else { return Ok(refused) };
    Ok(ApiError::NoRelationship {
        hint: hint(&pairs, &related, table, &child),
        parent: table.to_owned(),
        child,
        schema: schema.to_owned(),
    })
}

/// PostgREST's `noRelBetweenHint`: a table with relationships gets the closest related table
/// suggested for the child; one without, the closest table that has relationships.
fn hint(pairs: &[(String, String)], related: &[String], parent: &str, child: &str) -> Option<String> {
    if !related.is_empty() {
        let suggestion = fuzzy::closest(related, child)?;
        return Some(format!("Perhaps you meant '{suggestion}' instead of '{child}'."));
    }
    let mut parents: Vec<String> = pairs.iter().map(|(t, _)| t.clone()).collect();
    parents.dedup();
    let suggestion = fuzzy::closest(&parents, parent)?;
    Some(format!("Perhaps you meant '{suggestion}' instead of '{parent}'."))
}

/// PGRST108 for `rel.col=…`-style parameters when `select` embeds nothing.
pub fn check_params(params: &QueryParams) -> Result<(), ApiError> {
    match params.embedded.first() {
        Some(resource) => Err(ApiError::NotEmbedded(resource.clone())),
        None => Ok(()),
    }
}
