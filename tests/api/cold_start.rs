//! Cold start in CI: every api/ binary, spawned fresh with the environment a deployed function gets,
//! answers its very first request (an authenticated one) with 200; and the cold-start benchmark
//! driver (bench/coldstart/run.py) measures all five against a running stack. The full benchmark
//! against Node runs by hand (docs/BENCHMARKS.md).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use studio_local::stack::LOCAL_CRON_SECRET;
use studio_local::testing::{TestStack, spawn_function};
use tokio::process::Command;

use crate::helpers::{Account, Answer, request, signed_up};

enum Credential {
    Session,
    Cron,
}

/// A binary, the request a deployed function receives after vercel.json's rewrites, and what the
/// first answer's `data` holds at a JSON pointer.
struct Case {
    binary: &'static str,
    path: &'static str,
    credential: Credential,
    pointer: &'static str,
    expected: fn(&Account) -> Value,
}

const CASES: [Case; 5] = [
    Case {
        binary: env!("CARGO_BIN_EXE_generate"),
        path: "/api/generate?_path=quota",
        credential: Credential::Session,
        pointer: "/daily/limit",
        expected: |_| json!(50),
    },
    Case {
        binary: env!("CARGO_BIN_EXE_gallery"),
        path: "/api/gallery",
        credential: Credential::Session,
        pointer: "",
        expected: |_| json!([]),
    },
    Case {
        binary: env!("CARGO_BIN_EXE_templates"),
        path: "/api/templates",
        credential: Credential::Session,
        pointer: "/0/is_featured",
        expected: |_| json!(true),
    },
    Case {
        binary: env!("CARGO_BIN_EXE_auth"),
        path: "/api/auth?_path=profile",
        credential: Credential::Session,
        pointer: "/email",
        expected: |account| json!(account.email),
    },
    Case {
        binary: env!("CARGO_BIN_EXE_cron-reset"),
        path: "/api/cron/reset",
        credential: Credential::Cron,
        pointer: "/remaining",
        expected: |_| json!(false),
    },
];

/// Spawns `binary` on a free port and sends it `path` until something listens: the first answer
/// is the answer to the process's first request (no readiness probe before it).
async fn first_answer(binary: &str, env: &[(String, String)], path: &str, bearer: &str) -> Answer {
    let (_child, port) = spawn_function(binary.as_ref(), env).unwrap_or_else(|e| panic!("start {binary}: {e}"));
    let url = format!("http://127.0.0.1:{port}{path}");
    let started = Instant::now();
    loop {
        match request(reqwest::Method::GET, &url, Some(bearer), None).send().await {
            Ok(response) => {
                let (status, headers) = (response.status().as_u16(), response.headers().clone());
                let text = response.text().await.expect("a readable body");
                let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{binary}: not JSON: {text}"));
                return Answer { status, headers, body };
            }
            Err(e) if e.is_connect() && started.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            Err(e) => panic!("{binary} never answered {path}: {e}"),
        }
    }
}

#[tokio::test]
async fn every_binary_answers_its_first_authenticated_request_with_200() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "dewi@example.com").await;

    for Case { binary, path, credential, pointer, expected } in CASES {
        let bearer = match credential {
            Credential::Session => account.access.as_str(),
            Credential::Cron => LOCAL_CRON_SECRET,
        };
        let answer = first_answer(binary, &stack.function_env(), path, bearer).await;

        assert_eq!(answer.status, 200, "{binary} {path}: {}", answer.body);
        assert_eq!(answer.data().pointer(pointer), Some(&expected(&account)), "{binary} {path}: {}", answer.body);
    }
}

#[tokio::test]
async fn the_benchmark_driver_times_the_first_200_of_every_binary_against_a_running_stack() {
    let stack = TestStack::start().await;
    let dir = std::env::temp_dir().join(format!("studio-coldstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let env: String = stack.function_env().iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(dir.join("function.env"), env).unwrap();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_auth")).parent().unwrap();

    let run = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/coldstart/run.py"))
        .args(["--stack", &stack.url, "--rounds", "1", "--modes", "free", "--warmup", "0"])
        .arg("--function-env")
        .arg(dir.join("function.env"))
        .arg("--bin-dir")
        .arg(bin_dir)
        .arg("--results")
        .arg(dir.join("results"))
        .output()
        .await
        .expect("python3 runs (.ci/run installs it)");

    let raw = std::fs::read_to_string(dir.join("results/raw.jsonl")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(run.status.success(), "run.py failed: {}", String::from_utf8_lossy(&run.stderr));
    let rows: Vec<Value> = raw.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let timed: Vec<&str> = rows.iter().map(|r| r["variant"].as_str().unwrap()).collect();
    assert_eq!(timed.len(), 5, "{raw}");
    for binary in ["generate", "gallery", "templates", "auth", "cron-reset"] {
        assert!(timed.contains(&binary), "{binary} not timed: {raw}");
    }
    for row in &rows {
        let (listen, first) = (row["listen_ms"].as_f64().unwrap(), row["first_ms"].as_f64().unwrap());
        assert!(0.0 < listen && listen <= first, "{row}");
        assert!(row["hwm_kb"].as_u64().unwrap() > 0, "{row}");
    }
    let table = String::from_utf8_lossy(&run.stdout);
    assert!(table.contains("| cron-reset |"), "{table}");
}
