//! The PWA in a real browser: starts the whole local stack, then runs tests/browser/run.mjs
//! (playwright-core driving Debian's Chromium) against it and asserts that every check passed.
//! Needs `node` and `/usr/bin/chromium` (`.ci/run` installs it); the npm packages are installed
//! from tests/browser/package-lock.json on first use.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use studio_local::pg::repo_root;
use studio_local::stack::LOCAL_CRON_SECRET;
use studio_local::testing::TestStack;
use tokio::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";
/// The operator of the browser run's stack.
const OPERATOR_EMAIL: &str = "operator@example.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pwa_works_end_to_end_in_chromium_online_offline_and_in_both_languages() {
    let dir = repo_root().join("tests").join("browser");
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the browser tests drive Debian's Chromium. Install it with \
         `apt-get update && apt-get install -y chromium` (as root), then run the tests again."
    );
    studio_local::testing::npm_ci(&dir).await;
    // The app is served from a copy, which the update check changes to publish a new version.
    let public = tempfile::Builder::new().prefix("studio-public-").tempdir().expect("a temporary folder");
    copy_tree(&repo_root().join("public"), public.path());
    // The run makes more than ten generations a minute (infinite scroll needs a second page); the
    // operator's screen is checked with an account of this address.
    let env = [("GENERATE_RATE_PER_MINUTE", "60"), ("OPERATOR_EMAIL", OPERATOR_EMAIL)];
    let stack = TestStack::start_serving(&env, public.path().to_path_buf()).await;

    let output = Command::new("node")
        .arg("run.mjs")
        .current_dir(&dir)
        .env("STUDIO_URL", &stack.url)
        .env("CHROMIUM_PATH", CHROMIUM)
        .env("SCREENSHOT_DIR", screenshots(&dir))
        .env("STUDIO_PUBLIC_DIR", public.path())
        .env("OPERATOR_EMAIL", OPERATOR_EMAIL)
        .env("CRON_SECRET", LOCAL_CRON_SECRET)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs (is Node.js installed?)");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(output.status.success(), "browser checks failed ({}): see the output above", output.status);
    assert!(stdout.contains(" passed, 0 failed"), "the browser run did not report its tally");
}

/// Screenshots of every screen at phone and desktop size, kept for CI's artefacts (gitignored).
fn screenshots(dir: &Path) -> PathBuf {
    dir.join("screenshots")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("public/ is readable") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            std::fs::create_dir_all(&target).expect("a folder in the copy");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a file copied");
        }
    }
}
