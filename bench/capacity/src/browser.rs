//! `--browser`: the gallery and an image view in Debian's Chromium (bench/capacity/browser.mjs,
//! playwright-core from tests/browser), with the service worker and with service workers blocked,
//! the bytes counted by the metered stack. Prints one table.

use serde_json::Value;

use crate::meter::Service;

/// Runs browser.mjs against the stack at `url` as the session's user; its results as printed.
pub async fn measure(url: &str, email: &str, password: &str) -> Result<Value, String> {
    let root = studio_local::pg::repo_root();
    studio_local::testing::npm_ci(&root.join("tests/browser")).await;
    let output = tokio::process::Command::new("node")
        .arg(root.join("bench/capacity/browser.mjs"))
        .env("STUDIO_URL", url)
        .env("EMAIL", email)
        .env("PASSWORD", password)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| format!("node: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("browser.mjs failed ({}): {stdout}{stderr}", output.status));
    }
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|e| format!("browser.mjs printed no results ({e}): {stdout}"))
}

pub fn print(results: &Value) {
    println!("\n## Measured in Chromium: bytes the stack sent, per service\n");
    let services =
        [Service::Function, Service::Static, Service::StorageToBrowser, Service::Database, Service::StorageToFunction];
    println!(
        "| screen | service worker | step | Vercel function | Vercel static | Storage → browser | PostgREST → function | Storage → function | Supabase egress |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for run in results.as_array().into_iter().flatten() {
        let Some(steps) = run["steps"].as_object() else { continue };
        for (step, bytes) in steps {
            let of = |s: Service| bytes[s.key()].as_u64().unwrap_or(0);
            let supabase: u64 =
                [Service::StorageToBrowser, Service::Database, Service::StorageToFunction].into_iter().map(of).sum();
            let cells: Vec<String> = services.iter().map(|s| of(*s).to_string()).collect();
            println!(
                "| {} | {} | {step} | {} | {supabase} |",
                run["screen"].as_str().unwrap_or_default(),
                if run["serviceWorker"].as_bool().unwrap_or(false) { "yes" } else { "blocked" },
                cells.join(" | "),
            );
        }
    }
}
