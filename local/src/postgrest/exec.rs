//! Runs a planned statement in the request's transaction and turns its one row into the response.

use axum::http::Method;
use axum::response::Response;

use super::App;
use super::error::ApiError;
use super::handler::Request;
use super::prefer::{Count, Echo};
use super::response::{self, Context, Kind, Outcome};
use super::tx;

/// A planned statement: its SQL, its JSON parameter and the transaction mode it needs.
pub struct Exec {
    pub sql: String,
    pub json: Option<String>,
    pub read_only: bool,
    pub kind: Kind,
    pub echo: Echo,
    /// The count query whose EXPLAIN estimate `count=planned|estimated` report.
    pub explain: Option<String>,
    /// Whether `max-affected` (with `handling=strict`) bounds the rows of this statement.
    pub max_affected: bool,
}

impl Exec {
    pub fn new(sql: String, json: Option<String>, read_only: bool, kind: Kind, echo: Echo) -> Self {
        Self { sql, json, read_only, kind, echo, explain: None, max_affected: false }
    }
}

/// Runs `exec` in the request's transaction; any error (including PGRST116) rolls it back.
pub async fn run(
    app: &App,
    mut client: deadpool_postgres::Client,
    request: &Request,
    exec: Exec,
) -> Result<Response, ApiError> {
    let anon = request.identity.is_anon(&app.settings);
    let pg = |e| ApiError::from_pg(e, anon);
    let info = tx::RequestInfo {
        method: request.method.as_str(),
        path: &request.path,
        headers: &request.headers,
        identity: &request.identity,
        anon,
        schema: &app.settings.schema,
    };
    let tx = tx::begin(&mut client, exec.read_only, &info).await?;
    let zone_known = match &request.prefer.timezone {
        // PostgREST applies `timezone=` only for a name in pg_timezone_names, as a local setting.
        Some(zone) => {
            let sql = "select pg_catalog.set_config('timezone', name, true) from pg_catalog.pg_timezone_names \
                       where name = $1 limit 1";
            tx.query_opt(sql, &[zone]).await.map_err(pg)?.is_some()
        }
        None => false,
    };
    request.prefer.check_strict(zone_known)?;
    let row = match &exec.json {
        Some(json) => tx.query_one(&exec.sql, &[json]).await,
        None => tx.query_one(&exec.sql, &[]).await,
    }
    .map_err(pg)?;
    let mut outcome = Outcome::from_row(&row);
    if let Some(count_query) = &exec.explain {
        let planned = planned_rows(&tx, count_query).await.map_err(pg)?;
        outcome.total = match request.prefer.count {
            // `estimated`: the exact count up to max_rows, the larger of both beyond it.
            Some(Count::Estimated) => match (outcome.total, app.settings.max_rows) {
                (Some(total), Some(max)) if total > i64::try_from(max).unwrap_or(i64::MAX) => {
                    Some(total.max(planned.unwrap_or(total)))
                }
                (total, _) => total,
            },
            _ => planned,
        };
    }
    if request.prefer.max_affected().is_some_and(|limit| exec.max_affected && outcome.rows > limit) {
        return Err(ApiError::MaxAffected(outcome.rows));
    }
    let context = Context {
        kind: exec.kind,
        shape: request.shape,
        prefer: &request.prefer,
        echo: exec.echo,
        zone_known,
        head: request.method == Method::HEAD,
        profile: request.profile_sent.then_some(app.settings.schema.as_str()),
    };
    let mut response = response::render(&context, outcome)?;
    let (status, headers) = tx::overrides(&tx, anon).await?;
    response::apply_overrides(&mut response, status, headers);
    tx.commit().await.map_err(pg)?;
    Ok(response)
}

/// The planner's row estimate for `count_query` (`EXPLAIN (FORMAT JSON)` → `Plan Rows`).
async fn planned_rows(
    tx: &deadpool_postgres::Transaction<'_>,
    count_query: &str,
) -> Result<Option<i64>, tokio_postgres::Error> {
    let row = tx.query_one(&format!("EXPLAIN (FORMAT JSON) {count_query}"), &[]).await?;
    let plan: serde_json::Value = row.get(0);
    Ok(plan.get(0).and_then(|p| p.get("Plan")).and_then(|p| p.get("Plan Rows")).and_then(serde_json::Value::as_i64))
}
