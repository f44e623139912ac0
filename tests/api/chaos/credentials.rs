//! Passwords, e-mailed links, logout-all and deleting an account under outages: each route with
//! the database, Storage or Redis killed at each of its steps. Each run has an account of its own
//! (and its own caller address), so that no limit of logins or mail is met and a consumed token,
//! an ended login or a deleted account does not carry over to the next run.
//!
//! E-mails are part of the compared state (`state`): an e-mail whose token or change was not saved
//! is a failure like a half-written row. A link is mailed only after its token is stored
//! (`mail_token`); a stored token whose e-mail never left would be harmless (it only expires, and a
//! retry stores and mails a fresh one), but a request killed at the database writes neither.

use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::faults::Service::{self, Postgrest, Redis, Storage};
use studio_local::testing::TestStack;

use super::{Case, for_each};
use crate::auth_account::deletion::stored_image;
use crate::helpers::{PASSWORD, mailed_token, request, send};

const NEW_PASSWORD: &str = "teh-manis-sore-hari";

struct Fixture {
    stack: TestStack,
    runs: AtomicUsize,
}

/// An account made for one run, with the address it calls from.
struct Newcomer {
    id: String,
    email: String,
    ip: String,
    access: String,
}

#[derive(Clone, Copy)]
enum Route {
    VerifyEmail,
    ResendVerification,
    ForgotPassword,
    ResetPassword,
    ChangePassword,
    LogoutAll,
    DeleteAccount,
}

impl Fixture {
    /// Registers a new account from a new address; signs it in too if `sign_in` (verified first).
    async fn newcomer(&self, sign_in: bool) -> Newcomer {
        let run = self.runs.fetch_add(1, Ordering::Relaxed);
        let (email, ip) = (format!("made{run}@example.com"), format!("10.8.{}.{}", run / 250, run % 250));
        let body = json!({ "email": email, "password": PASSWORD, "name": "Made" });
        let registered = self.post("register", &ip, body).await;
        assert_eq!(registered.0, 202, "register: {}", registered.1);
        let mut newcomer = Newcomer { id: String::new(), email, ip, access: String::new() };
        if sign_in {
            let verified = self.post("verify-email", &newcomer.ip, json!({ "token": self.token(&newcomer) })).await;
            assert_eq!(verified.0, 200, "verify: {}", verified.1);
            let body = json!({ "email": newcomer.email, "password": PASSWORD, "transport": "body" });
            let login = self.post("login", &newcomer.ip, body).await;
            assert_eq!(login.0, 200, "login: {}", login.1);
            newcomer.access = login.1["data"]["access_token"].as_str().unwrap().to_owned();
            newcomer.id = login.1["data"]["user"]["id"].as_str().unwrap().to_owned();
        }
        newcomer
    }

    async fn post(&self, route: &str, ip: &str, body: Value) -> (u16, Value) {
        let url = format!("{}/api/auth/{route}", self.stack.url);
        let answer = send(request(Method::POST, &url, None, Some(body)).header("x-vercel-forwarded-for", ip)).await;
        (answer.status, answer.body)
    }

    fn token(&self, newcomer: &Newcomer) -> String {
        mailed_token(&self.stack, &newcomer.email)
    }

    async fn case(&self, route: Route) -> Case {
        let post = |name: &str, newcomer: &Newcomer| {
            let path = name.trim_start_matches("POST ").to_owned();
            Case::new(name, Method::POST, path, None).header("x-vercel-forwarded-for", newcomer.ip.clone())
        };
        match route {
            Route::VerifyEmail => {
                let newcomer = self.newcomer(false).await;
                post("POST /api/auth/verify-email", &newcomer).json(json!({ "token": self.token(&newcomer) }))
            }
            Route::ResendVerification => {
                let newcomer = self.newcomer(false).await;
                post("POST /api/auth/resend-verification", &newcomer).json(json!({ "email": newcomer.email }))
            }
            Route::ForgotPassword => {
                let newcomer = self.newcomer(true).await;
                post("POST /api/auth/password/forgot", &newcomer).json(json!({ "email": newcomer.email }))
            }
            Route::ResetPassword => {
                let newcomer = self.newcomer(true).await;
                let forgot = self.post("password/forgot", &newcomer.ip, json!({ "email": newcomer.email })).await;
                assert_eq!(forgot.0, 202, "forgot: {}", forgot.1);
                post("POST /api/auth/password/reset", &newcomer)
                    .json(json!({ "token": self.token(&newcomer), "password": NEW_PASSWORD }))
            }
            Route::ChangePassword => {
                let newcomer = self.newcomer(true).await;
                let body = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
                post("POST /api/auth/password/change", &newcomer).json(body).bearer(&newcomer.access)
            }
            Route::LogoutAll => {
                let newcomer = self.newcomer(true).await;
                post("POST /api/auth/logout-all", &newcomer).bearer(&newcomer.access)
            }
            // With a published image, so that both buckets hold objects. Every stored object
            // goes first, then the row (account.rs): a database lost in between leaves the account
            // without some objects, and the documented recovery is the retry, which its owner must
            // still be signed in to make.
            Route::DeleteAccount => {
                let newcomer = self.newcomer(true).await;
                let run = u32::try_from(self.runs.load(Ordering::Relaxed)).unwrap();
                stored_image(&self.stack, &newcomer.id, run, true).await;
                Case::new("DELETE /api/auth/account", Method::DELETE, "/api/auth/account", Some(&newcomer.access))
                    .json(json!({ "password": PASSWORD }))
                    .completed_by_retry()
            }
        }
    }
}

#[tokio::test]
async fn passwords_mailed_links_and_account_deletion_killed_at_any_step_are_all_or_nothing() {
    let fixture = Fixture { stack: TestStack::start_with_private_redis(&[]).await, runs: AtomicUsize::new(0) };
    let routes: &[(Route, &[Service])] = &[
        (Route::VerifyEmail, &[Postgrest]),
        (Route::ResendVerification, &[Postgrest, Redis]),
        (Route::ForgotPassword, &[Postgrest, Redis]),
        (Route::ResetPassword, &[Postgrest]),
        (Route::ChangePassword, &[Postgrest, Redis]),
        (Route::LogoutAll, &[Postgrest]),
        (Route::DeleteAccount, &[Postgrest, Storage, Redis]),
    ];
    for &(route, services) in routes {
        for_each(&fixture.stack, services, || fixture.case(route)).await;
    }
}
