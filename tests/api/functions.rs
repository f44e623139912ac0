//! The built api/ binaries, started as Vercel starts them (`VERCEL_DEV_PORT`) against the local
//! stack: templates answers with real data, auth, gallery and generate refuse the anonymous, gallery
//! serves the share page under vercel.json's rewrite, and the cron runs only for its secret.

use std::time::Duration;

use studio_local::stack::LOCAL_CRON_SECRET;
use studio_local::testing::{TestStack, spawn_function};
use tokio::process::Child;

use crate::helpers::get;

struct Function {
    child: Child,
    url: String,
}

/// Starts a built function binary on a free port and waits until it answers.
async fn start(binary: &str, env: &[(String, String)]) -> Function {
    let (child, port) = spawn_function(binary.as_ref(), env).unwrap_or_else(|e| panic!("start {binary}: {e}"));
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{url}/_vercel/ping")).await.is_ok() {
            return Function { child, url };
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{binary} did not start listening on {port}");
}

#[tokio::test]
async fn templates_binary_serves_real_data() {
    let stack = TestStack::start().await;
    let function = start(env!("CARGO_BIN_EXE_templates"), &stack.function_env()).await;

    let list = get(&format!("{}/api/templates", function.url)).await;
    let one = get(&format!("{}/api/templates?_path=wayang-kulit", function.url)).await;

    assert_eq!(list.status, 200);
    assert!(list.data().as_array().unwrap().len() >= 20);
    assert_eq!(one.data()["slug"], "wayang-kulit");
    drop(function.child);
}

#[tokio::test]
async fn cron_binary_runs_for_the_secret_and_refuses_anyone_else() {
    let stack = TestStack::start().await;
    let function = start(env!("CARGO_BIN_EXE_cron-reset"), &stack.function_env()).await;
    let url = format!("{}/api/cron/reset", function.url);

    let refused = get(&url).await;
    let ran = crate::helpers::send(reqwest::Client::new().get(&url).bearer_auth(LOCAL_CRON_SECRET)).await;

    assert_eq!((refused.status, refused.error_code()), (401, "UNAUTHORIZED"));
    assert_eq!(ran.status, 200, "{}", ran.body);
    assert_eq!(ran.data()["remaining"], false, "{}", ran.body);
}

#[tokio::test]
async fn gallery_binary_refuses_an_anonymous_listing() {
    let stack = TestStack::start().await;
    let function = start(env!("CARGO_BIN_EXE_gallery"), &stack.function_env()).await;

    let answer = get(&format!("{}/api/gallery?_path=3f2b6a6e-0f4e-4c43-9a55-1b2f6a0c9d11", function.url)).await;

    assert_eq!((answer.status, answer.error_code()), (401, "UNAUTHORIZED"));
}

#[tokio::test]
async fn gallery_binary_serves_the_share_page_under_the_rewrite_of_s_token() {
    let stack = TestStack::start().await;
    let account = crate::helpers::signed_up(&stack, "siti@example.com").await;
    let image = crate::gallery::inserted(&stack, &account.id, "kucing oren", 1).await;
    crate::gallery::sql(
        &stack,
        &format!("update generated_images set title = 'Kucing & genteng' where id = '{image}'"),
    )
    .await;
    let link = crate::gallery::shared(&stack, &account, &format!("/{image}"), None).await;
    let function = start(env!("CARGO_BIN_EXE_gallery"), &stack.function_env()).await;

    // vercel.json: { "source": "/s/:token", "destination": "/api/gallery?_path=s/:token" }
    let url = format!("{}/api/gallery?_path=s/{}", function.url, link["token"].as_str().unwrap());
    let response = reqwest::get(url).await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<meta property="og:title" content="Kucing &amp; genteng">"#), "{html}");
}

#[tokio::test]
async fn generate_binary_refuses_an_anonymous_generation() {
    let stack = TestStack::start().await;
    let function = start(env!("CARGO_BIN_EXE_generate"), &stack.function_env()).await;

    let answer = crate::helpers::send(
        reqwest::Client::new()
            .post(format!("{}/api/generate", function.url))
            .json(&serde_json::json!({ "prompt": "x" })),
    )
    .await;

    assert_eq!((answer.status, answer.error_code()), (401, "UNAUTHORIZED"));
}

#[tokio::test]
async fn auth_binary_refuses_an_anonymous_profile_request() {
    let stack = TestStack::start().await;
    let function = start(env!("CARGO_BIN_EXE_auth"), &stack.function_env()).await;

    let answer = get(&format!("{}/api/auth/profile", function.url)).await;

    assert_eq!((answer.status, answer.error_code()), (401, "UNAUTHORIZED"));
}

#[tokio::test]
async fn a_function_without_configuration_answers_500_without_details() {
    let function = start(env!("CARGO_BIN_EXE_templates"), &[]).await;

    let answer = get(&format!("{}/api/templates", function.url)).await;

    assert_eq!((answer.status, answer.error_code()), (500, "INTERNAL"));
    assert_eq!(answer.body["error"]["message"], "internal error");
    assert!(!answer.body.to_string().contains("SUPABASE"), "configuration detail leaked: {}", answer.body);
}
