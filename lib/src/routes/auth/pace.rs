//! Answers whose timing must not tell whether an address has an account. Register,
//! password/forgot and resend-verification do more for a known address (a lookup, a token, an
//! e-mail through Resend's HTTPS API) than for an unknown one; each answers no earlier than
//! `AUTH_MAIL_ANSWER_MS` after it started, on every path, errors included.
//!
//! Padding, not sending after the answer: Vercel's Rust runtime documents no way for a function
//! to keep working once its response is sent (docs/DECISIONS.md, "Verification gate and answer
//! timing"). The e-mail is bounded by `AUTH_MAIL_SEND_TIMEOUT_MS`, below the floor; work that
//! still runs past the floor (a slow database) makes the answer wait for it, never cuts it short.

use std::future::Future;

use tokio::time::{Instant, sleep_until};

use crate::app::App;

/// Runs `work`, then waits until the floor has passed since the start before handing back its
/// result, whatever it was.
pub async fn at_the_floor<T>(app: &App, work: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let result = work.await;
    sleep_until(started + app.config.auth.mail_answer_floor).await;
    result
}
