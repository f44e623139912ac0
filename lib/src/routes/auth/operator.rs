//! The operator's routes (`/api/auth/operator/…`): the last 30 daily reports. The operator is a
//! signed-in account whose address is confirmed and is either `OPERATOR_EMAIL` or flagged
//! `users.is_operator` in SQL. To everyone else, API keys included (the operator's own too), every
//! path below `/api/auth/operator` answers exactly what an unknown path answers: 404, whatever the
//! method, so that nobody learns who may read the reports or that the credential came close.

use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::auth::principal::{self, Principal};
use crate::email::sender_address;
use crate::error::ApiError;

/// Every operator route lives below this path.
const PREFIX: &str = "/api/auth/operator";

/// How many daily reports the operator sees: the last month, as the usage logs behind them are
/// kept 30 days too.
pub const REPORT_DAYS: u32 = 30;

/// Whether `path` is one of the operator's, whatever comes after the prefix.
pub fn is_operator_path(path: &str) -> bool {
    path.strip_prefix(PREFIX).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The signed-in operator, or the 404 of an unknown `path`. A failure of the studio itself (the
/// database unreachable) stays what it is: it says nothing about the caller.
pub async fn admit(app: &App, headers: &HeaderMap, path: &str) -> Result<Principal, ApiError> {
    let hidden = || ApiError::NotFound(format!("no route for {path}"));
    let who = match principal::authenticate(app, headers).await {
        Ok(who) => who,
        Err(err) if err.status().is_server_error() => return Err(err),
        Err(_) => return Err(hidden()),
    };
    // A key acts for scripts, never for the operator: a leaked key must not read every user's figures.
    if who.api_key_id().is_some() {
        return Err(hidden());
    }
    #[derive(Deserialize)]
    struct Row {
        email: String,
        email_verified_at: Option<String>,
        is_operator: bool,
    }
    let query = app.db.from("users").select("email,email_verified_at,is_operator").eq("id", who.user_id.to_string());
    let row: Option<Row> = app.db.first(query).await?;
    match row {
        Some(row) if is_operator(app, &row.email, row.email_verified_at.is_some(), row.is_operator) => Ok(who),
        _ => Err(hidden()),
    }
}

/// The rule, in one place (the profile's `operator` flag uses it too): a confirmed address, and
/// either the SQL flag or the address of `OPERATOR_EMAIL` (its address part, case-insensitive).
pub fn is_operator(app: &App, email: &str, verified: bool, flagged: bool) -> bool {
    let configured = app.config.cron.operator_email.as_deref().and_then(sender_address);
    verified && (flagged || configured.is_some_and(|address| address.eq_ignore_ascii_case(email)))
}

/// `GET /api/auth/operator/reports`: the last [`REPORT_DAYS`] daily reports, newest first, with
/// the settings they are judged against today.
pub async fn reports(app: &App) -> Result<Value, ApiError> {
    let args = json!({ "p_days": REPORT_DAYS });
    let reports: Value = app.db.fetch(app.db.rpc("operator_reports", &args)).await?;
    let cron = &app.config.cron;
    Ok(json!({
        "days": REPORT_DAYS,
        "storage_limit_bytes": cron.storage_limit_bytes,
        "generation_budget": cron.daily_generation_budget,
        "reports": reports,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operator_prefix_covers_its_paths_and_nothing_beside_it() {
        for path in
            ["/api/auth/operator", "/api/auth/operator/", "/api/auth/operator/reports", "/api/auth/operator/x/y"]
        {
            assert!(is_operator_path(path), "{path}");
        }
        for path in ["/api/auth/operators", "/api/auth/profile", "/api/auth/operatorreports", "/api/auth"] {
            assert!(!is_operator_path(path), "{path}");
        }
    }
}
