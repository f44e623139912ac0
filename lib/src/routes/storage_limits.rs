//! The storage limits, checked before anything is stored: the account's (`USER_STORAGE_LIMIT_BYTES`)
//! and the studio's stop at 95 % of the plan (`STORAGE_LIMIT_BYTES`). Both read counters the image
//! rows' triggers keep exact (`storage_usage_of`): one database read, never a Storage scan.

use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::App;
use crate::config::{ConfigError, Vars};
use crate::error::ApiError;

/// The plan's storage when `STORAGE_LIMIT_BYTES` is unset: Supabase Free's 1 GB, read as 10^9 bytes
/// so that every figure derived from it errs early. The cron's report reads the same default.
pub const PLAN_STORAGE_BYTES: u64 = 1_000_000_000;

/// The share of the plan past which nothing more is stored: the last 5 % absorb what requests
/// already past the check still upload (one request's objects each) and what is not an image.
const STUDIO_STOP_PERCENT: u64 = 95;

/// Settings: `USER_STORAGE_LIMIT_BYTES` (100 000 000: a tenth of the free plan, so that no account
/// can take more than a tenth of everyone's room) and `STORAGE_LIMIT_BYTES` (the plan's bytes).
#[derive(Clone, Debug)]
pub struct StorageLimits {
    pub user_bytes: u64,
    pub plan_bytes: u64,
}

impl StorageLimits {
    pub(crate) fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            user_bytes: vars.positive("USER_STORAGE_LIMIT_BYTES", 100_000_000)?,
            plan_bytes: vars.positive("STORAGE_LIMIT_BYTES", PLAN_STORAGE_BYTES)?,
        })
    }

    /// The studio's total past which nothing more is stored.
    pub fn studio_stop_bytes(&self) -> u64 {
        (u128::from(self.plan_bytes) * u128::from(STUDIO_STOP_PERCENT) / 100) as u64
    }
}

/// The counters, as the triggers keep them.
#[derive(Deserialize)]
struct Usage {
    user_bytes: i64,
    studio_bytes: i64,
}

/// Refuses a request that would store more bytes for `user`: 409 STORAGE_FULL once the account's
/// images take its limit or more, 503 STORAGE_EXHAUSTED once the studio's take 95 % of the plan.
/// Called before anything is charged or uploaded; what a request stores after passing is counted
/// when its rows are written (see DECISIONS, "Storage that cannot run out by surprise").
pub async fn check_room(app: &App, user: Uuid) -> Result<(), ApiError> {
    let limits = &app.config.storage_limits;
    let query = app.db.rpc("storage_usage_of", &json!({ "p_user": user }));
    let usage: Usage = app.db.first(query).await?.ok_or_else(|| ApiError::internal("storage_usage_of: no row"))?;
    let (used, studio) = (usage.user_bytes.max(0) as u64, usage.studio_bytes.max(0) as u64);
    if used >= limits.user_bytes {
        return Err(ApiError::StorageFull {
            message: format!(
                "your images take {} of your {} of storage; delete images you no longer need (favourites \
                 and images in collections included) or unpublish some, then try again",
                megabytes(used),
                megabytes(limits.user_bytes)
            ),
            used_bytes: used,
            limit_bytes: limits.user_bytes,
        });
    }
    if studio >= limits.studio_stop_bytes() {
        return Err(ApiError::StorageExhausted(
            "the studio's storage is full for everyone, so no new image can be kept; the operator has to make \
             room or move to a larger plan; your images stay as they are"
                .into(),
        ));
    }
    Ok(())
}

/// Bytes as people read them: megabytes (10^6), one decimal.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn read(extra: &[(&str, &str)]) -> Result<StorageLimits, ConfigError> {
        let vars: Vec<(&str, &str)> =
            crate::config::tests::complete().into_iter().chain(extra.iter().copied()).collect();
        Config::from_lookup(|name| vars.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
            .map(|config| config.storage_limits)
    }

    #[test]
    fn defaults_are_a_tenth_of_the_free_plan_and_the_plan() {
        let limits = read(&[]).unwrap();
        assert_eq!((limits.user_bytes, limits.plan_bytes), (100_000_000, 1_000_000_000));
        assert_eq!(limits.studio_stop_bytes(), 950_000_000);
    }

    #[test]
    fn settings_are_read_and_bad_ones_named() {
        let limits = read(&[("USER_STORAGE_LIMIT_BYTES", "5000"), ("STORAGE_LIMIT_BYTES", "200")]).unwrap();
        assert_eq!((limits.user_bytes, limits.plan_bytes, limits.studio_stop_bytes()), (5000, 200, 190));
        for bad in ["0", "-1", "1GB"] {
            let err = read(&[("USER_STORAGE_LIMIT_BYTES", bad)]).unwrap_err().to_string();
            assert!(err.contains("USER_STORAGE_LIMIT_BYTES"), "{bad}: {err}");
        }
    }

    #[test]
    fn sizes_read_in_megabytes() {
        assert_eq!(megabytes(104_857_600), "104.9 MB");
        assert_eq!(megabytes(0), "0.0 MB");
    }
}
