//! `CronConfig`: who may run the daily cron, how much one run may do, how long data is kept, and
//! when the operator is e-mailed.

use std::time::Duration;

use crate::config::{ConfigError, Secret, Vars, invalid};
use crate::email::sender_address;

/// The cron function's `maxDuration` in vercel.json: a run must stop well before it.
const MAX_DURATION_MS: u64 = 300_000;
/// Storage deletes at most 1000 names per call, and PostgREST commonly returns at most 1000 rows.
const MAX_BATCH: u64 = 1000;
/// Vercel's advice for `CRON_SECRET`: a random string of at least 16 characters.
const MIN_SECRET_CHARS: usize = 16;

#[derive(Clone, Debug)]
pub struct CronConfig {
    /// `CRON_SECRET`: Vercel sends it as `Authorization: Bearer …`. Unset, every call is refused.
    pub secret: Option<Secret>,
    /// Work stops starting new batches after this long (`CRON_TIME_BUDGET_MS`, 240 s).
    pub time_budget: Duration,
    /// Rows per SQL batch, images per retention batch (`CRON_BATCH_SIZE`, 500).
    pub batch_size: u64,
    /// Private images older than this are deleted (`RETENTION_IMAGE_DAYS`, 90).
    pub image_days: u64,
    /// Owners are e-mailed at least this many days before their images are deleted, and at most once
    /// in this many days (`RETENTION_NOTICE_DAYS`, 7).
    pub notice_days: u64,
    /// At most this many retention notices per run (`RETENTION_NOTICES_PER_RUN`, 50); the rest wait for
    /// the next run, so that Resend's rate and the run's time budget hold.
    pub notices_per_run: u64,
    /// Usage rows older than this are deleted (`RETENTION_USAGE_LOG_DAYS`, 30).
    pub usage_log_days: u64,
    /// A stored object no row points at is deleted once older than this (`ORPHAN_GRACE_SECS`, one
    /// hour): a generation uploads before it records, for up to its 300 s `maxDuration`.
    pub orphan_grace: Duration,
    /// The plan's storage (`STORAGE_LIMIT_BYTES`; Supabase Free: 1 GB, read as 10^9 bytes so the
    /// alert comes early rather than late).
    pub storage_limit_bytes: u64,
    /// Images a day the operator is prepared to pay Gemini for (`DAILY_GENERATION_BUDGET`, 500).
    pub daily_generation_budget: u64,
    /// Where threshold alerts go (`OPERATOR_EMAIL`); unset, the report is only recorded.
    pub operator_email: Option<String>,
    /// Language of the alerts: `id` or `en` (`OPERATOR_LOCALE`, `id`).
    pub operator_locale: String,
}

impl CronConfig {
    pub(crate) fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let secret = vars.optional("CRON_SECRET").map(Secret::new);
        if secret.as_ref().is_some_and(|s| s.expose().chars().count() < MIN_SECRET_CHARS) {
            return Err(invalid("CRON_SECRET", format!("must be at least {MIN_SECRET_CHARS} characters")));
        }
        let time_budget = vars.positive("CRON_TIME_BUDGET_MS", 240_000)?;
        if time_budget >= MAX_DURATION_MS {
            return Err(invalid("CRON_TIME_BUDGET_MS", format!("must be under {MAX_DURATION_MS} (the maxDuration)")));
        }
        let batch_size = vars.positive("CRON_BATCH_SIZE", 500)?;
        if batch_size > MAX_BATCH {
            return Err(invalid("CRON_BATCH_SIZE", format!("must be at most {MAX_BATCH}")));
        }
        let operator_email = vars.optional("OPERATOR_EMAIL");
        if operator_email.as_deref().is_some_and(|to| sender_address(to).is_none()) {
            return Err(invalid("OPERATOR_EMAIL", "expected `address@domain` or `Name <address@domain>`".into()));
        }
        let operator_locale = vars.optional("OPERATOR_LOCALE").unwrap_or_else(|| "id".to_owned());
        if !matches!(operator_locale.as_str(), "id" | "en") {
            return Err(invalid("OPERATOR_LOCALE", "expected id or en".into()));
        }
        let image_days = days(vars, "RETENTION_IMAGE_DAYS", 90)?;
        let notice_days = days(vars, "RETENTION_NOTICE_DAYS", 7)?;
        // A notice covers two notice periods plus a day between runs (see the notices' migration);
        // with a shorter retention an image made after a notice could go before the owner's next one.
        if notice_days * 2 + 2 > image_days {
            return Err(invalid(
                "RETENTION_NOTICE_DAYS",
                format!("must be at most (RETENTION_IMAGE_DAYS - 2) / 2, here {}", image_days.saturating_sub(2) / 2),
            ));
        }
        Ok(Self {
            secret,
            time_budget: Duration::from_millis(time_budget),
            batch_size,
            image_days,
            notice_days,
            notices_per_run: vars.positive("RETENTION_NOTICES_PER_RUN", 50)?,
            usage_log_days: days(vars, "RETENTION_USAGE_LOG_DAYS", 30)?,
            orphan_grace: Duration::from_secs(vars.positive("ORPHAN_GRACE_SECS", 3_600)?),
            storage_limit_bytes: vars.positive("STORAGE_LIMIT_BYTES", crate::routes::PLAN_STORAGE_BYTES)?,
            daily_generation_budget: vars.positive("DAILY_GENERATION_BUDGET", 500)?,
            operator_email,
            operator_locale,
        })
    }
}

