//! Retention notices: an owner gets at most one e-mail per `RETENTION_NOTICE_DAYS`, and every image
//! is in one sent at least that long before it is deleted (the claim's migration has the rule and
//! its proof). A notice says how many images go, between which dates, with a link to the gallery.
//! The claim marks the images it covers and stamps the owner, so a rerun or a concurrent run never
//! mails the same images twice; images that become due later get a later notice. A run sends
//! at most `RETENTION_NOTICES_PER_RUN` and stops claiming once its time budget is spent; the rest
//! wait for the next run. A failed send gives its images back to the next run.

use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::run::{Run, Tally};
use crate::email::retention::render_notice;
use crate::error::ApiError;
use crate::routes::auth_common::app_link;

/// Owners claimed per round trip: small, so a run out of time holds few claims it cannot send.
const CLAIM: u64 = 10;

/// One owner's notice as claimed.
#[derive(Deserialize)]
pub(super) struct Notice {
    user_id: Uuid,
    email: String,
    locale: String,
    images: u64,
    /// When retention deletes the first and the last of them (timestamps as PostgREST writes them).
    first_deletion: String,
    last_deletion: String,
}

/// How many owners the run's opening pass claims.
pub(super) fn first_claim(run: &Run<'_>) -> u64 {
    CLAIM.min(run.config.notices_per_run)
}

/// Sends the notices `claimed` by the opening pass, then claims and sends more while claims come
/// back full; the tally counts e-mails sent.
pub(super) async fn send(run: &Run<'_>, claimed: Option<Vec<Notice>>) -> Tally {
    let cap = run.config.notices_per_run;
    let mut first = claimed;
    let mut sent = 0;
    loop {
        let limit = CLAIM.min(cap - sent);
        let claimed = match first.take() {
            Some(claimed) => Ok(claimed),
            None => claim(run, limit).await,
        };
        let claimed = match claimed {
            Ok(claimed) => claimed,
            Err(error) => return Tally { count: sent, done: false, error: Some(error) },
        };
        let full = claimed.len() as u64 == limit;
        let mut pending = claimed.into_iter();
        while let Some(notice) = pending.next() {
            // Out of time, the rest of the claim goes back (the run's first mail always goes, so a
            // run that started late still makes progress).
            if sent > 0 && !run.has_time() {
                release(run, std::iter::once(notice).chain(pending)).await;
                return Tally { count: sent, done: false, error: None };
            }
            if let Err(error) = mail(run, &notice).await {
                release(run, std::iter::once(notice).chain(pending)).await;
                return Tally { count: sent, done: false, error: Some(error) };
            }
            sent += 1;
        }
        if !full {
            return Tally::finished(sent);
        }
        // More may be due: they wait for the next run when this one has sent its share or its time.
        if sent >= cap || !run.has_time() {
            return Tally { count: sent, done: false, error: None };
        }
    }
}

async fn claim(run: &Run<'_>, limit: u64) -> Result<Vec<Notice>, ApiError> {
    let app = run.app;
    let args = json!({
        "p_now": run.p_now(),
        "p_keep_days": run.config.image_days,
        "p_notice_days": run.config.notice_days,
        "p_limit": limit,
    });
    Ok(app.db.fetch(app.db.rpc("maintenance_claim_retention_notices", &args)).await?)
}

async fn mail(run: &Run<'_>, notice: &Notice) -> Result<(), ApiError> {
    let (first, last) = (utc_date(&notice.first_deletion)?, utc_date(&notice.last_deletion)?);
    let link = app_link(run.app, "gallery", None);
    let email = render_notice(notice.images, (&first, &last), &link, &notice.email, &notice.locale);
    // One key per owner and claim (the claim's time, to the microsecond PostgreSQL keeps): Resend
    // drops a repeat of the same notice within 24 hours.
    let key = format!("retention-notice/{}/{}", notice.user_id, run.now.unix_timestamp_nanos() / 1000);
    run.app.email.send(&email, &key).await?;
    Ok(())
}

/// The UTC date (`YYYY-MM-DD`) of a timestamp PostgREST wrote.
fn utc_date(timestamp: &str) -> Result<String, ApiError> {
    let at = OffsetDateTime::parse(timestamp, &Rfc3339)
        .map_err(|err| ApiError::internal(format!("deletion time {timestamp}: {err}")))?;
    Ok(at.to_offset(time::UtcOffset::UTC).date().to_string())
}

/// Gives the unsent notices' images, and their owners' notice time, back. Logged, not returned: the
/// send's failure is what matters.
async fn release(run: &Run<'_>, notices: impl Iterator<Item = Notice>) {
    let app = run.app;
    for notice in notices {
        let args = json!({ "p_user": notice.user_id, "p_now": run.p_now() });
        if let Err(err) = app.db.run(app.db.rpc("maintenance_release_retention_notice", &args)).await {
            let line = json!({ "level": "error", "event": "retention_notice_release_failed",
                               "error": err.to_string() });
            eprintln!("{line}");
        }
    }
}
