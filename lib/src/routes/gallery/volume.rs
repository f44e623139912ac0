//! The volume limits of the gallery's costly routes: saving a version (decoding an upload costs up
//! to seconds of CPU and stores its bytes), downloading (a conversion) and exporting (a ZIP of up
//! to 500 MB). Each counts per user, whatever credential is used: an account cannot multiply its
//! allowance by minting API keys.

use std::time::Duration;

use uuid::Uuid;

use crate::app::App;
use crate::config::{ConfigError, Vars};
use crate::error::ApiError;
use crate::kv::{Algorithm, Decision, Limit, OnFailure, now_ms};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(60 * 60);
/// Day buckets start at multiples of a day since the Unix epoch: at 00:00 UTC.
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Settings of the volume limits (each a positive whole number; defaults in parentheses):
/// `VERSION_UPLOADS_PER_MINUTE` (20), `VERSION_UPLOADS_PER_DAY` (200),
/// `VERSION_UPLOAD_MB_PER_DAY` (200, in units of 10⁶ bytes), `DOWNLOADS_PER_MINUTE` (60) and
/// `EXPORTS_PER_HOUR` (5).
#[derive(Clone, Debug)]
pub struct VolumeConfig {
    pub uploads_per_minute: u64,
    pub uploads_per_day: u64,
    pub upload_bytes_per_day: u64,
    pub downloads_per_minute: u64,
    pub exports_per_hour: u64,
}

impl VolumeConfig {
    pub(crate) fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let megabytes = vars.positive("VERSION_UPLOAD_MB_PER_DAY", 200)?;
        Ok(Self {
            uploads_per_minute: vars.positive("VERSION_UPLOADS_PER_MINUTE", 20)?,
            uploads_per_day: vars.positive("VERSION_UPLOADS_PER_DAY", 200)?,
            upload_bytes_per_day: megabytes.saturating_mul(1_000_000),
            downloads_per_minute: vars.positive("DOWNLOADS_PER_MINUTE", 60)?,
            exports_per_hour: vars.positive("EXPORTS_PER_HOUR", 5)?,
        })
    }
}

fn limit(name: &'static str, max: u64, window: Duration, on_failure: OnFailure) -> Limit {
    // A day is one calendar bucket (its count restarts at midnight, as the user is told); the short
    // windows slide, so that a burst across a boundary is not allowed twice.
    let algorithm = if window == DAY { Algorithm::FixedWindow } else { Algorithm::SlidingWindow };
    Limit { name, max, window, algorithm, on_failure }
}

/// Who every volume limit counts: the account, never the key it used.
fn account(user: Uuid) -> String {
    format!("user:{user}")
}

/// One more version upload this minute. Counted before the body is read, so a client that keeps
/// sending is refused without its bodies being read. Fails closed: each upload may cost seconds.
pub async fn upload_attempt(app: &App, user: Uuid) -> Result<(), ApiError> {
    let max = app.config.volume.uploads_per_minute;
    let limit = limit("version-uploads-per-minute", max, MINUTE, OnFailure::Deny);
    let decision = limit.check(&app.kv, &account(user), now_ms()).await?;
    throttled(&limit, decision, || format!("at most {max} edited versions can be saved a minute"))
}

/// Today's budget of uploads that are about to be decoded and stored: one more, and `bytes` more.
/// Fails closed, as [`upload_attempt`].
pub async fn upload_budget(app: &App, user: Uuid, bytes: usize) -> Result<(), ApiError> {
    let (count, volume) = (app.config.volume.uploads_per_day, app.config.volume.upload_bytes_per_day);
    let now = now_ms();
    let uploads = limit("version-uploads-per-day", count, DAY, OnFailure::Deny);
    let decision = uploads.check(&app.kv, &account(user), now).await?;
    exhausted(&uploads, decision, || format!("at most {count} edited versions can be saved a day"))?;
    let sizes = limit("version-upload-bytes-per-day", volume, DAY, OnFailure::Deny);
    let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
    let decision = sizes.charge(&app.kv, &account(user), bytes, now).await?;
    if !decision.allowed {
        // Not saved: a file too large for what is left must not use up what smaller ones could have.
        let one_back = uploads.refund(&app.kv, &account(user), 1, now).await;
        let bytes_back = sizes.refund(&app.kv, &account(user), bytes, now).await;
        if let Err(err) = one_back.and(bytes_back) {
            let line =
                serde_json::json!({ "level": "warn", "event": "upload_budget_not_refunded", "error": err.to_string() });
            eprintln!("{line}");
        }
    }
    exhausted(&sizes, decision, || {
        format!("edited versions saved in a day may total at most {} MB", volume / 1_000_000)
    })
}

