//! One transaction per request, opened with PostgREST's `set_config` prelude (role, claims, request).

use axum::http::HeaderMap;
use deadpool_postgres::{Client, Transaction};
use serde_json::{Map, Value};

use super::auth::Identity;
use super::error::ApiError;

/// What the prelude exposes to SQL about the request.
pub struct RequestInfo<'a> {
    pub method: &'a str,
    /// The path below the mount point, as PostgREST sees it behind the gateway: `/items`.
    pub path: &'a str,
    pub headers: &'a HeaderMap,
    pub identity: &'a Identity,
    /// Whether the role is the anonymous one: decides 401 vs 403 for 42501.
    pub anon: bool,
    pub schema: &'a str,
}

/// Switches role (grants and RLS then apply even though the pool logs in as a superuser), sets the
/// claims and request GUCs, pins `standard_conforming_strings` (the literals in `sql` rely on it)
/// and applies the role's own settings (`alter role anon set statement_timeout …`) as PostgREST does.
const PRELUDE: &str = "
select set_config('search_path', $1, true), set_config('role', $2, true),
       set_config('request.jwt.claims', $3, true), set_config('request.method', $4, true),
       set_config('request.path', $5, true), set_config('request.headers', $6, true),
       set_config('request.cookies', $7, true), set_config('standard_conforming_strings', 'on', true),
       (select count(set_config(split_part(s, '=', 1), substr(s, strpos(s, '=') + 1), true))
        from pg_db_role_setting d, unnest(d.setconfig) s
        where d.setrole = (select oid from pg_roles where rolname = $2)
          and d.setdatabase in (0, (select oid from pg_database where datname = current_database()))
          and exists (select from pg_settings p where p.name = split_part(s, '=', 1) and p.context = 'user'))";

/// Begins the request's transaction, read-only for reads, and runs the prelude in it.
pub async fn begin<'c>(
    client: &'c mut Client,
    read_only: bool,
    info: &RequestInfo<'_>,
) -> Result<Transaction<'c>, ApiError> {
    let anon = info.anon;
    let tx = client.build_transaction().read_only(read_only).start().await.map_err(|e| ApiError::from_pg(e, anon))?;
    let search_path = format!("\"{}\", \"extensions\"", info.schema.replace('"', "\"\""));
    let claims = Value::Object(info.identity.claims.clone()).to_string();
    let headers = Value::Object(header_map(info.headers)).to_string();
    let cookies = Value::Object(cookies(info.headers)).to_string();
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 7] =
        [&search_path, &info.identity.role, &claims, &info.method, &info.path, &headers, &cookies];
    tx.query_one(PRELUDE, &params).await.map_err(|e| ApiError::from_pg(e, anon))?;
    Ok(tx)
}

/// `response.status` / `response.headers` set by SQL during the request (PostgREST's GUC overrides).
pub async fn overrides(tx: &Transaction<'_>, anon: bool) -> Result<(Option<u16>, Vec<(String, String)>), ApiError> {
    let sql = "select current_setting('response.status', true), current_setting('response.headers', true)";
    let row = tx.query_one(sql, &[]).await.map_err(|e| ApiError::from_pg(e, anon))?;
    let status = row.get::<_, Option<String>>(0).and_then(|s| s.trim().parse().ok());
    let headers = row
        .get::<_, Option<String>>(1)
        .and_then(|h| serde_json::from_str::<Vec<Map<String, Value>>>(&h).ok())
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| Some((name, value.as_str()?.to_owned())))
        .collect();
    Ok((status, headers))
}

/// Request headers as one JSON object with lowercased names (axum already lowercases them).
fn header_map(headers: &HeaderMap) -> Map<String, Value> {
    headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), Value::from(value.to_str().ok()?))))
        .collect()
}

fn cookies(headers: &HeaderMap) -> Map<String, Value> {
    headers
        .get_all("cookie")
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(name, value)| (name.to_owned(), Value::from(value)))
        .collect()
}
