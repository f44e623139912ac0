//! The routes measured, grouped by the function binary that serves them, each as the request it
//! sends (under vercel.json's rewrites: `/api/gallery/{id}` reaches the function as
//! `/api/gallery?_path={id}`) and the status it must answer.

use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};

use crate::seed::{self, PASSWORD, User};

/// What the routes are measured with: seeded users and an image of the gallery user's.
pub struct Fixture {
    pub gallery: User,
    pub image: String,
    /// Fresh users for generation (each sends at most [`PER_USER`]: under the rate limit).
    pub generators: Vec<User>,
    /// Fresh users for login (each signs in at most [`PER_USER`] times: under the per-account limit).
    pub logins: Vec<User>,
    /// A user whose refresh token is rotated request after request.
    pub refresher: User,
    pub cron_secret: String,
}

/// Requests per user on the limited routes, warm-ups included.
pub const PER_USER: usize = 8;
pub const WARM_UP: usize = 2;
/// Generation and login (argon2) cost far more per request: at most this many of them. The cron
/// is measured like the cheap routes: after the first run a rerun over the same day has little to
/// do, and its CPU needs as many requests as theirs to show above the 10 ms tick.
const COSTLY: usize = 40;

/// Request `k` to the function at `url`, given the previous answer (a refresh sends the token the
/// previous rotation returned).
pub type Make = Box<dyn FnMut(&Client, &str, usize, &Value) -> RequestBuilder + Send>;

pub struct Route {
    pub name: &'static str,
    pub requests: usize,
    pub expect: u16,
    pub make: Make,
}

fn route(name: &'static str, requests: usize, expect: u16, make: Make) -> Route {
    Route { name, requests, expect, make }
}

/// The timed requests of a costly route when `n` is asked for.
pub fn costly(n: usize) -> usize {
    n.min(COSTLY)
}

/// Users needed for `n` requests to a limited route, warm-ups included.
pub fn users_for(n: usize) -> usize {
    (costly(n) + WARM_UP).div_ceil(PER_USER)
}

/// Every route, `n` requests each (fewer for the costly ones), by function binary name.
pub fn table(fixture: Fixture, n: usize) -> Vec<(&'static str, Vec<Route>)> {
    let Fixture { gallery, image, generators, logins, refresher, cron_secret } = fixture;
    let (list, one) = (gallery.access.clone(), gallery.access);
    let quota = generators[0].access.clone();
    let (first_refresh, profile) = (refresher.refresh, refresher.access);
    vec![
        (
            "gallery",
            vec![
                route(
                    "GET /api/gallery",
                    n,
                    200,
                    Box::new(move |h, u, _, _| h.get(format!("{u}/api/gallery")).bearer_auth(&list)),
                ),
                route(
                    "GET /api/gallery/{id}",
                    n,
                    200,
                    Box::new(move |h, u, _, _| h.get(format!("{u}/api/gallery?_path={image}")).bearer_auth(&one)),
                ),
            ],
        ),
        (
            "templates",
            vec![route("GET /api/templates", n, 200, Box::new(|h, u, _, _| h.get(format!("{u}/api/templates"))))],
        ),
        (
            "generate",
            vec![
                route(
                    "POST /api/generate (preview renderer)",
                    costly(n),
                    201,
                    Box::new(move |h, u, k, _| {
                        let body =
                            json!({ "prompt": format!("pasar malam di Yogyakarta #{k}"), "aspect_ratio": "1:1" });
                        h.post(format!("{u}/api/generate"))
                            .bearer_auth(&generators[k % generators.len()].access)
                            .json(&body)
                    }),
                ),
                route(
                    "GET /api/generate/quota",
                    n,
                    200,
                    Box::new(move |h, u, _, _| h.get(format!("{u}/api/generate?_path=quota")).bearer_auth(&quota)),
                ),
            ],
        ),
        (
            "auth",
            vec![
                route(
                    "POST /api/auth/login (argon2)",
                    costly(n),
                    200,
                    Box::new(move |h, u, k, _| {
                        // An address per request: the per-address login limit is for one client.
                        let body = json!({ "email": logins[k % logins.len()].email, "password": PASSWORD, "transport": "body" });
                        h.post(format!("{u}/api/auth?_path=login"))
                            .header("x-vercel-forwarded-for", seed::next_ip())
                            .json(&body)
                    }),
                ),
                route(
                    "POST /api/auth/refresh",
                    n,
                    200,
                    Box::new(move |h, u, _, previous| {
                        let token = previous["data"]["refresh_token"].as_str().unwrap_or(&first_refresh);
                        h.post(format!("{u}/api/auth?_path=refresh")).json(&json!({ "refresh_token": token }))
                    }),
                ),
                route(
                    "GET /api/auth/profile",
                    n,
                    200,
                    Box::new(move |h, u, _, _| h.get(format!("{u}/api/auth?_path=profile")).bearer_auth(&profile)),
                ),
            ],
        ),
        (
            "cron-reset",
            vec![route(
                "GET /api/cron/reset",
                n,
                200,
                Box::new(move |h, u, _, _| h.get(format!("{u}/api/cron/reset")).bearer_auth(&cron_secret)),
            )],
        ),
    ]
}
