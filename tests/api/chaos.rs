//! Chaos: every route with PostgREST, Storage or Redis killed at each of its steps in turn. A step
//! is one call the route makes to that service; `kill_after(service, k)` lets k calls through and
//! kills the service as call k+1 arrives, with that call unanswered. For each step the answer must
//! be a clear 5xx envelope naming the dependency (never a 2xx lie, never a hang), and after the
//! service is restored nothing may be half written: every table and every stored object is as it
//! was before the request. The first k the request survives is its success, which proves the next
//! request after an outage works.
//!
//! - `generation`: generate (with and without an Idempotency-Key), edit and the quota.
//! - `gallery`: the gallery's reads and writes, the public feed, shared links and the share page.
//! - `gallery_upkeep`: unpublishing (one image, in bulk), pinning and deleting a prompt, one
//!   collection, and the share page on its `/api/gallery/s/{token}` path.
//! - `accounts`: register, login, refresh, sessions, logout, API keys, profile, settings, the
//!   Gemini key (set, read, delete), templates (list, categories, one) and the cron.
//! - `credentials`: verify-email, resend-verification, forgot, reset and change password,
//!   logout-all and deleting the account, each on an account of its own.
//!
//! Together they cover every method and path of `studio::routes::all()`.

mod accounts;
mod case;
mod credentials;
mod gallery;
mod gallery_upkeep;
mod generation;
mod state;

pub use case::{Case, Outcome, send};
pub use state::state;

use studio_local::faults::Service;
use studio_local::testing::TestStack;

use state::{changed_row, changes, recover};

/// The name the error message gives each dependency.
fn named(service: Service) -> &'static str {
    match service {
        Service::Postgrest => "database",
        Service::Storage => "storage",
        Service::Redis | Service::Upstash => "key-value store",
        other => panic!("no chaos for {other:?}"),
    }
}

/// Checks the answer to a request whose `service` died under it: a 5xx envelope that names the
/// dependency, with a request id and nothing internal.
pub fn assert_clear_failure(case: &str, service: Service, outcome: &Outcome) {
    let body = &outcome.body;
    assert!(matches!(outcome.status, 502..=504), "{case}: answered {} {}", outcome.status, outcome.text);
    assert_eq!(body["success"], false, "{case}: {}", outcome.text);
    let code = body["error"]["code"].as_str().unwrap_or_default();
    assert!(matches!(code, "UPSTREAM_UNAVAILABLE" | "UPSTREAM_TIMEOUT"), "{case}: code {code}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(named(service)), "{case}: the message does not name the dependency: {message}");
    assert!(body["meta"]["requestId"].as_str().is_some_and(|id| !id.is_empty()), "{case}: no request id");
    for internal in ["127.0.0.1", "reqwest", "hyper", "Bearer", "eyJ", "connection", "redis-server"] {
        assert!(!outcome.text.contains(internal), "{case}: the answer shows {internal:?}: {}", outcome.text);
    }
}

/// The services a chaos case can kill.
const KILLABLE: [Service; 3] = [Service::Postgrest, Service::Storage, Service::Redis];

/// Kills `service` at each step of the request `make` builds, in turn, then lets it run whole.
/// `make` is called before each run (a deletion needs a new image each time). Returns how many
/// steps the request took of `service`, the request's name and the services its whole run called.
pub async fn at_every_step<F, Fut>(stack: &TestStack, service: Service, mut make: F) -> (usize, String, Vec<Service>)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Case>,
{
    for step in 0.. {
        let case = make().await;
        // The cron first, so that its own work (used links purged…) is not counted as the request's.
        recover(stack).await;
        if let Some(sql) = &case.due {
            stack.db.client().await.batch_execute(sql).await.expect("make the request's work due");
        }
        let before = state(stack, &case).await;
        stack.faults.outages.kill_after(service, step);
        let calls = KILLABLE.map(|service| stack.faults.outages.calls(service));
        let outcome = send(stack, &case).await;
        let called: Vec<Service> = KILLABLE
            .into_iter()
            .zip(calls)
            .filter(|&(service, before)| stack.faults.outages.calls(service) > before)
            .map(|(service, _)| service)
            .collect();
        let died = stack.faults.outages.is_down(service);
        stack.faults.outages.restore(service);
        let name = format!("{} with {service:?} killed at step {}", case.name, step + 1);
        if !died {
            assert!(
                (200..300).contains(&outcome.status),
                "{}: after the outages: {} {}",
                case.name,
                outcome.status,
                outcome.text
            );
            return (step, case.name, called);
        }
        if (200..300).contains(&outcome.status) {
            if case.fails_open.contains(&service) {
                continue;
            }
            if case.reports_failures {
                let failed = outcome.body["data"]["failed"].as_array().cloned().unwrap_or_default();
                let named = failed.iter().any(|step| {
                    step["code"] == "UPSTREAM_UNAVAILABLE"
                        && step["message"].as_str().is_some_and(|m| m.contains(named(service)))
                });
                assert!(named && outcome.body["data"]["remaining"] == true, "{name}: a 2xx {}", outcome.text);
                continue;
            }
            // Killed in a step after the request's commit, which only logs its failures (the
            // quota figures of a generation, a download's usage row): a true success only if the
            // write is there. A pure read has no commit: its 2xx without a dependency is a lie.
            let after = state(stack, &case).await;
            let shown: String = outcome.text.chars().take(300).collect();
            assert!(before != after, "{name}: a 2xx that wrote nothing: {} {shown:?}", outcome.status);
            return (step, case.name, called);
        }
        if case.page {
            assert!(matches!(outcome.status, 502..=504), "{name}: answered {} {}", outcome.status, outcome.text);
            assert!(outcome.text.contains("Something went wrong"), "{name}: {}", outcome.text);
            for internal in ["database", "storage", "reqwest", "hyper", "UPSTREAM"] {
                assert!(!outcome.text.contains(internal), "{name}: the page shows {internal:?}: {}", outcome.text);
            }
        } else {
            assert_clear_failure(&name, service, &outcome);
        }
        recover(stack).await;
        let after = state(stack, &case).await;
        if before != after && case.completed_by_retry {
            let retried = send(stack, &case).await;
            assert!((200..300).contains(&retried.status), "{name}: the retry: {} {}", retried.status, retried.text);
            let done = state(stack, &case).await;
            assert!(
                done.iter().all(|line| before.contains(line) || changed_row(case.retry_changes, line, &before)),
                "{name}: the retry left:\n{}",
                changes(&before, &done)
            );
            continue;
        }
        if before != after && case.idempotent {
            let retried = send(stack, &case).await;
            assert!((200..300).contains(&retried.status), "{name}: the retry: {} {}", retried.status, retried.text);
            let done = state(stack, &case).await;
            assert!(done == after, "{name}: half written, the retry added:\n{}", changes(&after, &done));
            continue;
        }
        assert!(before == after, "{name}: half written:\n{}", changes(&before, &after));
    }
    unreachable!("a request makes finitely many calls")
}

/// Runs [`at_every_step`] for each of `services`; each must be used at least once, and no other
/// killable one may be, so that a route that stops or starts using a service is noticed (the table
/// here would then be out of date).
pub async fn for_each<F, Fut>(stack: &TestStack, services: &[Service], mut make: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Case>,
{
    for &service in services {
        let (steps, name, called) = at_every_step(stack, service, &mut make).await;
        assert!(steps > 0, "{name} never called {service:?}");
        let unlisted: Vec<&Service> = called.iter().filter(|s| !services.contains(s)).collect();
        assert!(unlisted.is_empty(), "{name} calls {unlisted:?} too: kill it there as well");
    }
}
