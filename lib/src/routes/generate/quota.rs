//! Taking and giving back quota units: one SQL call each, atomic under concurrency. What a request
//! takes is held (`quota_holds`) until it records its images or gives the units back; a hold its
//! request never settled (the database or the function died mid-request) is given back once it
//! expires, so a request that failed half-way is never charged. The operator's daily budget is
//! taken and given back in the same calls (see `budget`).

use serde::Deserialize;
use serde_json::json;
use time::Date;
use uuid::Uuid;

use crate::app::App;
use crate::error::ApiError;
use crate::routes::auth_common::{now, timestamp};

/// How long units stay held for their request: twice the function's `maxDuration` (300 s in
/// vercel.json), so a hold is never given back while its request may still record.
const HOLD_SECS: u32 = 600;

/// Units taken for one request, and the hold that keeps them until the request settles.
pub struct Charge {
    pub units: u32,
    pub hold: Uuid,
    /// The budget thresholds (percent) this charge reached and claimed the alert of, with the
    /// day's count after it: the caller e-mails the operator.
    pub alerts: Vec<u32>,
    pub budget_used: u64,
    pub day: Date,
}

#[derive(Deserialize)]
struct Counters {
    allowed: bool,
    daily_used: Option<i64>,
    daily_quota: Option<i64>,
    monthly_used: Option<i64>,
    monthly_quota: Option<i64>,
    hold_id: Option<Uuid>,
    budget_ok: bool,
    budget_used: Option<i64>,
    budget_alerts: Vec<u32>,
}

/// The charge was refused; `alerts` are budget thresholds claimed on the way (to be e-mailed).
pub struct Refused {
    pub error: ApiError,
    pub alerts: Vec<u32>,
    pub budget_used: u64,
    pub day: Date,
}

/// Takes `units` from the user's day and month (a user with their own Gemini key is held only to
/// the month) and, unless `byok`, from the operator's daily budget, in one transaction. Refused:
/// 429 QUOTA_EXCEEDED with the wait until the user's limit resets, or 503 BUDGET_EXHAUSTED with
/// the wait until 00:00 UTC.
pub async fn consume(app: &App, user: Uuid, units: u32, byok: bool) -> Result<Result<Charge, Refused>, ApiError> {
    let at = now();
    let budget = app.config.cron.daily_generation_budget;
    let args = json!({ "p_user": user, "p_units": units, "p_now": timestamp(at), "p_byok": byok,
                       "p_hold_seconds": HOLD_SECS, "p_budget": budget,
                       "p_alert": app.config.cron.operator_email.is_some() });
    let counters: Counters = app
        .db
        .first(app.db.rpc("consume_generation", &args))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("this account is disabled".into()))?;
    let (alerts, budget_used) = (counters.budget_alerts.clone(), counters.budget_used.unwrap_or(0).max(0) as u64);
    let tomorrow = at.date().next_day().unwrap_or(at.date());
    if counters.allowed {
        let hold = counters.hold_id.ok_or_else(|| ApiError::internal("consume_generation held nothing"))?;
        return Ok(Ok(Charge { units, hold, alerts, budget_used, day: at.date() }));
    }
    let refused = |error| Ok(Err(Refused { error, alerts, budget_used, day: at.date() }));
    if !counters.budget_ok {
        let wait = (tomorrow.midnight().assume_utc() - at).whole_seconds().max(1) as u64;
        return refused(ApiError::BudgetExhausted {
            message: format!(
                "the studio's daily generation budget of {budget} images is used up for everyone ({} left, \
                 {units} asked); generation opens again at 00:00 UTC, in {wait} s, or add your own Gemini \
                 key in Settings to go on now",
                budget.saturating_sub(budget_used)
            ),
            retry_after_secs: wait,
        });
    }
    let (daily_used, daily_quota) = (counters.daily_used.unwrap_or(0), counters.daily_quota.unwrap_or(0));
    let (monthly_used, monthly_quota) = (counters.monthly_used.unwrap_or(0), counters.monthly_quota.unwrap_or(0));
    let month_full = monthly_used + i64::from(units) > monthly_quota;
    let (limit, until) = if month_full {
        (format!("monthly quota of {monthly_quota}"), next_month(at.date()))
    } else {
        (format!("daily quota of {daily_quota}"), tomorrow)
    };
    let wait = (until.midnight().assume_utc() - at).whole_seconds().max(1) as u64;
    let left = if month_full { monthly_quota - monthly_used } else { daily_quota - daily_used };
    refused(ApiError::QuotaExceeded {
        message: format!("the {limit} images is used up ({} left, {units} asked); it resets in {wait} s", left.max(0)),
        retry_after_secs: wait,
    })
}

/// Gives back `units` of `charge`'s hold. Never fails the request it serves: a refund that cannot
/// be written is logged, and the hold gives the units back when it expires.
pub async fn refund(app: &App, user: Uuid, charge: &Charge, units: u32, reason: &str) {
    let args = json!({ "p_hold": charge.hold, "p_user": user, "p_units": units, "p_now": timestamp(now()),
                       "p_reason": reason });
    if let Err(err) = app.db.run(app.db.rpc("refund_quota_hold", &args)).await {
        eprintln!(
            "{}",
            json!({ "level": "error", "event": "quota_refund_failed", "user": user, "units": units, "error": err.to_string() })
        );
    }
}

fn next_month(today: Date) -> Date {
    let first = today.replace_day(1).unwrap_or(today);
    let (year, month) = if first.month() == time::Month::December {
        (first.year() + 1, time::Month::January)
    } else {
        (first.year(), first.month().next())
    };
    Date::from_calendar_date(year, month, 1).unwrap_or(first)
}
