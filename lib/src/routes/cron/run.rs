//! One cron run: its clock (one `now` for every step, so they agree on what is old), its time budget,
//! and the tally each step hands back.

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::CronConfig;
use crate::app::App;
use crate::error::ApiError;
use crate::routes::auth_common::timestamp;

pub(super) struct Run<'a> {
    pub app: &'a App,
    pub config: &'a CronConfig,
    /// The time every SQL function of this run receives as `p_now`.
    pub now: OffsetDateTime,
    started: Instant,
}

/// What one step did: how many rows or objects it handled, whether it finished, and what stopped
/// it if something failed.
pub(super) struct Tally {
    pub count: u64,
    pub done: bool,
    pub error: Option<ApiError>,
}

impl Tally {
    pub fn finished(count: u64) -> Self {
        Self { count, done: true, error: None }
    }
}

impl<'a> Run<'a> {
    pub fn new(app: &'a App) -> Self {
        Self { app, config: &app.config.cron, now: OffsetDateTime::now_utc(), started: Instant::now() }
    }

    /// `p_now` as the SQL functions take it.
    pub fn p_now(&self) -> String {
        timestamp(self.now)
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Whether the budget still allows starting another batch.
    pub fn has_time(&self) -> bool {
        self.elapsed() < self.config.time_budget
    }

    /// Calls the batch function `function` with `args` until a batch handles fewer rows than the
    /// batch size (nothing left) or the budget is spent. `first` is the first batch's count when the
    /// run's opening pass made it already; otherwise the first batch always runs, so every step
    /// makes progress even in a run that started late.
    pub async fn sql_batches(&self, first: Option<u64>, function: &str, args: Value) -> Tally {
        let mut args = args;
        args["p_now"] = json!(self.p_now());
        args["p_limit"] = json!(self.config.batch_size);
        self.batches(first, || async {
            let handled: i64 = self.app.db.fetch(self.app.db.rpc(function, &args)).await?;
            Ok(u64::try_from(handled).unwrap_or(0))
        })
        .await
    }

    /// Repeats `batch` (which returns how many it handled) under the same rule as [`Self::sql_batches`].
    pub async fn batches<F, Fut>(&self, mut first: Option<u64>, mut batch: F) -> Tally
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<u64, ApiError>>,
    {
        let mut count = 0;
        loop {
            let handled = match first.take() {
                Some(handled) => Ok(handled),
                None => batch().await,
            };
            match handled {
                Err(error) => return Tally { count, done: false, error: Some(error) },
                Ok(handled) => {
                    count += handled;
                    if handled < self.config.batch_size {
                        return Tally::finished(count);
                    }
                }
            }
            if !self.has_time() {
                return Tally { count, done: false, error: None };
            }
        }
    }
}
