//! Schemathesis, pinned: installed into `target/schemathesis-<version>` (a Python virtual
//! environment) when missing or broken, and run with a fixed seed and a bounded number of examples.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::Command;

/// The exact version whose CLI (v4: `st run SPEC --url`, `--phases`, `--checks`) this file speaks.
const VERSION: &str = "4.32.5";
/// Same inputs every run: a failure found in CI reproduces on a laptop.
const SEED: &str = "20261126";
/// Cases per operation in the fuzzing phase: enough to reach the validation paths, within the
/// time the test suite can spend on 2 cores.
const MAX_EXAMPLES: u32 = 25;
/// Cases for the operations that render images (a few seconds each with the preview renderer).
const MAX_EXAMPLES_RENDERING: u32 = 4;
const RENDERING: [&str; 2] = ["POST /api/generate", "POST /api/generate/edit"];
/// The answer is checked for these. `not_a_server_error`: no 5xx for any input;
/// `status_code_conformance`: the status is one the operation documents;
/// `content_type_conformance` and `response_headers_conformance`: the documented type and headers;
/// `response_schema_conformance`: the body matches the documented schema;
/// `negative_data_rejection`: a request the spec forbids is refused (4xx), so the spec's limits
/// are the handlers' limits.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_headers_conformance,response_schema_conformance,negative_data_rejection";

pub struct Schemathesis {
    st: PathBuf,
}

/// One invocation against one stack.
pub struct Run<'a> {
    pub name: &'a str,
    pub spec: &'a Path,
    pub url: &'a str,
    pub token: &'a str,
    /// Where the configuration and the report go.
    pub dir: &'a Path,
}

pub struct Outcome {
    code: Option<i32>,
    output: String,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.code == Some(0)
    }

    /// What to say when the run did not pass: its exit code, and where its whole report is (the
    /// test's output, printed as the run ended).
    pub fn report(&self) -> String {
        let summary = self.output.rsplit("=== SUMMARY ===").next().unwrap_or(&self.output);
        format!("schemathesis exited with {:?}; its report is printed above. Summary:{summary}", self.code)
    }
}

impl Schemathesis {
    /// The pinned version, installed first if `target/` does not hold it yet.
    pub async fn installed() -> Self {
        let venv = target_dir().join(format!("schemathesis-{VERSION}"));
        let st = venv.join("bin").join("st");
        if !reports_version(&st).await {
            install(&venv).await;
            assert!(
                reports_version(&st).await,
                "{} does not run after installing schemathesis {VERSION}",
                st.display()
            );
        }
        Self { st }
    }

    /// Runs `st run` with `operations` (`[[operations]]` tables of a schemathesis.toml) and
    /// `filters`; its output is kept whole.
    pub async fn run(&self, run: &Run<'_>, operations: &str, filters: Vec<String>) -> Outcome {
        let config_file = run.dir.join(format!("{}.toml", run.name));
        // In the file, not on the command line: a command-line limit would override the lower
        // limit of the rendering operations.
        let mut config = format!("generation.max-examples = {MAX_EXAMPLES}\n\n");
        for name in RENDERING {
            config.push_str(&format!(
                "[[operations]]\ninclude-name = \"{name}\"\ngeneration.max-examples = {MAX_EXAMPLES_RENDERING}\n\n"
            ));
        }
        config.push_str(operations);
        std::fs::write(&config_file, config).expect("the schemathesis configuration is written");
        let output = Command::new(&self.st)
            .arg("--config-file")
            .arg(&config_file)
            .arg("run")
            .arg(run.spec)
            .args(["--url", run.url])
            .args(["--header", &format!("Authorization: Bearer {}", run.token)])
            .args(["--seed", SEED, "--checks", CHECKS])
            // One worker: CPython 3.11 keeps the `ast` module's recursion counter per interpreter, so
            // two threads of Hypothesis describing their strategies at once (`ast.parse`) can fail a
            // case with "AST constructor recursion depth mismatch" (CPython issue 106905).
            .args(["--phases", "examples,coverage,fuzzing", "--workers", "1", "--no-color"])
            .args(["--generation-database", "none", "--request-timeout", "30"])
            .args(["--report", "junit,har", "--report-dir"])
            .arg(run.dir.join(format!("{}-report", run.name)))
            .args(filters)
            .env("NO_COLOR", "1")
            // Schemathesis keeps a cache in its working directory: here, not in the repository.
            .current_dir(run.dir)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .expect("schemathesis starts");
        let code = output.status.code();
        let output = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        println!("schemathesis ({} pass):\n{output}", run.name);
        Outcome { code, output }
    }
}

/// `target/` of this build (the integration tests' scratch folder is `target/tmp`).
fn target_dir() -> PathBuf {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    scratch.parent().unwrap_or(scratch).to_path_buf()
}

async fn reports_version(st: &Path) -> bool {
    let Ok(output) = Command::new(st).arg("--version").stdin(Stdio::null()).output().await else { return false };
    output.status.success() && String::from_utf8_lossy(&output.stdout).contains(VERSION)
}

/// A fresh virtual environment with exactly schemathesis `VERSION` (a broken one is replaced).
async fn install(venv: &Path) {
    if venv.exists() {
        std::fs::remove_dir_all(venv).expect("the broken virtual environment is removed");
    }
    let created = Command::new("python3").arg("-m").arg("venv").arg(venv).stdin(Stdio::null()).status().await;
    let created = created.expect("python3 runs (is Python 3 installed?)");
    assert!(
        created.success(),
        "python3 -m venv {} failed ({created}): on Debian install python3-venv (`apt-get install -y python3-venv`)",
        venv.display()
    );
    let pip = venv.join("bin").join("pip");
    let installed = Command::new(&pip)
        .args(["install", "--quiet", "--disable-pip-version-check", &format!("schemathesis=={VERSION}")])
        .stdin(Stdio::null())
        .status()
        .await
        .expect("pip runs in the new virtual environment");
    assert!(installed.success(), "pip install schemathesis=={VERSION} failed: {installed}");
}
