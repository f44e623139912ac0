//! The test harness: one PostgreSQL cluster per test binary (started on first use, stopped when the
//! binary exits), a fresh database per test cloned from a template that has the real migrations and
//! seed, and servers on ephemeral loopback ports inside the test's own runtime.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use deadpool_postgres::{Pool, Runtime};
use tokio_postgres::NoTls;

use crate::faults::Faults;
use crate::pg::{self, Cluster, ClusterOptions, PgError};
use crate::resend::Outbox;
use crate::stack::{self, Keys, LOCAL_JWT_SECRET};

const MIGRATED_TEMPLATE: &str = "studio_template";
const BOOTSTRAPPED_TEMPLATE: &str = "bootstrap_template";

struct Shared {
    cluster: Cluster,
    dir: PathBuf,
}

static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();

/// The binary's cluster, created once; a failure is reported by every test that needs it.
fn shared() -> &'static Shared {
    // Started on a thread of its own with its own runtime, so that no test's runtime owns it.
    let result = SHARED.get_or_init(|| {
        std::thread::spawn(|| start_shared().map_err(|e| e.to_string()))
            .join()
            .unwrap_or_else(|_| Err("the cluster start-up thread panicked".into()))
    });
    match result {
        Ok(shared) => shared,
        Err(err) => panic!("the test PostgreSQL cluster could not start: {err}"),
    }
}

fn start_shared() -> Result<Shared, PgError> {
    let dir = tempfile::Builder::new().prefix("studio-test-pg-").tempdir()?.keep();
    let port = free_port()?;
    let cluster = Cluster::start(&ClusterOptions { dir: dir.clone(), port, ephemeral: true })?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(create_templates(&cluster))?;
    // SAFETY: registers a plain function to run at process exit.
    unsafe { libc::atexit(stop_shared) };
    Ok(Shared { cluster, dir })
}

async fn create_templates(cluster: &Cluster) -> Result<(), PgError> {
    let admin = connect(&cluster.url("postgres")).await?;
    // The cluster's roles (and its `postgres` database shaped as a project's) come first.
    pg::bootstrap(&admin).await?;
    for name in [MIGRATED_TEMPLATE, BOOTSTRAPPED_TEMPLATE] {
        // Owned by postgres, as a hosted project's database is.
        admin.batch_execute(&format!("create database {name} owner postgres")).await?;
    }
    pg::migrate(&cluster.url(MIGRATED_TEMPLATE), &pg::repo_root().join("supabase")).await?;
    pg::bootstrap(&connect(&cluster.url(BOOTSTRAPPED_TEMPLATE)).await?).await?;
    Ok(())
}

extern "C" fn stop_shared() {
    if let Some(Ok(shared)) = SHARED.get() {
        shared.cluster.stop();
        let _ = std::fs::remove_dir_all(&shared.dir);
    }
}

/// A database of its own for one test.
pub struct TestDb {
    pub name: String,
    /// `postgres://supabase_admin@127.0.0.1:PORT/NAME`: the superuser, for arranging and asserting
    /// in SQL (`postgres` is not one, as on a hosted project).
    pub url: String,
    pub pool: Pool,
}

impl TestDb {
    /// A fresh database with the Supabase bootstrap, every migration and the seed.
    pub async fn migrated() -> Self {
        Self::clone_of(MIGRATED_TEMPLATE).await
    }

    /// A fresh database with only the Supabase bootstrap (roles, `auth.uid()`, schemas).
    pub async fn bootstrapped() -> Self {
        Self::clone_of(BOOTSTRAPPED_TEMPLATE).await
    }

