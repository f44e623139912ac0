//! The local stack as `TestStack` assembles it, with one layer in front that counts the bytes of
//! every answer by the service that sent it, and the `redis-server` behind the Upstash stand-in
//! read through `INFO commandstats` (a server of its own, so only this stack's commands count).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use studio_local::faults::Faults;
use studio_local::gemini::Requests;
use studio_local::resend::Outbox;
use studio_local::stack::{self, Keys, LOCAL_JWT_SECRET};
use studio_local::testing::{TestDb, pool};
use studio_local::upstash::{LOCAL_UPSTASH_TOKEN, Upstash};

/// Requests carrying this header are the program's own probes (INFO): not counted.
const PROBE: &str = "x-capacity-probe";

/// Who sent an answer, as the plans bill it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Service {
    /// A Vercel function (`/api/*`, `/s/*`): Vercel's data transfer and an invocation.
    Function,
    /// The app's static files: Vercel's data transfer.
    Static,
    /// PostgREST answering the function: Supabase egress.
    Database,
    /// Storage answering the function (signing, uploads, downloads of originals): Supabase egress.
    StorageToFunction,
    /// Storage answering the browser (signed and public object URLs): Supabase egress.
    StorageToBrowser,
    /// The Upstash REST API answering the function: Upstash bandwidth.
    Upstash,
    /// Resend and Gemini answering the function: billed by neither free plan by the byte.
    Other,
}

impl Service {
    /// Its name in the probe's JSON.
    pub fn key(self) -> &'static str {
        match self {
            Service::Function => "function",
            Service::Static => "static",
            Service::Database => "postgrest",
            Service::StorageToFunction => "storage_to_function",
            Service::StorageToBrowser => "storage_to_browser",
            Service::Upstash => "upstash",
            Service::Other => "other",
        }
    }
}

fn service_of(method: &axum::http::Method, path: &str) -> Service {
    let object_url = path.starts_with("/storage/v1/object/sign/") || path.starts_with("/storage/v1/object/public/");
    match path {
        _ if path.starts_with("/api/") || path == "/api" || path.starts_with("/s/") => Service::Function,
        _ if path.starts_with("/rest/v1") => Service::Database,
        _ if object_url && method == axum::http::Method::GET => Service::StorageToBrowser,
        _ if path.starts_with("/storage/v1") => Service::StorageToFunction,
        _ if path.starts_with("/upstash") => Service::Upstash,
        _ if path.starts_with("/resend") || path.starts_with("/gemini") || path.starts_with("/__") => Service::Other,
        _ => Service::Static,
    }
}

/// Answer bytes and requests per service since the stack started.
#[derive(Clone, Default, Debug)]
pub struct Tally {
    pub bytes: BTreeMap<Service, u64>,
    pub requests: BTreeMap<Service, u64>,
}

impl Tally {
    /// What happened between `before` and `self`.
    pub fn since(&self, before: &Tally) -> Tally {
        let minus = |now: &BTreeMap<Service, u64>, then: &BTreeMap<Service, u64>| {
            now.iter().map(|(k, v)| (*k, v - then.get(k).copied().unwrap_or(0))).collect()
        };
        Tally { bytes: minus(&self.bytes, &before.bytes), requests: minus(&self.requests, &before.requests) }
    }

    /// `{"bytes": {service: n}, "requests": {service: n}}`, services by [`Service::key`].
    pub fn json(&self) -> Value {
        let by = |map: &BTreeMap<Service, u64>| map.iter().map(|(s, n)| (s.key().to_owned(), json!(n))).collect();
        json!({ "bytes": Value::Object(by(&self.bytes)), "requests": Value::Object(by(&self.requests)) })
    }

    pub fn bytes(&self, service: Service) -> u64 {
        self.bytes.get(&service).copied().unwrap_or(0)
    }
}

pub struct Metered {
    pub url: String,
    pub db: TestDb,
    pub faults: Faults,
    pub outbox: Outbox,
    tally: Arc<Mutex<Tally>>,
    http: reqwest::Client,
    _storage: tempfile::TempDir,
}