/// One more download this minute. Fails open: a download reads the user's own file, and refusing
/// every download while the store is down would cost users more than an unchecked minute costs.
pub async fn download(app: &App, user: Uuid) -> Result<(), ApiError> {
    let max = app.config.volume.downloads_per_minute;
    let limit = limit("downloads-per-minute", max, MINUTE, OnFailure::Allow);
    let decision = limit.check(&app.kv, &account(user), now_ms()).await?;
    throttled(&limit, decision, || format!("at most {max} images can be downloaded a minute"))
}

/// One more export this hour. Fails closed: one export may send 500 MB out of Storage.
pub async fn export(app: &App, user: Uuid) -> Result<(), ApiError> {
    let max = app.config.volume.exports_per_hour;
    let limit = limit("exports-per-hour", max, HOUR, OnFailure::Deny);
    let decision = limit.check(&app.kv, &account(user), now_ms()).await?;
    throttled(&limit, decision, || format!("at most {max} exports can be made an hour"))
}

/// 429 RATE_LIMITED naming the limit and the wait, unless the decision allows.
fn throttled(limit: &Limit, decision: Decision, rule: impl FnOnce() -> String) -> Result<(), ApiError> {
    if decision.allowed {
        return Ok(());
    }
    let wait = decision.retry_after_secs;
    let message = format!("{}: try again in {wait} s", rule());
    Err(ApiError::Throttled { name: limit.name, message, retry_after_secs: wait })
}

/// 429 DAILY_LIMIT_REACHED naming the budget and when it renews, unless the decision allows.
fn exhausted(limit: &Limit, decision: Decision, rule: impl FnOnce() -> String) -> Result<(), ApiError> {
    if decision.allowed {
        return Ok(());
    }
    let message = format!("{}; today's allowance is used up and renews at 00:00 UTC", rule());
    Err(ApiError::DailyLimitReached { name: limit.name, message, retry_after_secs: decision.retry_after_secs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_a_calendar_bucket_and_shorter_windows_slide() {
        assert_eq!(limit("d", 1, DAY, OnFailure::Deny).algorithm, Algorithm::FixedWindow);
        assert_eq!(limit("m", 1, MINUTE, OnFailure::Allow).algorithm, Algorithm::SlidingWindow);
        assert_eq!(limit("h", 1, HOUR, OnFailure::Deny).algorithm, Algorithm::SlidingWindow);
    }

    #[test]
    fn refusals_name_their_limit_and_the_wait() {
        let limit = limit("exports-per-hour", 5, HOUR, OnFailure::Deny);
        let denied = Decision { allowed: false, limit: 5, remaining: 0, reset_at: 0, retry_after_secs: 42 };
        let err = throttled(&limit, denied.clone(), || "at most 5 exports can be made an hour".into()).unwrap_err();
        assert_eq!((err.code(), err.retry_after_secs()), ("RATE_LIMITED", Some(42)));
        assert_eq!(err.body()["message"], "at most 5 exports can be made an hour: try again in 42 s");
        assert_eq!(err.body()["details"]["limitName"], "exports-per-hour");
        let err = exhausted(&limit, denied, || "at most 5 a day".into()).unwrap_err();
        assert_eq!(err.code(), "DAILY_LIMIT_REACHED");
        assert!(err.to_string().contains("renews at 00:00 UTC"), "{err}");
        let allowed = Decision { allowed: true, limit: 5, remaining: 1, reset_at: 0, retry_after_secs: 0 };
        assert!(throttled(&limit, allowed, || unreachable!()).is_ok());
    }
}
