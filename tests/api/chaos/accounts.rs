//! Accounts, templates and the cron under outages: each route with the database or Redis (the
//! limiter of logins and mail, which fails closed) killed at each of its steps. Passwords, e-mailed
//! links, logout-all and deleting the account are in `credentials`. A session, a
//! rotated refresh token, an account or an API key is written whole or not at all.

use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::json;
use studio_local::faults::Service::{self, Postgrest, Redis, Storage};
use studio_local::testing::TestStack;

use super::{Case, for_each};
use crate::auth_keys::GEMINI_KEY;
use crate::auth_sessions::family;
use crate::cron::stored_image;
use crate::helpers::{Account, PASSWORD, log_in, signed_up};

/// Three accounts, so that no one account's logins hold up another's: Siti logs in through the
/// route, Budi's refresh tokens and Wayan's sessions come from fresh logins.
struct Fixture {
    stack: TestStack,
    siti: Account,
    budi: Account,
    wayan: Account,
    /// Makes each registration's address (and caller address) new: the limits count per address.
    runs: AtomicUsize,
}

#[derive(Clone, Copy)]
enum Route {
    Register,
    Login,
    Refresh,
    Sessions,
    EndSession,
    Logout,
    ApiKeys,
    CreateApiKey,
    RevokeApiKey,
    Profile,
    UpdateProfile,
    Settings,
    UpdateSettings,
    SetGeminiKey,
    GeminiKey,
    DeleteGeminiKey,
    Templates,
    Categories,
    Template,
    Cron,
}

impl Fixture {
    async fn case(&self, route: Route) -> Case {
        let run = self.runs.fetch_add(1, Ordering::Relaxed);
        let access = Some(self.siti.access.as_str());
        let case = |name: &str, method: Method, path: String| Case::new(name, method, path, access);
        match route {
            Route::Register => Case::new("POST /api/auth/register", Method::POST, "/api/auth/register", None)
                .header("x-vercel-forwarded-for", format!("10.9.0.{}", run % 250))
                .json(json!({ "email": format!("ketut{run}@example.com"), "password": PASSWORD, "name": "Ketut" })),
            Route::Login => Case::new("POST /api/auth/login", Method::POST, "/api/auth/login", None)
                .json(json!({ "email": self.siti.email, "password": PASSWORD, "transport": "body" })),
            Route::Refresh => {
                let fresh = log_in(&self.stack, &self.budi.email, PASSWORD).await;
                Case::new("POST /api/auth/refresh", Method::POST, "/api/auth/refresh", None)
                    .json(json!({ "refresh_token": fresh.refresh }))
            }
            Route::Sessions => case("GET /api/auth/sessions", Method::GET, "/api/auth/sessions".into()),
            Route::EndSession => {
                let other = log_in(&self.stack, &self.wayan.email, PASSWORD).await;
                let path = format!("/api/auth/sessions/{}", family(&other.access));
                Case::new("DELETE /api/auth/sessions/{id}", Method::DELETE, path, Some(&self.wayan.access))
            }
            Route::Logout => {
                let other = log_in(&self.stack, &self.wayan.email, PASSWORD).await;
                Case::new("POST /api/auth/logout", Method::POST, "/api/auth/logout", Some(&other.access))
            }
            Route::ApiKeys => case("GET /api/auth/api-keys", Method::GET, "/api/auth/api-keys".into()),
            Route::CreateApiKey => case("POST /api/auth/api-keys", Method::POST, "/api/auth/api-keys".into())
                .json(json!({ "name": "skrip", "scopes": ["gallery:read"] })),
            Route::RevokeApiKey => {
                let made = case("", Method::POST, "/api/auth/api-keys".into())
                    .json(json!({ "name": format!("sekali {run}"), "scopes": ["gallery:read"] }));
                let made = super::send(&self.stack, &made).await;
                let id = made.body["data"]["id"].as_str().unwrap_or_else(|| panic!("a new key: {}", made.text));
                case("DELETE /api/auth/api-keys/{id}", Method::DELETE, format!("/api/auth/api-keys/{id}"))
            }
            Route::Profile => case("GET /api/auth/profile", Method::GET, "/api/auth/profile".into()),
            Route::UpdateProfile => case("PATCH /api/auth/profile", Method::PATCH, "/api/auth/profile".into())
                .json(json!({ "name": format!("Siti {run}") })),
            Route::Settings => case("GET /api/auth/settings", Method::GET, "/api/auth/settings".into()),
            Route::UpdateSettings => case("PATCH /api/auth/settings", Method::PATCH, "/api/auth/settings".into())
                .json(json!({ "default_quality": if run.is_multiple_of(2) { "high" } else { "standard" } })),
            Route::SetGeminiKey => case("PUT /api/auth/gemini-key", Method::PUT, "/api/auth/gemini-key".into())
                .json(json!({ "api_key": GEMINI_KEY })),
            Route::GeminiKey => case("GET /api/auth/gemini-key", Method::GET, "/api/auth/gemini-key".into()),
            Route::DeleteGeminiKey => {
                let set = case("", Method::PUT, "/api/auth/gemini-key".into()).json(json!({ "api_key": GEMINI_KEY }));
                let set = super::send(&self.stack, &set).await;
                assert_eq!(set.status, 200, "a key to delete: {}", set.text);
                case("DELETE /api/auth/gemini-key", Method::DELETE, "/api/auth/gemini-key".into())
            }
            Route::Categories => {
                Case::new("GET /api/templates/categories", Method::GET, "/api/templates/categories", None)
            }
            Route::Templates => Case::new("GET /api/templates", Method::GET, "/api/templates", None),
            Route::Template => {
                Case::new("GET /api/templates/{slug}", Method::GET, "/api/templates/batik-pattern", None)
            }
            Route::Cron => {
                // An image that retention deletes, objects and row, in the run under test.
                let image = stored_image(&self.stack, &self.siti.id, 0, false).await;
                let past_retention = format!(
                    "update generated_images set created_at = now() - interval '91 days' where id = '{}'",
                    image.id
                );
                Case::new("GET /api/cron/reset", Method::GET, "/api/cron/reset", None)
                    .header("authorization", format!("Bearer {}", studio_local::stack::LOCAL_CRON_SECRET))
                    .due(past_retention)
                    .reports_failures()
            }
        }
    }
}

