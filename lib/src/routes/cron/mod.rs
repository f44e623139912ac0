//! `GET /api/cron/reset`: the daily maintenance run. Vercel Cron calls it once a day somewhere in
//! the scheduled hour, without retrying and possibly twice, so every step is idempotent and safe
//! to run concurrently with another run (each batch is one SQL function that skips rows another
//! run holds), and a run that stops early leaves the rest to the next one.
//!
//! The run opens with one call that records the report and makes the first batch of every step
//! (`pass`); a quiet day's run is that call alone. Steps with more to do go on from there: first the
//! report, then the others side by side (images before orphans):
//! 1. the operator report of the day that ended (`report`), before cleanup removes its traces;
//! 2. quota counters of a past day or month reset;
//! 3. usage logs past retention, dead sessions, used or expired e-mail tokens, expired idempotency
//!    records, expired or revoked share links purged;
//! 4. private images past retention deleted, objects before rows (`images`);
//! 5. orphan objects swept from the private bucket, then from the public one (`orphans`);
//! 6. owners e-mailed about their images due for deletion within a week (`notices`).
//!
//! Batches stop starting once `CRON_TIME_BUDGET_MS` is spent; the answer says how much each step
//! did, whether work remains, which steps failed, and how long the run took. One log line per run.

mod guard;
mod images;
mod notices;
mod orphans;
mod pass;
mod report;
mod run;
mod settings;

use futures_util::future::{join_all, join4};
use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::error::ApiError;
use crate::http::{Body, Cached, Meta, Request, Router, json_response};
use pass::Pass;
use run::{Run, Tally};

pub use settings::CronConfig;

static ROUTER: Router<()> = Router::new(&[(Method::GET, "/api/cron/reset", ())]);

/// This function's routes, for the published API description.
pub(super) fn routes() -> Vec<(Method, &'static str)> {
    ROUTER.routes()
}

pub async fn handle<B>(app: &App, req: Request<B>) -> Result<http::Response<Body>, ApiError> {
    // The secret first: without it, nothing about the function is revealed, not even its methods.
    guard::authorize(app.config.cron.secret.as_ref(), &req.headers)?;
    ROUTER.resolve(&req.method, &req.path)?;
    let run = Run::new(app);
    let summary = steps(&run).await;
    let data = summary.data(&run);
    log(&data, &summary.failures, &req.request_id);
    Ok(json_response(StatusCode::OK, data, Meta::new(&req.request_id), Cached::Never))
}

async fn steps(run: &Run<'_>) -> Summary {
    let mut summary = Summary::default();
    let mut opened = pass::open(run).await.unwrap_or_else(|error| {
        summary.failures.push(("pass", error));
        Pass::default()
    });
    // The report before the rest: without the pass, its figures are read before cleanup changes them.
    let report = report::record(run, opened.figures.take()).await;
    summary.report = report.json;
    summary.add("report", Tally { count: 0, done: report.error.is_none(), error: report.error });
    // After the report, no step touches another's rows, so they go on side by side: the run takes the
    // longest step's round trips instead of the sum of all. Images expire before the orphan sweep, which
    // then sees what expiry left behind.
    let purges = [
        ("usage_logs", "maintenance_purge_usage_logs", json!({ "p_keep_days": run.config.usage_log_days })),
        ("sessions", "maintenance_purge_sessions", json!({})),
        ("email_tokens", "maintenance_purge_email_tokens", json!({})),
        ("idempotency_keys", "maintenance_purge_idempotency_keys", json!({})),
        ("shares", "maintenance_purge_shares", json!({})),
        ("quota_holds", "maintenance_release_quota_holds", json!({})),
    ];
    let (expired, found) = (opened.expired.take(), (opened.orphans.take(), opened.public_orphans.take()));
    let notices = opened.notices.take();
    let objects = async { (images::expire(run, expired).await, orphans::sweep(run, found).await) };
    let (quotas, purged, (expiry, orphans), notices) = join4(
        run.sql_batches(opened.first("quotas"), "maintenance_reset_quotas", json!({})),
        join_all(
            purges.iter().map(|(step, function, args)| run.sql_batches(opened.first(step), function, args.clone())),
        ),
        objects,
        notices::send(run, notices),
    )
    .await;
    summary.quotas_reset = summary.add("quotas", quotas);
    for ((step, _, _), tally) in purges.iter().zip(purged) {
        let count = summary.add(step, tally);
        summary.deleted.insert((*step).into(), json!(count));
    }
    let count = summary.add("images", expiry.images);
    summary.deleted.insert("images".into(), json!(count));
    summary.deleted.insert("image_objects".into(), json!(expiry.objects));
    let count = summary.add("orphans", orphans);
    summary.deleted.insert("orphan_objects".into(), json!(count));
    summary.notices_sent = summary.add("notices", notices);
    summary
}

#[derive(Default)]
struct Summary {
    report: Value,
    quotas_reset: u64,
    /// Retention notices e-mailed by this run.
    notices_sent: u64,
    deleted: Map<String, Value>,
    /// Some step stopped before it was done (out of time, or failed).
    remaining: bool,
    failures: Vec<(&'static str, ApiError)>,
}

impl Summary {
    /// Takes in one step's tally; returns its count.
    fn add(&mut self, step: &'static str, tally: Tally) -> u64 {
        self.remaining |= !tally.done;
        if let Some(error) = tally.error {
            self.failures.push((step, error));
        }
        tally.count
    }

    /// The answer's `data`. A failure shows its code and public message, never its cause.
    fn data(&self, run: &Run<'_>) -> Value {
        let failed: Vec<Value> = self
            .failures
            .iter()
            .map(|(step, error)| json!({ "step": step, "code": error.code(), "message": error.to_string() }))
            .collect();
        json!({
            "quotas_reset": self.quotas_reset,
            "notices_sent": self.notices_sent,
            "deleted": self.deleted,
            "report": self.report,
            "remaining": self.remaining,
            "failed": failed,
            "elapsed_ms": u64::try_from(run.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }
}

/// One structured line per run: the answer's figures, and each failure's whole cause chain.
fn log(data: &Value, failures: &[(&'static str, ApiError)], request_id: &str) {
    let causes: Vec<Value> = failures
        .iter()
        .map(|(step, error)| {
            let mut chain = vec![error.to_string()];
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                chain.push(cause.to_string());
                source = cause.source();
            }
            json!({ "step": step, "causes": chain })
        })
        .collect();
    let level = if failures.is_empty() { "info" } else { "error" };
    let line = json!({ "level": level, "event": "cron_run", "requestId": request_id, "run": data, "causes": causes });
    eprintln!("{line}");
}
