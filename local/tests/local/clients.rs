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

/// `npm ci` from the committed lock file, once per test binary, when node_modules is missing.
async fn install_packages(dir: &Path) {
    static INSTALLED: OnceCell<()> = OnceCell::const_new();
    INSTALLED
        .get_or_init(|| async {
            if installed_from_lock(dir) {
                return;
            }
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(dir)
                .stdin(Stdio::null())
                .status()
                .await
                .expect("npm runs (is Node.js installed?)");
            assert!(status.success(), "npm ci in {} failed: {status}", dir.display());
        })
        .await;
}

/// Whether node_modules was installed after the lock file last changed.
fn installed_from_lock(dir: &Path) -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    match (modified(&dir.join("node_modules").join(".package-lock.json")), modified(&dir.join("package-lock.json"))) {
        (Some(installed), Some(locked)) => installed >= locked,
        _ => false,
    }
}
