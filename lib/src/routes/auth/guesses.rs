//! Limits on password guesses (signing in, and the current password that changing the password or
//! deleting the account asks for) that a stranger cannot turn against the account's owner.
//!
//! - Per account AND network together: five attempts go through at once, then each further one
//!   waits (`LOGIN_BACKOFF_SECS`, 30 s by default), the wait doubling per attempt up to 15 minutes.
//!   Guesses from elsewhere never slow the owner down on their own network. A correct password
//!   clears the count; 24 hours without an attempt clear it too.
//! - Per network across accounts (credential stuffing): 50 failed attempts in 15 minutes.
//!
//! The three routes share one count per account and network, so a stolen session gains no extra
//! guesses on the account pages. A network is an IPv4 address or an IPv6 /64 (`client_network`).
//! Both fail closed: with Upstash down, no password is checked.

use std::time::Duration;

use http::HeaderMap;
use serde_json::json;

use super::common::{client_network, limit};
use crate::app::App;
use crate::auth::tokens;
use crate::error::ApiError;
use crate::kv::{Admission, Backoff, Limit, now_ms};

/// Failed attempts one network may make across every account.
pub const PER_NETWORK: Limit = limit("password-network", 50, 15 * 60);

/// The longest wait between two attempts on one account from one network.
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);

fn per_account_and_network(app: &App) -> Backoff {
    Backoff {
        name: "password",
        free: 5,
        base: app.config.auth.login_backoff,
        cap: LONGEST_WAIT,
        memory: Duration::from_secs(24 * 60 * 60),
    }
}

/// One password check in progress: counted as a failure unless [`Guess::succeeded`] says otherwise.
pub struct Guess {
    network: String,
    pair: String,
    counted_ms: u64,
}

/// Counts a password check on the account of `email` (normalised) from the caller's network; 429
/// with `Retry-After` while either limit holds, 503 if Upstash cannot answer.
pub async fn begin(app: &App, headers: &HeaderMap, email: &str) -> Result<Guess, ApiError> {
    let network = client_network(headers);
    // The address is hashed: the store needs to tell accounts apart, not to know them.
    let account: String = tokens::token_hash(email)[..16].iter().map(|b| format!("{b:02x}")).collect();
    let guess = Guess { pair: format!("{account}:{network}"), network, counted_ms: now_ms() };
    PER_NETWORK.check(&app.kv, &guess.network, guess.counted_ms).await?.enforce()?;
    match per_account_and_network(app).attempt(&app.kv, &guess.pair).await? {
        Admission::Allowed => Ok(guess),
        Admission::Wait { retry_after_secs } => Err(ApiError::RateLimited { retry_after_secs }),
    }
}

impl Guess {
    /// The password was right: the account's count on this network starts over, and the network
    /// gets its attempt back. A store failure here only leaves the counts higher than they should
    /// be, so it is logged and the request goes on.
    pub async fn succeeded(self, app: &App) {
        let cleared = per_account_and_network(app).clear(&app.kv, &self.pair).await;
        let refunded = PER_NETWORK.refund(&app.kv, &self.network, 1, self.counted_ms).await;
        for error in [cleared.err(), refunded.err()].into_iter().flatten() {
            let line = json!({ "level": "warn", "limit": "password", "decision": "count not cleared",
                               "error": error.to_string() });
            eprintln!("{line}");
        }
    }
}