    async fn clone_of(template: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let shared = shared();
        let name = format!("test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let admin = connect(&shared.cluster.url("postgres")).await.expect("connect to the test cluster");
        // CREATE DATABASE refuses while another creation reads the same template: retry briefly.
        let mut attempts = 0;
        while let Err(err) =
            admin.batch_execute(&format!("create database {name} owner postgres template {template}")).await
        {
            attempts += 1;
            assert!(attempts < 50, "create database {name}: {err}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let url = shared.cluster.url(&name);
        let pool = pool(&url);
        Self { name, url, pool }
    }

    /// A superuser connection for arranging data and asserting on rows.
    pub async fn client(&self) -> deadpool_postgres::Object {
        self.pool.get().await.expect("a connection to the test database")
    }

    /// A connection string for this database as `role`: `postgres` (what migrations run as),
    /// `authenticator` (PostgREST), `supabase_storage_admin` (Storage).
    pub fn url_as(&self, role: &str) -> String {
        shared().cluster.url_as(role, &self.name)
    }
}

/// A connection pool for `url`.
pub fn pool(url: &str) -> Pool {
    let config = deadpool_postgres::Config { url: Some(url.to_owned()), ..Default::default() };
    config.create_pool(Some(Runtime::Tokio1), NoTls).expect("a valid pool configuration")
}

/// Serves `router` on a free loopback port in the current runtime; returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let (listener, url) = stack::bind(0).await.expect("bind a loopback port");
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// The whole local stack over a fresh migrated database, with the library configured to reach it
/// over HTTP exactly as it reaches Supabase in production.
pub struct TestStack {
    pub db: TestDb,
    /// Base URL: `{url}/api/templates`, `{url}/rest/v1/...`.
    pub url: String,
    pub keys: Keys,
    pub app: Arc<studio::App>,
    /// Queue faults for the stand-ins of this stack, and kill and restore them (`faults.outages`).
    pub faults: Faults,
    /// The mail the Resend stand-in of this stack accepted.
    pub outbox: Outbox,
    /// The requests the Gemini stand-in of this stack received, bodies included.
    pub gemini: crate::gemini::Requests,
    /// The Storage stand-in's directory (`storage::object_file` finds an object's bytes there).
    pub storage_dir: PathBuf,
    /// Keeps `storage_dir` for the life of the stack, then removes it.
    _storage: tempfile::TempDir,
}

/// The answer floor of register, forgot and resend in tests (`AUTH_MAIL_ANSWER_MS`), unless the
/// test sets its own.
pub const TEST_MAIL_ANSWER_MS: &str = "5";

impl TestStack {
    pub async fn start() -> Self {
        Self::start_with_env(&[]).await
    }

    /// A stack whose library configuration has `overrides` on top of the local environment.
    pub async fn start_with_env(overrides: &[(&str, &str)]) -> Self {
        Self::start_serving(overrides, pg::repo_root().join("public")).await
    }

    /// A stack serving the app from `public_dir` (a copy a test may change, e.g. to publish a new
    /// service worker) instead of the repository's `public/`.
    pub async fn start_serving(overrides: &[(&str, &str)], public_dir: PathBuf) -> Self {
        Self::assemble(overrides, public_dir, crate::upstash::Upstash::start()).await
    }

    /// A stack whose Upstash stand-in has a `redis-server` of its own, so that an outage of
    /// [`Service::Redis`](crate::faults::Service::Redis) really stops and restarts it. Panics when
    /// `redis-server` is not installed: such a test would otherwise kill nothing.
    pub async fn start_with_private_redis(overrides: &[(&str, &str)]) -> Self {
        let upstash = match crate::upstash::Upstash::private() {
            Ok(Some(upstash)) => upstash,
            Ok(None) => panic!("redis-server is not installed (Debian: apt-get install redis-server)"),
            Err(err) => panic!("{err}"),
        };
        Self::assemble(overrides, pg::repo_root().join("public"), upstash).await
    }

    async fn assemble(overrides: &[(&str, &str)], public_dir: PathBuf, upstash: crate::upstash::Upstash) -> Self {
        let db = TestDb::migrated().await;
        let keys = Keys::new(LOCAL_JWT_SECRET);
        let (listener, url) = stack::bind(0).await.expect("bind a loopback port");
        let mut vars: Vec<(String, String)> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        // Register, forgot and resend answer after 1.5 s in production; tests that do not measure
        // that floor (an override wins: the first of a name counts) should not wait for it.
        vars.push(("AUTH_MAIL_ANSWER_MS".into(), TEST_MAIL_ANSWER_MS.into()));
        vars.extend(stack::function_env(&url, &keys));
        let config = stack::app_config(&vars).expect("a valid local configuration");
        let app = Arc::new(studio::App::new(config));
        let faults = Faults::default();
        let outbox = Outbox::default();
        let gemini = crate::gemini::Requests::default();
        let storage = tempfile::Builder::new().prefix("studio-test-storage-").tempdir().expect("a storage directory");
        let storage_dir = storage.path().to_path_buf();
        // Each stand-in logs in as its real service does: PostgREST as authenticator, Storage as
        // supabase_storage_admin; the tests keep the superuser pool (`db.pool`).
        let router = stack::router(stack::Parts {
            pool: pool(&db.url_as("authenticator")),
            storage_pool: pool(&db.url_as("supabase_storage_admin")),
            keys: &keys,
            app: app.clone(),
            faults: &faults,
            outbox: &outbox,
            gemini: &gemini,
            upstash,
            storage_dir: &storage_dir,
            public_dir: &public_dir,
        });
        tokio::spawn(crate::outage::serve(listener, router));
        Self { db, url, keys, app, faults, outbox, gemini, storage_dir, _storage: storage }
    }

    /// The environment a deployed function would get, pointing at this stack.
    pub fn function_env(&self) -> Vec<(String, String)> {
        stack::function_env(&self.url, &self.keys)
    }

    /// Makes the stored object `bucket/key` look `age` older, as if it had been stored that much
    /// earlier ([`crate::storage::backdate`]).
    pub async fn backdate(&self, bucket: &str, key: &str, age: std::time::Duration) {
        crate::storage::backdate(&self.storage_dir, &self.db.pool, bucket, key, age)
            .await
            .unwrap_or_else(|e| panic!("backdate {bucket}/{key}: {e:?}"));
    }
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, PgError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts a built api/ binary the way `vercel_runtime` serves locally: on a free loopback port
/// (`VERCEL_DEV_PORT`) with exactly `env` as its environment, output discarded, killed when the
/// handle drops. Returns the process and its port; callers wait for it as their measurement needs.
pub fn spawn_function(
    binary: &std::path::Path,
    env: &[(String, String)],
) -> std::io::Result<(tokio::process::Child, u16)> {
    let port = free_port()?;
    let child = tokio::process::Command::new(binary)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("VERCEL_DEV_PORT", port.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    Ok((child, port))
}

/// `npm ci` in `dir` from its committed lock file (exact versions, no install scripts that fetch
/// browsers), unless node_modules was installed after the lock file last changed.
pub async fn npm_ci(dir: &std::path::Path) {
    let modified = |path: &std::path::Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let installed = modified(&dir.join("node_modules").join(".package-lock.json"));
    if matches!((installed, modified(&dir.join("package-lock.json"))), (Some(i), Some(l)) if i >= l) {
        return;
    }
    let status = tokio::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .status()
        .await
        .expect("npm runs (is Node.js installed?)");
    assert!(status.success(), "npm ci in {} failed: {status}", dir.display());
}
