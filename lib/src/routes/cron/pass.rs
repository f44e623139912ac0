//! The run's opening call: `maintenance_pass` records the report's figures and makes the first
//! batch of every step in one transaction, so a quiet day's run is one round trip to the database.
//! Each step then goes on from what the pass did, and calls its own function only if that first
//! batch came back full. Should the pass fail, nothing of it was written and every step runs alone.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::images::Expired;
use super::notices::{self, Notice};
use super::run::Run;
use super::{orphans, report};
use crate::error::ApiError;

/// What the pass did; the default is "nothing yet", the starting point when the pass failed.
#[derive(Default, Deserialize)]
pub(super) struct Pass {
    /// The report's figures as recorded, with the run's settings and no alerts yet.
    pub figures: Option<Value>,
    /// Rows each SQL step handled in its first batch, by step name.
    counts: HashMap<String, u64>,
    /// Private images past retention, claimed for this run.
    pub expired: Option<Vec<Expired>>,
    /// The first batch of orphan objects, oldest name first.
    pub orphans: Option<Vec<String>>,
    /// The first batch of the public bucket's orphan objects, in name order.
    pub public_orphans: Option<Vec<String>>,
    /// The first claim of retention notices, to be sent by this run.
    pub notices: Option<Vec<Notice>>,
}

impl Pass {
    /// How many rows the pass's batch of `step` handled, if it made one.
    pub fn first(&self, step: &str) -> Option<u64> {
        self.counts.get(step).copied()
    }
}

pub(super) async fn open(run: &Run<'_>) -> Result<Pass, ApiError> {
    let app = run.app;
    let args = json!({
        "p_now": run.p_now(),
        "p_day": report::day(run).to_string(),
        "p_report": report::with_settings(json!({}), run.config),
        "p_usage_log_days": run.config.usage_log_days,
        "p_image_days": run.config.image_days,
        "p_bucket": app.storage.private_bucket(),
        "p_orphans_before": orphans::cutoff(run),
        "p_limit": run.config.batch_size,
        "p_public_bucket": app.storage.public_bucket(),
        "p_notice_days": run.config.notice_days,
        "p_notice_limit": notices::first_claim(run),
    });
    Ok(app.db.fetch(app.db.rpc("maintenance_pass", &args)).await?)
}
