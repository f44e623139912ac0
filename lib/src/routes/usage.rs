//! Events other than generations, written to `usage_logs` for the owner's counts and the operator's
//! daily figures: downloads, share links made and viewed, exports. Generations and
//! refunds are logged by their own SQL functions, in the same transaction as the charge.
//!
//! Failures are logged here for every route that logs its successes (generations included): one
//! `failure` row when the studio failed the request, so that the daily report has each route's
//! failure rate from rows it already reads, at no cost to a request that succeeds.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::auth::principal::Principal;
use crate::error::ApiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Download,
    ShareCreate,
    ShareView,
    Export,
    Generate,
    Edit,
}

impl Action {
    /// The value of `usage_logs.action` (its check constraint lists them).
    fn as_str(self) -> &'static str {
        match self {
            Action::Download => "download",
            Action::ShareCreate => "share_create",
            Action::ShareView => "share_view",
            Action::Export => "export",
            Action::Generate => "generate",
            Action::Edit => "edit",
        }
    }
}

/// One successful event. `who` is `None` for a visitor (a share link opened signed out); `details`
/// is a JSON object of context (format, counts, token id), never a secret or another user's prompt.
pub(crate) async fn record(
    app: &App,
    who: Option<&Principal>,
    action: Action,
    image: Option<Uuid>,
    details: Value,
) -> Result<(), ApiError> {
    let row = json!({
        "user_id": who.map(|w| w.user_id),
        "api_key_id": who.and_then(Principal::api_key_id),
        "action": action.as_str(),
        "status": "success",
        "image_id": image,
        "details": details,
    });
    app.db.run(app.db.from("usage_logs").insert(row.to_string())).await?;
    Ok(())
}

/// [`record`] for an event whose request has already done its work (a link made, a view counted):
/// a lost log row must not turn it into an error the client would retry, and so repeat. The
/// failure goes to the log instead.
pub(crate) async fn record_or_log(
    app: &App,
    who: Option<&Principal>,
    action: Action,
    image: Option<Uuid>,
    details: Value,
) {
    if let Err(err) = record(app, who, action, image, details).await {
        let line = json!({ "level": "error", "event": "usage_log_failed", "action": action.as_str(),
                           "image": image, "error": err.to_string() });
        eprintln!("{line}");
    }
}

/// Milliseconds since `since`, as the usage rows record a request's time.
pub(crate) fn millis(since: std::time::Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Whether `error` is the studio failing the request, as the failure rates count it: a 5xx, but
/// not the deliberate refusals that answer 503 by design (the minute's cap, the day's budget, full
/// storage), which have their own alerts. A 4xx is the caller's to fix and never counts.
pub(crate) fn studio_failed(error: &ApiError) -> bool {
    error.status().is_server_error() && !matches!(error.code(), "BUSY" | "BUDGET_EXHAUSTED" | "STORAGE_EXHAUSTED")
}

/// One `failure` row for `action` when `error` is the studio's failure (see [`studio_failed`]);
/// `failed` is how many units failed (variations of a generation, otherwise 1). Best effort: the
/// request has failed already, and a lost row goes to the log.
pub(crate) async fn record_failure(
    app: &App,
    user: Option<Uuid>,
    api_key: Option<Uuid>,
    action: Action,
    failed: u32,
    error: &ApiError,
    mut details: Value,
) {
    if !studio_failed(error) {
        return;
    }
    details["failed"] = json!(failed);
    details["code"] = json!(error.code());
    let row = json!({ "user_id": user, "api_key_id": api_key, "action": action.as_str(), "status": "failure",
                      "details": details });
    if let Err(err) = app.db.run(app.db.from("usage_logs").insert(row.to_string())).await {
        let line = json!({ "level": "error", "event": "usage_log_failed", "action": action.as_str(),
                           "status": "failure", "error": err.to_string() });
        eprintln!("{line}");
    }
}