impl Metered {
    /// The whole stack over a fresh migrated database, its library configured by `overrides` on top
    /// of the local environment, the Upstash stand-in on a `redis-server` of its own.
    pub async fn start(overrides: &[(&str, &str)]) -> Result<Self, String> {
        let upstash =
            Upstash::private()?.ok_or("redis-server is not installed (Debian: apt-get install redis-server)")?;
        let db = TestDb::migrated().await;
        let keys = Keys::new(LOCAL_JWT_SECRET);
        let (listener, url) = stack::bind(0).await.map_err(|e| e.to_string())?;
        let mut vars: Vec<(String, String)> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        vars.extend(stack::function_env(&url, &keys));
        let app = Arc::new(studio::App::new(stack::app_config(&vars).map_err(|e| e.to_string())?));
        let (faults, outbox, gemini) = (Faults::default(), Outbox::default(), Requests::default());
        let storage = tempfile::Builder::new().prefix("studio-capacity-").tempdir().map_err(|e| e.to_string())?;
        let root = studio_local::pg::repo_root();
        let router = stack::router(stack::Parts {
            pool: pool(&db.url_as("authenticator")),
            storage_pool: pool(&db.url_as("supabase_storage_admin")),
            keys: &keys,
            app,
            faults: &faults,
            outbox: &outbox,
            gemini: &gemini,
            upstash,
            storage_dir: storage.path(),
            public_dir: &root.join("public"),
        });
        let tally = Arc::new(Mutex::new(Tally::default()));
        let counted = tally.clone();
        let read = tally.clone();
        // The counts so far, for the browser measurement (browser.mjs), which takes its own
        // before and after around each thing it does.
        let probe = axum::routing::get(move || {
            let tally = read.lock().unwrap_or_else(|p| p.into_inner()).clone();
            async move { axum::Json(tally.json()) }
        });
        let router = router.route("/__capacity/tally", probe).layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let tally = counted.clone();
                count(tally, req, next)
            },
        ));
        tokio::spawn(studio_local::outage::serve(listener, router));
        Ok(Self { url, db, faults, outbox, tally, http: reqwest::Client::new(), _storage: storage })
    }

    pub fn tally(&self) -> Tally {
        self.tally.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Calls per Redis command since the server started (`INFO commandstats`).
    pub async fn commandstats(&self) -> Result<BTreeMap<String, u64>, String> {
        let answer: Value = self
            .http
            .post(format!("{}/upstash", self.url))
            .bearer_auth(LOCAL_UPSTASH_TOKEN)
            .header(PROBE, "1")
            .json(&json!(["INFO", "commandstats"]))
            .send()
            .await
            .map_err(|e| format!("INFO: {e}"))?
            .json()
            .await
            .map_err(|e| format!("INFO: {e}"))?;
        let text = answer["result"].as_str().ok_or(format!("INFO answered {answer}"))?;
        Ok(parse_commandstats(text))
    }

    /// Sum of the sizes Storage's catalogue records for the objects under `prefix` in `bucket`.
    pub async fn stored(&self, bucket: &str, prefix: &str) -> Vec<(String, i64)> {
        let db = self.db.client().await;
        let rows = db
            .query(
                "select name, coalesce((metadata->>'size')::bigint, 0) from storage.objects
                  where bucket_id = $1 and name like $2 || '%' order by name",
                &[&bucket, &prefix],
            )
            .await
            .expect("read storage.objects");
        rows.iter().map(|r| (r.get(0), r.get(1))).collect()
    }
}

impl Metered {
    /// The user's images, and the bytes of their rows in the tables a generation writes
    /// (`generated_images`, `usage_logs`, `prompt_history`; `pg_column_size`, so indexes and page
    /// overhead are not counted).
    pub async fn row_bytes(&self, user: &str) -> (i64, i64) {
        let db = self.db.client().await;
        let row = db
            .query_one(
                "select (select count(*) from generated_images where user_id = $1::text::uuid),
                        (select coalesce(sum(pg_column_size(g.*)), 0) from generated_images g where user_id = $1::text::uuid)
                      + (select coalesce(sum(pg_column_size(u.*)), 0) from usage_logs u where user_id = $1::text::uuid)
                      + (select coalesce(sum(pg_column_size(p.*)), 0) from prompt_history p where user_id = $1::text::uuid)",
                &[&user],
            )
            .await
            .expect("read the row sizes");
        (row.get(0), row.get(1))
    }
}

/// `cmdstat_get:calls=3,usec=…` lines into `get → 3`.
pub fn parse_commandstats(text: &str) -> BTreeMap<String, u64> {
    let stat = |line: &str| {
        let (name, rest) = line.strip_prefix("cmdstat_")?.split_once(':')?;
        let calls = rest.split(',').find_map(|kv| kv.strip_prefix("calls="))?.parse().ok()?;
        Some((name.to_owned(), calls))
    };
    text.lines().filter_map(stat).collect()
}

/// Buffers each answer to count its bytes (none of the routes driven here streams for long).
async fn count(tally: Arc<Mutex<Tally>>, req: Request, next: Next) -> Response {
    if req.headers().contains_key(PROBE) {
        return next.run(req).await;
    }
    let service = service_of(req.method(), req.uri().path());
    let (parts, body) = next.run(req).await.into_parts();
    let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    {
        let mut tally = tally.lock().unwrap_or_else(|p| p.into_inner());
        *tally.bytes.entry(service).or_default() += bytes.len() as u64;
        *tally.requests.entry(service).or_default() += 1;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Redis commands that are the stand-in's own (connection set-up, isolation, transactions'
/// brackets) or this program's probe, not commands the library sends.
pub const NOT_BILLED: [&str; 5] = ["info", "select", "flushdb", "multi", "exec"];

/// Commands per name between two `commandstats`, without [`NOT_BILLED`].
pub fn commands_between(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .filter(|(name, _)| !NOT_BILLED.contains(&name.as_str()))
        .map(|(name, n)| (name.clone(), n - before.get(name).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Files under `dir` ending in `.png`, sorted.
pub fn pngs_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    found.retain(|p| p.extension().is_some_and(|e| e == "png"));
    found.sort();
    found
}
