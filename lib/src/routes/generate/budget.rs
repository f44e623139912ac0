//! The studio-wide caps on the operator's Gemini key: the optional per-minute cap
//! (`GLOBAL_GENERATIONS_PER_MINUTE`, counted in Upstash) and the operator's alert e-mail when a
//! generation takes the daily budget (`DAILY_GENERATION_BUDGET`, charged in SQL by `quota`) past a
//! threshold. Users with their own Gemini key pass neither.

use std::time::Duration;

use serde_json::json;
use time::Date;

use crate::app::App;
use crate::email::alerts::{Alert, render_alert};
use crate::error::ApiError;
use crate::kv::{Algorithm, Limit, OnFailure, now_ms};

/// The longest the alert e-mail may take: it runs beside the model call, which takes longer, so a
/// slow Resend delays no answer; a send that fails or times out is logged.
const ALERT_SEND_LIMIT: Duration = Duration::from_secs(4);

/// Identifier of the one studio-wide counter.
const EVERYONE: &str = "everyone";

/// Units counted against the minute's cap, to be given back if the charge is then refused.
pub struct Minute {
    limit: Limit,
    units: u64,
    at_ms: u64,
}

fn limit(max: u64) -> Limit {
    // A fixed window ends on the minute, so `Retry-After` is the wait until the next minute.
    Limit {
        name: "generate-global",
        max,
        window: Duration::from_secs(60),
        algorithm: Algorithm::FixedWindow,
        on_failure: OnFailure::Deny,
    }
}

/// Counts `units` against this minute's studio-wide cap, if one is set; 503 BUSY when it is
/// reached (the refused units are taken back at once, so only admitted ones count).
pub async fn this_minute(app: &App, units: u32) -> Result<Option<Minute>, ApiError> {
    let Some(max) = app.config.generation.global_per_minute else { return Ok(None) };
    let (limit, at_ms, units) = (limit(max), now_ms(), u64::from(units));
    let decision = limit.charge(&app.kv, EVERYONE, units, at_ms).await?;
    if decision.allowed {
        return Ok(Some(Minute { limit, units, at_ms }));
    }
    Minute { limit, units, at_ms }.give_back(app).await;
    Err(ApiError::Busy {
        message: format!(
            "the studio is making as many images as it can this minute ({max} a minute for everyone); try again \
             in {} s",
            decision.retry_after_secs
        ),
        retry_after_secs: decision.retry_after_secs,
    })
}

impl Minute {
    /// Gives the units back when the request is refused after counting them (quota or budget).
    pub async fn give_back(self, app: &App) {
        if let Err(err) = self.limit.refund(&app.kv, EVERYONE, self.units, self.at_ms).await {
            let line = json!({ "level": "warn", "event": "global_minute_refund_failed", "error": err.to_string() });
            eprintln!("{line}");
        }
    }
}

/// E-mails the operator each budget threshold this request claimed. Bounded by
/// [`ALERT_SEND_LIMIT`]; a failed send gives its claim back, so the next generation of the day
/// tries again, and is logged. Never fails the request.
pub async fn alert(app: &App, day: Date, used: u64, claimed: &[u32]) {
    let Some(to) = app.config.cron.operator_email.as_deref() else { return };
    let budget = app.config.cron.daily_generation_budget;
    for &percent in claimed {
        let alert = Alert::Budget { used, budget, percent };
        let email = render_alert(&alert, &day.to_string(), to, &app.config.cron.operator_locale);
        let key = format!("operator-alert/{}/{day}", alert.kind());
        let sent = tokio::time::timeout(ALERT_SEND_LIMIT, app.email.send_within(&email, &key, ALERT_SEND_LIMIT)).await;
        let error = match sent {
            Ok(Ok(_)) => continue,
            Ok(Err(err)) => err.to_string(),
            Err(_) => format!("no answer within {} ms", ALERT_SEND_LIMIT.as_millis()),
        };
        eprintln!(
            "{}",
            json!({ "level": "error", "event": "budget_alert_failed", "percent": percent, "error": error })
        );
        let args = json!({ "p_day": day.to_string(), "p_percent": percent });
        if let Err(err) = app.db.run(app.db.rpc("release_generation_budget_alert", &args)).await {
            let line = json!({ "level": "error", "event": "budget_alert_release_failed", "error": err.to_string() });
            eprintln!("{line}");
        }
    }
}
