//! `studio-local function-env URL`: the environment a deployed function gets against a studio at
//! URL, printed as `NAME=VALUE` lines that the library's configuration accepts.

use std::process::Command;

use studio_local::stack::{self, Keys, LOCAL_JWT_SECRET};

fn function_env(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_studio-local")).arg("function-env").args(args).output().expect("studio-local runs")
}

#[test]
fn prints_the_stacks_function_environment_for_the_url() {
    let out = function_env(&["http://127.0.0.1:4321/"]);

    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Vec<(String, String)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).expect("NAME=VALUE"))
        .collect();
    assert_eq!(printed, stack::function_env("http://127.0.0.1:4321", &Keys::new(LOCAL_JWT_SECRET)));
    let config = stack::app_config(&printed).expect("a configuration the library accepts");
    assert_eq!(config.supabase_url.as_str(), "http://127.0.0.1:4321/");
}

#[test]
fn refuses_anything_but_one_url_with_the_usage() {
    for args in [&[][..], &["http://127.0.0.1:1", "extra"][..]] {
        let out = function_env(args);

        assert!(!out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("function-env URL"), "{args:?}");
    }
}
