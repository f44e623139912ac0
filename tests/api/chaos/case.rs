//! One request of a route as the chaos harness sends it, with what the harness must know about
//! the route's documented answers to an outage; and sending it with a time limit.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use studio_local::faults::Service;
use studio_local::testing::TestStack;

/// One request of a route, built afresh for each run.
pub struct Case {
    pub name: String,
    pub method: Method,
    /// From the stack's root: `/api/gallery/…`.
    pub path: String,
    pub bearer: Option<String>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
    /// The services without which the route answers anyway, by design (docs/DECISIONS.md): an
    /// API key's own request budget in Redis guards nothing that costs money, so an unreachable
    /// Redis lets the request through. Killing one of these may give a 2xx; any other kill may not.
    pub fails_open: Vec<Service>,
    /// A deletion removes the stored objects before the row, so that no object is ever left
    /// without a row pointing at it (the orphan sweep covers only the private bucket); a database
    /// lost in between leaves the row, and the documented recovery is the retry. For these, a
    /// half-done deletion is accepted only if retrying it succeeds and leaves nothing new.
    pub completed_by_retry: bool,
    /// An unpublish removes the public copies before it clears the row's record of them
    /// (editing.rs): a database lost in between leaves the row saying published, and the documented
    /// recovery is again the retry, which finishes changing that row. For these cases the
    /// completing retry may change (never add) rows of this table.
    pub retry_changes: Option<&'static str>,
    /// The cron's steps are independent and each keeps its progress; its documented answer to a
    /// failed step is a 200 report naming the step and its error (`failed`), with `remaining`
    /// set, and the next run carries on. For it a 2xx is accepted only if it reports the failure.
    pub reports_failures: bool,
    /// An idempotent write (a collection's change, adding images to it, removing them) answers with a second
    /// read after its commit; that read failing answers an error for a change made whole. A change
    /// left behind by a failure is accepted only if it was whole: retrying it changes nothing more.
    pub idempotent: bool,
    /// A share link's first look is counted (`view_count` of the link and its image, a
    /// `share_view` usage row) by the steps that open the link, before its content is loaded: a
    /// visit that fails afterwards still counts as a view. Statistics, not a half-written change:
    /// left out of the comparison for these cases.
    pub counts_views: bool,
    /// The share page answers people and link previewers with a page, never the JSON envelope
    /// (share_page.rs): its failure is checked as a page saying so, with the status alone.
    pub page: bool,
    /// SQL run just before each attempt, after the harness's own cron has cleaned up: it makes work
    /// due for the request (the cron's case ages an image past retention, so that its run has
    /// objects to delete).
    pub due: Option<String>,
}

pub enum Body {
    None,
    Json(Value),
    Png(Vec<u8>),
}

impl Case {
    pub fn new(name: impl Into<String>, method: Method, path: impl Into<String>, bearer: Option<&str>) -> Self {
        Self {
            name: name.into(),
            method,
            path: path.into(),
            bearer: bearer.map(str::to_owned),
            headers: Vec::new(),
            body: Body::None,
            fails_open: Vec::new(),
            completed_by_retry: false,
            retry_changes: None,
            reports_failures: false,
            idempotent: false,
            counts_views: false,
            page: false,
            due: None,
        }
    }

    pub fn png(mut self, bytes: Vec<u8>) -> Self {
        self.body = Body::Png(bytes);
        self
    }

    pub fn page(mut self) -> Self {
        self.page = true;
        self
    }

    pub fn counts_views(mut self) -> Self {
        self.counts_views = true;
        self
    }

    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    pub fn due(mut self, sql: impl Into<String>) -> Self {
        self.due = Some(sql.into());
        self
    }

    pub fn reports_failures(mut self) -> Self {
        self.reports_failures = true;
        self
    }

    pub fn completed_by_retry(mut self) -> Self {
        self.completed_by_retry = true;
        self
    }

    pub fn completed_by_retry_changing(mut self, table: &'static str) -> Self {
        self.retry_changes = Some(table);
        self.completed_by_retry()
    }

    pub fn fails_open(mut self, service: Service) -> Self {
        self.fails_open.push(service);
        self
    }

    pub fn bearer(mut self, token: &str) -> Self {
        self.bearer = Some(token.to_owned());
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }
}

/// What came back: the status and, for JSON answers, the body.
pub struct Outcome {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

/// Sends `case`; a route must answer within the limit even with a dependency dead.
pub async fn send(stack: &TestStack, case: &Case) -> Outcome {
    let mut request = reqwest::Client::new().request(case.method.clone(), format!("{}{}", stack.url, case.path));
    if let Some(token) = &case.bearer {
        request = request.bearer_auth(token);
    }
    for (name, value) in &case.headers {
        request = request.header(*name, value);
    }
    request = match &case.body {
        Body::None => request,
        Body::Json(body) => request.json(body),
        Body::Png(bytes) => request.header("content-type", "image/png").body(bytes.clone()),
    };
    let answered = async {
        let response = request.send().await.expect("the function answers");
        let status = response.status().as_u16();
        // A streamed file may be cut after its headers: that is a failed transfer, not an answer.
        let text = match response.bytes().await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(err) => format!("<transfer failed: {err}>"),
        };
        Outcome { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
    };
    tokio::time::timeout(Duration::from_secs(30), answered).await.unwrap_or_else(|_| panic!("{}: hung", case.name))
}
