//! The API against its description: schemathesis reads docs/openapi.yaml and sends generated
//! requests (examples from the spec, boundary values, random and malformed input) to a local stack
//! that holds real images, a collection, a share link, prompts, a second login and an API key, and
//! checks every answer: no 5xx, a documented status, the documented content type, headers and
//! body schema, and no request the spec forbids accepted. Schemathesis is installed on first use
//! into a virtual environment under target/.

mod fixtures;
mod schemathesis;

use std::path::Path;

use studio_local::pg::repo_root;
use studio_local::testing::TestStack;

use crate::helpers::signed_up;
use fixtures::Fixtures;
use schemathesis::{Run, Schemathesis};

/// Operations that end the credentials the run sends, after which every later request would get a
/// 401 and test nothing but that. They run in a last pass of their own.
const ENDS_CREDENTIALS: [(&str, &str); 5] = [
    ("POST", "/api/auth/logout"),
    ("POST", "/api/auth/logout-all"),
    ("POST", "/api/auth/password/change"),
    ("POST", "/api/auth/password/reset"),
    ("DELETE", "/api/auth/account"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_of_the_api_conforms_to_docs_openapi_yaml() {
    let schemathesis = Schemathesis::installed().await;
    // The generator's short-window limit would answer most generated requests 429 (documented,
    // but then the requests behind it go untested).
    let stack = TestStack::start_with_env(&[("GENERATE_RATE_PER_MINUTE", "1000")]).await;
    let account = signed_up(&stack, "siti@example.com").await;
    let fixtures = Fixtures::make(&stack, &account).await;
    // Kept after the run (target/tmp/contract): the configuration and the reports of the last run.
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("contract");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("the contract test's folder under target/tmp");
    let spec = repo_root().join("docs").join("openapi.yaml");

    let main = Run { name: "main", spec: &spec, url: &stack.url, token: &account.access, dir: &work };
    let main = schemathesis.run(&main, &fixtures.config(), Pass::Main.filters()).await;
    let last = Run { name: "last", spec: &spec, url: &stack.url, token: &account.access, dir: &work };
    let last = schemathesis.run(&last, &fixtures.config(), Pass::EndsCredentials.filters()).await;

    for outcome in [&main, &last] {
        assert!(outcome.passed(), "{}", outcome.report());
    }
}

/// The two passes: everything else first, then what ends the run's credentials.
enum Pass {
    Main,
    EndsCredentials,
}

impl Pass {
    /// Schemathesis filter arguments: one regular expression over `METHOD /path` names.
    fn filters(&self) -> Vec<String> {
        let names: Vec<String> =
            ENDS_CREDENTIALS.iter().map(|(method, path)| format!("^{method} {}$", regex_escape(path))).collect();
        let pattern = names.join("|");
        match self {
            Self::Main => vec!["--exclude-name-regex".into(), pattern],
            Self::EndsCredentials => vec!["--include-name-regex".into(), pattern],
        }
    }
}

fn regex_escape(text: &str) -> String {
    text.chars().fold(String::new(), |mut out, c| {
        if "\\.+*?()|[]{}^$-".contains(c) {
            out.push('\\');
        }
        out.push(c);
        out
    })
}
