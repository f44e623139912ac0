//! The operator's view: who the operator is (the confirmed `OPERATOR_EMAIL` account, or an account
//! flagged in SQL), the daily reports it reads at `GET /api/auth/operator/reports`, and the 404 of
//! an unknown path that everyone else gets there; and the figures behind the reports: the time and
//! the failures recorded per generation and per route.

mod access;
mod reports;
mod timings;

use reqwest::Method;
use studio_local::testing::TestStack;

use crate::helpers::{Answer, request, send};

pub const OPERATOR: &str = "ops@studio.example";
pub const REPORTS: &str = "/api/auth/operator/reports";

/// `method path` with `bearer`, if any.
pub async fn call(stack: &TestStack, method: Method, path: &str, bearer: Option<&str>) -> Answer {
    send(request(method, &format!("{}{path}", stack.url), bearer, None)).await
}

/// Runs SQL against the test database.
pub async fn sql(stack: &TestStack, statement: &str) {
    stack.db.client().await.batch_execute(statement).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
}