/// A retention in days: a positive number that PostgreSQL's `make_interval` takes (at most 100 years).
fn days(vars: &Vars<'_>, name: &'static str, default: u64) -> Result<u64, ConfigError> {
    let days = vars.positive(name, default)?;
    if days > 36_500 {
        return Err(invalid(name, "must be at most 36500".into()));
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn read(extra: &[(&str, &str)]) -> Result<CronConfig, ConfigError> {
        let vars: Vec<(&str, &str)> =
            crate::config::tests::complete().into_iter().chain(extra.iter().copied()).collect();
        Config::from_lookup(|name| vars.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
            .map(|config| config.cron)
    }

    #[test]
    fn defaults_keep_ninety_days_of_images_and_thirty_of_logs() {
        let config = read(&[]).unwrap();
        assert!(config.secret.is_none(), "no secret unless configured");
        assert_eq!(config.time_budget, Duration::from_secs(240));
        assert_eq!((config.batch_size, config.image_days, config.usage_log_days), (500, 90, 30));
        assert_eq!(config.orphan_grace, Duration::from_secs(3_600));
        assert_eq!((config.notice_days, config.notices_per_run), (7, 50));
        assert_eq!((config.storage_limit_bytes, config.daily_generation_budget), (1_000_000_000, 500));
        assert_eq!((config.operator_email, config.operator_locale.as_str()), (None, "id"));
    }

    #[test]
    fn reads_every_setting() {
        let config = read(&[
            ("CRON_SECRET", "a-cron-secret-of-enough-length"),
            ("CRON_TIME_BUDGET_MS", "1500"),
            ("CRON_BATCH_SIZE", "2"),
            ("RETENTION_IMAGE_DAYS", "30"),
            ("RETENTION_USAGE_LOG_DAYS", "7"),
            ("RETENTION_NOTICE_DAYS", "3"),
            ("RETENTION_NOTICES_PER_RUN", "5"),
            ("ORPHAN_GRACE_SECS", "60"),
            ("STORAGE_LIMIT_BYTES", "8000000000"),
            ("DAILY_GENERATION_BUDGET", "40"),
            ("OPERATOR_EMAIL", "Ops <ops@studio.example>"),
            ("OPERATOR_LOCALE", "en"),
        ])
        .unwrap();
        assert_eq!(config.secret.as_ref().map(Secret::expose), Some("a-cron-secret-of-enough-length"));
        assert_eq!((config.time_budget, config.batch_size), (Duration::from_millis(1500), 2));
        assert_eq!((config.image_days, config.usage_log_days, config.orphan_grace.as_secs()), (30, 7, 60));
        assert_eq!((config.storage_limit_bytes, config.daily_generation_budget), (8_000_000_000, 40));
        assert_eq!((config.notice_days, config.notices_per_run), (3, 5));
        assert_eq!(config.operator_email.as_deref(), Some("Ops <ops@studio.example>"));
        assert_eq!(config.operator_locale, "en");
    }

    #[test]
    fn an_empty_secret_counts_as_unset() {
        assert!(read(&[("CRON_SECRET", "  ")]).unwrap().secret.is_none());
    }

    #[test]
    fn the_secret_never_prints() {
        let config = read(&[("CRON_SECRET", "a-cron-secret-of-enough-length")]).unwrap();
        assert!(!format!("{config:?}").contains("a-cron-secret"));
    }

    #[test]
    fn names_each_malformed_variable() {
        let cases = [
            ("CRON_SECRET", "short"),
            ("CRON_TIME_BUDGET_MS", "0"),
            ("CRON_TIME_BUDGET_MS", "300000"),
            ("CRON_BATCH_SIZE", "1001"),
            ("CRON_BATCH_SIZE", "many"),
            ("RETENTION_IMAGE_DAYS", "-1"),
            ("RETENTION_IMAGE_DAYS", "36501"),
            ("RETENTION_USAGE_LOG_DAYS", "0"),
            ("RETENTION_NOTICE_DAYS", "0"),
            ("RETENTION_NOTICE_DAYS", "45"),
            ("RETENTION_NOTICES_PER_RUN", "none"),
            ("ORPHAN_GRACE_SECS", "1h"),
            ("STORAGE_LIMIT_BYTES", "1GB"),
            ("DAILY_GENERATION_BUDGET", "0"),
            ("OPERATOR_EMAIL", "ops"),
            ("OPERATOR_LOCALE", "fr"),
        ];
        for (name, value) in cases {
            let err = read(&[(name, value)]).expect_err(&format!("{name}={value} accepted"));
            assert!(err.to_string().contains(name), "{name}={value}: {err}");
        }
    }
}
