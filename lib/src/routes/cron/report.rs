//! The operator report: the figures of the UTC day that ended last (the cron runs just after
//! midnight), written to `daily_reports`, and an e-mail to `OPERATOR_EMAIL` for each free-tier
//! threshold crossed: storage above 90 % of the plan, generations above 80 % of the daily budget
//! (one claim with generate's live 80 % alert: a day gets one of the two), more than 10 % of
//! generations failing or of one route's requests (of at least 10), and the 95th percentile of
//! generation time above 15 s (over at least 5 images). Each kind is claimed in the table before it
//! is sent, so reruns and concurrent runs send it once a day; Resend's idempotency key per kind and
//! day is the second guard. Nothing crossed, nothing sent.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use time::Date;

use super::CronConfig;
use super::run::Run;
use crate::app::App;
use crate::email::alerts::{Alert, render_alert};
use crate::error::ApiError;

/// The design's line for generation time: an alert when the day's p95 is above 15 s.
const SLOW_P95_MS: u64 = 15_000;
/// Fewer images than this say nothing about a percentile: one slow image on a quiet day is noise.
const SLOW_MIN_IMAGES: u64 = 5;
/// A route's failure rate is judged from this many requests on: one failure in three is noise.
const ROUTE_MIN_REQUESTS: u64 = 10;

/// The figures the thresholds look at (the recorded report holds more).
#[derive(Debug, Default, Deserialize)]
struct Watched {
    generations: u64,
    generation_failures: u64,
    storage_bytes: u64,
    /// Requests and failures by route (usage action); absent from reports before the operator view.
    #[serde(default)]
    routes: BTreeMap<String, RouteFigures>,
    #[serde(default)]
    generation_ms: Timing,
}

#[derive(Debug, Default, Deserialize)]
struct RouteFigures {
    requests: u64,
    failures: u64,
}

/// Percentiles are null on a day without images.
#[derive(Debug, Default, Deserialize)]
struct Timing {
    count: u64,
    p50: Option<u64>,
    p95: Option<u64>,
}

/// The report's part of the run's answer, and what stopped it if something failed.
pub(super) struct Reported {
    pub json: Value,
    pub error: Option<ApiError>,
}

/// The day the report is about: the UTC day that ended last.
pub(super) fn day(run: &Run<'_>) -> Date {
    run.now.date().previous_day().unwrap_or(run.now.date())
}

/// `figures` with the settings the thresholds were judged by, and no alerts (yet).
pub(super) fn with_settings(mut figures: Value, config: &CronConfig) -> Value {
    figures["storage_limit_bytes"] = json!(config.storage_limit_bytes);
    figures["generation_budget"] = json!(config.daily_generation_budget);
    figures["alerts"] = json!([]);
    figures
}

/// Judges the day's figures against the thresholds and sends what crossed one. `recorded` are the
/// figures the run's opening pass has saved already; without them (the pass failed) the figures are
/// read and saved here.
pub(super) async fn record(run: &Run<'_>, recorded: Option<Value>) -> Reported {
    let day = day(run);
    let mut json = json!({ "day": day.to_string(), "alerts": [], "emailed": [] });
    let error = write(run, day, recorded, &mut json).await.err();
    Reported { json, error }
}

async fn write(run: &Run<'_>, day: Date, recorded: Option<Value>, json: &mut Value) -> Result<(), ApiError> {
    let app = run.app;
    let saved = recorded.is_some();
    let mut figures = match recorded {
        Some(figures) => figures,
        None => {
            let args = json!({ "p_day": day.to_string(), "p_now": run.p_now() });
            with_settings(app.db.fetch(app.db.rpc("maintenance_day_figures", &args)).await?, run.config)
        }
    };
    let watched: Watched = serde_json::from_value(figures.clone()).map_err(ApiError::internal)?;
    let alerts = crossed(&watched, run.config);
    let kinds: Vec<&str> = alerts.iter().map(Alert::kind).collect();
    json["alerts"] = json!(kinds);
    // A quiet day's figures, as the pass saved them, are the report already.
    if !saved || !alerts.is_empty() {
        figures["alerts"] = json!(kinds);
        let args = json!({ "p_day": day.to_string(), "p_figures": figures, "p_now": run.p_now() });
        app.db.run(app.db.rpc("maintenance_save_report", &args)).await?;
    }
    let Some(to) = run.config.operator_email.as_deref() else { return Ok(()) };
    let mut emailed = Vec::new();
    for alert in &alerts {
        if send(app, run.config, day, alert, to).await? {
            emailed.push(alert.kind());
        }
        json["emailed"] = json!(emailed);
    }
    Ok(())
}

