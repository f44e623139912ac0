//! `load`: the studio under 1,000 concurrent connections (gallery listing, template listing,
//! generation with the preview renderer), then the CPU milliseconds per request of each route as
//! Vercel bills it. Prints markdown tables; exits non-zero if any scenario saw an error.
//!
//! usage: see `options::USAGE`. Run by hand in release:
//!   cargo build --release -p studio-api --bins && cargo run --release -p studio-bench-load --bin load

mod cpu;
mod drive;
mod options;
mod seed;
mod stats;

use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use http::Method;
use serde_json::json;
use studio_local::testing::TestStack;

use drive::{Scenario, Stop, Target};
use options::{Options, USAGE};

/// Generations per user in the load run: under the per-user rate (`GENERATE_RATE_PER_MINUTE`, 10 by
/// default) and the daily quota (50), so that the limits, which would answer 429 by design, are
/// never what the run measures. The limits stay as configured; the load comes from many users.
const GENERATIONS_PER_USER: usize = 8;

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("load: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sockets = raise_open_files();
    let (url, env) = match &options.url {
        Some(url) => (url.clone(), studio_local::stack::function_env(url, &local_keys())),
        None => start_studio(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    match runtime.block_on(run(&options, &url, &env, sockets)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("load: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Seeds, drives the three scenarios, measures CPU; whether every scenario went without errors.
async fn run(options: &Options, url: &str, env: &[(String, String)], sockets: u64) -> Result<bool, String> {
    let http = reqwest::Client::new();
    let generations = options.generate_requests();
    let cpu_n = options.cpu_requests;
    println!("Seeding users and images at {url} …");
    let gallery = seed::users(&http, url, "gallery", options.gallery_users).await?;
    let images = seed::images(&http, url, &gallery).await?;
    let generators = seed::users(&http, url, "generate", generations.div_ceil(GENERATIONS_PER_USER)).await?;

    let target = Target::of(url).await?;
    let connections = options.connections;
    println!("{connections} connections per scenario; open files allowed: {sockets}.\n");
    let scenarios = [
        Scenario {
            name: "GET /api/gallery (authenticated)".into(),
            method: Method::GET,
            path: "/api/gallery".into(),
            body: None,
            tokens: gallery.iter().map(|u| u.access.clone()).collect(),
            expect: 200,
            stop: Stop::After(options.duration),
        },
        Scenario {
            name: "GET /api/templates".into(),
            method: Method::GET,
            path: "/api/templates".into(),
            body: None,
            tokens: Vec::new(),
            expect: 200,
            stop: Stop::After(options.duration),
        },
        Scenario {
            name: "POST /api/generate (preview renderer)".into(),
            method: Method::POST,
            path: "/api/generate".into(),
            body: Some(Bytes::from_static(br#"{"prompt":"pasar malam di Yogyakarta, cat air","aspect_ratio":"1:1"}"#)),
            tokens: generators.iter().map(|u| u.access.clone()).collect(),
            expect: 201,
            stop: Stop::Requests(generations),
        },
    ];
    let mut summaries = Vec::new();
    for scenario in scenarios {
        eprintln!("  {} …", scenario.name);
        summaries.push(drive::run(&target, scenario, connections, options.timeout).await);
    }
    println!("{}", stats::Summary::HEADER);
    for summary in &summaries {
        println!("{}", summary.row());
    }
    for summary in summaries.iter().filter(|s| s.error_count > 0) {
        println!("\nErrors in {}:", summary.name);
        for (kind, count) in &summary.errors {
            println!("  {count} × {kind}");
        }
    }

    let mut measured = Vec::new();
    if let Some(n) = cpu_n {
        println!(
            "\nCPU per request, each api/ binary in its own process ({n} requests per route, fewer for the costly ones):\n"
        );
        let fixture = cpu::Fixture {
            gallery: gallery[0].clone(),
            image: images.first().cloned().ok_or("no image was generated")?,
            generators: seed::users(&http, url, "cpu-generate", cpu::users_for(n)).await?,
            logins: seed::users(&http, url, "cpu-login", cpu::users_for(n)).await?,
            refresher: seed::users(&http, url, "cpu-refresh", 1).await?.remove(0),
            cron_secret: studio_local::stack::LOCAL_CRON_SECRET.to_owned(),
        };
        measured = cpu::measure(|name| options.function(name), env, fixture, n).await?;
        println!("{}", cpu::Measured::HEADER);
        for one in &measured {
            println!("{}", one.row());
        }
    }
    if let Some(path) = &options.json {
        let figures = json!({
            "connections": connections,
            "scenarios": summaries.iter().map(stats::Summary::json).collect::<Vec<_>>(),
            "cpu": measured.iter().map(cpu::Measured::json).collect::<Vec<_>>(),
        });
        std::fs::write(path, figures.to_string()).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(summaries.iter().all(|s| s.error_count == 0))
}

/// The studio as the dev server runs it (PostgreSQL with every migration and the seed, the
/// stand-ins, the library's handlers on `/api/*`), on a runtime and threads of its own, so that
/// the driver's tasks do not wait behind the server's; its URL and a function's environment.
fn start_studio() -> (String, Vec<(String, String)>) {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
        runtime.block_on(async {
            let stack = TestStack::start().await;
            let _ = sender.send((stack.url.clone(), stack.function_env()));
            // Serves until the process exits; the cluster stops at exit.
            std::future::pending::<()>().await;
        });
    });
    receiver.recv_timeout(Duration::from_secs(300)).expect("the local studio started")
}

fn local_keys() -> studio_local::stack::Keys {
    studio_local::stack::Keys::new(studio_local::stack::LOCAL_JWT_SECRET)
}

/// 1,000 connections need 1,000 sockets on each side, more than the usual soft limit of 1,024
/// open files: the soft limit is raised to the hard one. Returns the limit now in force.
fn raise_open_files() -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit read and write the plain struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            limit = raised;
        }
    }
    limit.rlim_cur
}
