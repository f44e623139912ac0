//! The services' official JavaScript clients, pinned in tests/clients/package-lock.json and used
//! with default options, against the stand-ins of a real local stack: each module runs one script
//! of tests/clients/ under `node --test` and asserts that every check in it passed.

mod postgrest;
mod resend;
mod storage;
mod upstash;
mod vercel;

use std::path::Path;
use std::process::Stdio;

use studio_local::pg::repo_root;
use tokio::process::Command;
use tokio::sync::OnceCell;

/// Runs `tests/clients/{script}` with `node --test` and `env`, and fails with its output unless
/// every test in it passed.
pub async fn run_script(script: &str, env: &[(&str, &str)]) {
    let dir = repo_root().join("tests").join("clients");
    install_packages(&dir).await;
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", script])
        .current_dir(&dir)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs (is Node.js installed?)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{script} failed ({}):\n{stdout}\n{stderr}", output.status);
    // A script that ran nothing must not pass: node prints its tally as "ℹ tests N" / "ℹ fail N".
    assert!(!stdout.contains("ℹ tests 0"), "{script} ran no test:\n{stdout}");
    assert!(stdout.contains("ℹ fail 0"), "{script} did not report its tally:\n{stdout}\n{stderr}");
}

/// `npm ci` once per test binary: the checks run in parallel.
async fn install_packages(dir: &Path) {
    static INSTALLED: OnceCell<()> = OnceCell::const_new();
    INSTALLED.get_or_init(|| studio_local::testing::npm_ci(dir)).await;
}