/// Sends `alert` unless another run already has for `day`; true when this run sent it. A failed
/// send gives the claim back, so that the next run tries again.
async fn send(app: &App, config: &CronConfig, day: Date, alert: &Alert, to: &str) -> Result<bool, ApiError> {
    let args = json!({ "p_day": day.to_string(), "p_kind": alert.kind() });
    let claimed: bool = app.db.fetch(app.db.rpc("maintenance_claim_alert", &args)).await?;
    if !claimed {
        return Ok(false);
    }
    let email = render_alert(alert, &day.to_string(), to, &config.operator_locale);
    let key = format!("operator-alert/{}/{day}", alert.kind());
    if let Err(err) = app.email.send(&email, &key).await {
        app.db.run(app.db.rpc("maintenance_release_alert", &args)).await?;
        return Err(err.into());
    }
    Ok(true)
}

/// The thresholds of the design, in whole numbers so that "above" means strictly above.
fn crossed(day: &Watched, config: &CronConfig) -> Vec<Alert> {
    let mut alerts = Vec::new();
    let (used, limit) = (u128::from(day.storage_bytes), u128::from(config.storage_limit_bytes));
    if used * 100 > limit * 90 {
        alerts.push(Alert::Storage { used_bytes: day.storage_bytes, limit_bytes: config.storage_limit_bytes });
    }
    let (made, budget) = (u128::from(day.generations), u128::from(config.daily_generation_budget));
    if made * 100 > budget * 80 {
        alerts.push(Alert::Generations { count: day.generations, budget: config.daily_generation_budget });
    }
    let attempted = day.generations + day.generation_failures;
    let routes: Vec<(String, u64, u64)> = day
        .routes
        .iter()
        .filter(|(_, r)| r.requests >= ROUTE_MIN_REQUESTS && u128::from(r.failures) * 100 > u128::from(r.requests) * 10)
        .map(|(route, r)| (route.clone(), r.failures, r.requests))
        .collect();
    if u128::from(day.generation_failures) * 100 > u128::from(attempted) * 10 || !routes.is_empty() {
        alerts.push(Alert::Failures { failed: day.generation_failures, attempted, routes });
    }
    let timing = &day.generation_ms;
    if let Some(p95_ms) = timing.p95.filter(|p95| *p95 > SLOW_P95_MS && timing.count >= SLOW_MIN_IMAGES) {
        alerts.push(Alert::Slow { p95_ms, p50_ms: timing.p50.unwrap_or(0), count: timing.count });
    }
    alerts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CronConfig {
        let vars: Vec<(&str, &str)> = crate::config::tests::complete()
            .into_iter()
            .chain([("STORAGE_LIMIT_BYTES", "1000"), ("DAILY_GENERATION_BUDGET", "100")])
            .collect();
        crate::config::Config::from_lookup(|n| vars.iter().rev().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()))
            .unwrap()
            .cron
    }

    fn day(generations: u64, generation_failures: u64, storage_bytes: u64) -> Watched {
        Watched { generations, generation_failures, storage_bytes, ..Watched::default() }
    }

    fn routes(figures: &[(&str, u64, u64)]) -> Watched {
        let routes = figures
            .iter()
            .map(|(route, requests, failures)| {
                (route.to_string(), RouteFigures { requests: *requests, failures: *failures })
            })
            .collect();
        Watched { routes, ..Watched::default() }
    }

    fn timed(count: u64, p95: u64) -> Watched {
        Watched { generation_ms: Timing { count, p50: Some(1_000), p95: Some(p95) }, ..Watched::default() }
    }

    #[test]
    fn each_threshold_fires_only_strictly_above_its_line() {
        let cases = [
            ("a quiet day", day(10, 1, 100), vec![]),
            ("storage at 90 %", day(0, 0, 900), vec![]),
            ("storage above 90 %", day(0, 0, 901), vec!["storage"]),
            ("generations at 80 %", day(80, 0, 0), vec![]),
            ("generations above 80 %", day(81, 0, 0), vec!["generations"]),
            ("failures at 10 %", day(18, 2, 0), vec![]),
            ("failures above 10 %", day(17, 2, 0), vec!["failures"]),
            ("nothing attempted", Watched::default(), vec![]),
            ("everything at once", day(90, 30, 999), vec!["storage", "generations", "failures"]),
            ("a route at 10 %", routes(&[("download", 20, 2)]), vec![]),
            ("a route above 10 %", routes(&[("download", 20, 3), ("export", 10, 0)]), vec!["failures"]),
            ("a route above 10 % of too few requests", routes(&[("share_view", 9, 9)]), vec![]),
            ("p95 at 15 s", timed(20, 15_000), vec![]),
            ("p95 above 15 s", timed(20, 15_001), vec!["slow"]),
            ("p95 above 15 s over too few images", timed(4, 40_000), vec![]),
        ];
        for (case, day, expected) in cases {
            let kinds: Vec<&str> = crossed(&day, &config()).iter().map(Alert::kind).collect();
            assert_eq!(kinds, expected, "{case}");
        }
    }

    #[test]
    fn the_failure_alert_names_the_routes_above_the_line() {
        let alerts = crossed(&routes(&[("download", 20, 3), ("export", 10, 1), ("generate", 50, 6)]), &config());
        let named = vec![("download".to_owned(), 3, 20), ("generate".to_owned(), 6, 50)];
        assert_eq!(alerts, vec![Alert::Failures { failed: 0, attempted: 0, routes: named }]);
    }
}