async fn run(routes: &[(Route, &[Service])]) {
    let stack = TestStack::start_with_private_redis(&[]).await;
    let siti = signed_up(&stack, "siti@example.com").await;
    let budi = signed_up(&stack, "budi@example.com").await;
    let wayan = signed_up(&stack, "wayan@example.com").await;
    let fixture = Fixture { stack, siti, budi, wayan, runs: AtomicUsize::new(0) };
    for &(route, services) in routes {
        for_each(&fixture.stack, services, || fixture.case(route)).await;
    }
}

#[tokio::test]
async fn auth_templates_and_the_cron_killed_at_any_step_are_all_or_nothing() {
    run(&[
        (Route::Register, &[Postgrest, Redis]),
        (Route::Login, &[Postgrest, Redis]),
        (Route::Refresh, &[Postgrest]),
        (Route::Sessions, &[Postgrest]),
        (Route::EndSession, &[Postgrest]),
        (Route::Logout, &[Postgrest]),
        (Route::ApiKeys, &[Postgrest]),
        (Route::CreateApiKey, &[Postgrest]),
        (Route::RevokeApiKey, &[Postgrest]),
        (Route::Profile, &[Postgrest]),
        (Route::UpdateProfile, &[Postgrest]),
        (Route::Settings, &[Postgrest]),
        (Route::UpdateSettings, &[Postgrest]),
        (Route::SetGeminiKey, &[Postgrest]),
        (Route::GeminiKey, &[Postgrest]),
        (Route::DeleteGeminiKey, &[Postgrest]),
        (Route::Templates, &[Postgrest]),
        (Route::Template, &[Postgrest]),
        (Route::Categories, &[Postgrest]),
        (Route::Cron, &[Postgrest, Storage]),
    ])
    .await;
}
