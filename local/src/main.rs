//! `studio-local`: the whole studio on this machine (`cargo run -p studio-local`), or the
//! PostgREST-compatible server alone (`studio-local postgrest --database-url URL …`), or the
//! environment a deployed function gets against a stack at a URL (`studio-local function-env URL`).

use std::process::ExitCode;
use std::sync::Arc;

use studio_local::faults::Faults;
use studio_local::pg::{self, Cluster, ClusterOptions};
use studio_local::postgrest;
use studio_local::resend::Outbox;
use studio_local::stack::{self, Keys, LOCAL_JWT_SECRET};
use tokio_postgres::NoTls;

const USAGE: &str = "usage:
  studio-local                      run the studio: database, stand-ins, API and app
      PORT (default 3000)           where the studio listens on 127.0.0.1
      DATABASE_URL                  use this PostgreSQL server (a superuser URL) instead of the private cluster
      STUDIO_DB_PORT (default 54322) port of the private cluster
      STUDIO_DB_DIR                 where the private cluster lives (default .studio/db, or under
                                    /var/tmp when run as root: the server's user must reach it)
  studio-local postgrest --database-url URL --schema NAME --anon-role ROLE --jwt-secret SECRET --port PORT
                                    the PostgREST-compatible server alone, without the API-key gateway
  studio-local function-env URL     print NAME=VALUE lines: what an api/ binary needs to use the studio at URL";

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None => run_studio().await,
        Some("postgrest") => run_postgrest(&args[1..]).await,
        Some("function-env") => print_function_env(&args[1..]),
        Some(_) => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("studio-local: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run_studio() -> Result<(), Error> {
    let root = pg::repo_root();
    let (cluster, database_url) = match env_var("DATABASE_URL") {
        Some(url) => (None, url),
        None => {
            let port = env_var("STUDIO_DB_PORT").map(|p| p.parse()).transpose()?.unwrap_or(54322);
            let dir = env_var("STUDIO_DB_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| pg::cluster_dir(&root));
            let old = root.join(".studio").join("pg");
            if old.join("data").exists() && dir != old {
                println!(
                    "Note: {} holds a cluster of an earlier layout, no longer used; it may be deleted.",
                    old.display()
                );
            }
            println!("Starting PostgreSQL in {} on port {port} …", dir.display());
            let cluster = Cluster::start(&ClusterOptions { dir, port, ephemeral: false })?;
            let url = cluster.url("postgres");
            (Some(cluster), url)
        }
    };
    let report = pg::migrate(&database_url, &root.join("supabase")).await?;
    for file in &report.applied {
        println!("  applied migration {file}");
    }
    if report.seeded {
        println!("  applied seed.sql");
    }

    let keys = Keys::new(LOCAL_JWT_SECRET);
    let port = env_var("PORT").map(|p| p.parse()).transpose()?.unwrap_or(3000);
    let (listener, url) = stack::bind(port).await?;
    let mut env = stack::function_env(&url, &keys);
    let gemini = studio_local::gemini::choose_backend(&mut env, env_var);
    let app = Arc::new(studio::App::new(stack::app_config(&env)?));
    let faults = Faults::default();
    let outbox = Outbox::default();
    let received = studio_local::gemini::Requests::default();
    let storage_dir = root.join(".studio").join("storage");
    // Each stand-in logs in as its real service does.
    let router = stack::router(stack::Parts {
        pool: pool_as(&database_url, "authenticator")?,
        storage_pool: pool_as(&database_url, "supabase_storage_admin")?,
        keys: &keys,
        app,
        faults: &faults,
        outbox: &outbox,
        gemini: &received,
        upstash: studio_local::upstash::Upstash::start(),
        storage_dir: &storage_dir,
        public_dir: &root.join("public"),
    });
    println!("AI Image Studio is running at {url}");
    println!("  API        {url}/api/templates");
    println!("  API docs   {url}/docs/api  (OpenAPI: {url}/openapi.yaml, {url}/openapi.json)");
    println!("  cron       {url}/api/cron/reset  (Authorization: Bearer {})", stack::LOCAL_CRON_SECRET);
    println!("  PostgREST  {url}/rest/v1  (apikey: {})", keys.anon_key);
    let upstash = studio_local::upstash::backend_in_use();
    println!("  Upstash    {url}/upstash  (token: {})  over {upstash}", studio_local::upstash::LOCAL_UPSTASH_TOKEN);
    println!("  database   {database_url}");
    println!("  Resend     {url}/resend  (stand-in: nothing leaves this machine; mail lands in the outbox)");
    println!("  outbox     {url}/__outbox");
    println!("  Storage    {url}/storage/v1  (objects in {}; buckets from storage.buckets)", storage_dir.display());
    println!("  {gemini}");
    println!("Press Ctrl-C to stop.");
    // The stack's own accept loop, so that `/__control/outages` can cut connections mid-request.
    tokio::select! {
        () = studio_local::outage::serve(listener, router) => {}
        () = shutdown_signal() => {}
    }
    if let Some(cluster) = cluster {
        println!("Stopping PostgreSQL …");
        cluster.stop();
    }
    Ok(())
}

async fn run_postgrest(args: &[String]) -> Result<(), Error> {
    let flag = |name: &str| -> Result<String, Error> {
        let at = args.iter().position(|a| a == name).ok_or_else(|| format!("missing {name}\n{USAGE}"))?;
        args.get(at + 1).cloned().ok_or_else(|| format!("{name} needs a value\n{USAGE}").into())
    };
    let settings = postgrest::Settings {
        schema: flag("--schema")?,
        anon_role: flag("--anon-role")?,
        jwt_secret: flag("--jwt-secret")?,
        max_rows: None,
        gateway: None,
    };
    let port: u16 = flag("--port")?.parse()?;
    Ok(postgrest::serve_standalone(&flag("--database-url")?, settings, port).await?)
}

/// The stand-ins' loopback keys only: a live Gemini key of this shell is never printed.
fn print_function_env(args: &[String]) -> Result<(), Error> {
    let [url] = args else { return Err(USAGE.into()) };
    for (name, value) in stack::function_env(url.trim_end_matches('/'), &Keys::new(LOCAL_JWT_SECRET)) {
        println!("{name}={value}");
    }
    Ok(())
}

/// A pool for the server of `url` (same host, port, database and password) logged in as `role`.
fn pool_as(url: &str, role: &str) -> Result<deadpool_postgres::Pool, Error> {
    let mut config: tokio_postgres::Config = url.parse()?;
    config.user(role);
    let manager = deadpool_postgres::Manager::new(config, NoTls);
    Ok(deadpool_postgres::Pool::builder(manager).build()?)
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Ctrl-C or SIGTERM: stop accepting, finish what is in flight, then stop the database.
async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match terminate.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
    }
}
