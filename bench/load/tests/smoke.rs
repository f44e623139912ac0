//! The load program at small scale, as CI runs it: the whole local studio, 50 connections for 1.5 s
//! per scenario (only a few generations: a debug build renders and encodes slowly), and CPU per
//! route from the api/ sources built as this package's binaries. Every scenario must make requests
//! and see no error; every route must be measured.

use std::process::Command;

use serde_json::Value;

#[test]
fn a_small_load_run_has_no_errors_and_measures_every_route() {
    let json = tempfile_path("load-smoke.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_load"));
    command.args(["--connections", "50", "--duration", "1.5", "--generate-requests", "4", "--gallery-users", "1"]);
    command.args(["--cpu-requests", "3", "--timeout", "60", "--json", json.to_str().unwrap()]);
    for (name, path) in [
        ("gallery", env!("CARGO_BIN_EXE_load-fn-gallery")),
        ("templates", env!("CARGO_BIN_EXE_load-fn-templates")),
        ("generate", env!("CARGO_BIN_EXE_load-fn-generate")),
        ("auth", env!("CARGO_BIN_EXE_load-fn-auth")),
        ("cron-reset", env!("CARGO_BIN_EXE_load-fn-cron-reset")),
    ] {
        command.args(["--function", &format!("{name}={path}")]);
    }

    let output = command.output().expect("the load program runs");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "exit {:?}\n{stdout}\n{stderr}", output.status);
    let figures: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let scenarios = figures["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 3, "{stdout}");
    for scenario in scenarios {
        assert!(scenario["requests"].as_u64().unwrap() > 0, "no requests: {scenario}");
        assert_eq!(scenario["errors"], 0, "{scenario}");
    }
    assert_eq!(scenarios[2]["requests"], 4, "every generation is sent and answered: {}", scenarios[2]);
    let routes: Vec<&str> = figures["cpu"].as_array().unwrap().iter().map(|r| r["route"].as_str().unwrap()).collect();
    for expected in [
        "GET /api/gallery",
        "GET /api/gallery/{id}",
        "GET /api/templates",
        "POST /api/generate (preview renderer)",
        "GET /api/generate/quota",
        "POST /api/auth/login (argon2)",
        "POST /api/auth/refresh",
        "GET /api/auth/profile",
        "GET /api/cron/reset",
    ] {
        assert!(routes.contains(&expected), "{expected} not measured: {routes:?}");
    }
    let _ = std::fs::remove_file(json);
}

fn tempfile_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{}-{name}", std::process::id()))
}
