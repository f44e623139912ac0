//! Taking and giving back quota units: one SQL call each, atomic under concurrency. What a request
//! takes is held (`quota_holds`) until it records its images or gives the units back; a hold its
//! request never settled (the database or the function died mid-request) is given back once it
//! expires, so a request that failed half-way is never charged.

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
}

#[derive(Deserialize)]
struct Counters {
    allowed: bool,
    daily_used: i64,
    daily_quota: i64,
    monthly_used: i64,
    monthly_quota: i64,
    hold_id: Option<Uuid>,
}

/// Takes `units` from the user's day and month (a user with their own Gemini key is held only to
/// the month); 429 QUOTA_EXCEEDED with the wait until the limit that stopped it resets.
pub async fn consume(app: &App, user: Uuid, units: u32, byok: bool) -> Result<Charge, ApiError> {
    let at = now();
    let args = json!({ "p_user": user, "p_units": units, "p_now": timestamp(at), "p_byok": byok,
                       "p_hold_seconds": HOLD_SECS });
    let counters: Counters = app
        .db
        .first(app.db.rpc("consume_quota_held", &args))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("this account is disabled".into()))?;
    if counters.allowed {
        let hold = counters.hold_id.ok_or_else(|| ApiError::internal("consume_quota_held held nothing"))?;
        return Ok(Charge { units, hold });
    }
    let month_full = counters.monthly_used + i64::from(units) > counters.monthly_quota;
    let (limit, until) = if month_full {
        (format!("monthly quota of {}", counters.monthly_quota), next_month(at.date()))
    } else {
        (format!("daily quota of {}", counters.daily_quota), at.date().next_day().unwrap_or(at.date()))
    };
    let wait = (until.midnight().assume_utc() - at).whole_seconds().max(1) as u64;
    let left = if month_full {
        counters.monthly_quota - counters.monthly_used
    } else {
        counters.daily_quota - counters.daily_used
    };
    Err(ApiError::QuotaExceeded {
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
