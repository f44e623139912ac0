//! Who may run the cron: only a caller with `Authorization: Bearer $CRON_SECRET`, and nobody when
//! the secret is not configured (the function still starts and serves its 401).

use studio_local::stack::LOCAL_CRON_SECRET;
use studio_local::testing::TestStack;

use super::{call, number, sql, user};
use crate::helpers::{get, request, send};

/// A usage row past retention: any run that got through would delete it.
async fn doomed_log(stack: &TestStack) {
    let id = user(stack, "siti@example.com").await;
    sql(stack, &format!(
        "insert into usage_logs (user_id, action, status, created_at) values ('{id}', 'generate', 'success', now() - interval '40 days')"
    ))
    .await;
}

#[tokio::test]
async fn callers_without_the_exact_secret_are_refused_and_nothing_runs() {
    let stack = TestStack::start().await;
    doomed_log(&stack).await;
    let cases = [
        ("no header", None),
        ("empty header", Some(String::new())),
        ("bearer without a secret", Some("Bearer ".to_owned())),
        ("wrong secret", Some("Bearer studio-local-cron-secret-for-loopback-onlx".to_owned())),
        ("secret and more", Some(format!("Bearer {LOCAL_CRON_SECRET}x"))),
        ("bare secret", Some(LOCAL_CRON_SECRET.to_owned())),
        ("basic scheme", Some(format!("Basic {LOCAL_CRON_SECRET}"))),
    ];

    for (case, authorization) in cases {
        let answer = call(&stack, authorization.as_deref()).await;

        assert_eq!((answer.status, answer.error_code()), (401, "UNAUTHORIZED"), "{case}: {}", answer.body);
    }
    assert_eq!(number(&stack, "select count(*) from usage_logs").await, 1, "a refused call deleted rows");
}

#[tokio::test]
async fn without_a_configured_secret_even_the_local_secret_is_refused_while_other_routes_work() {
    let stack = TestStack::start_with_env(&[("CRON_SECRET", "")]).await;
    doomed_log(&stack).await;

    let refused = call(&stack, Some(&format!("Bearer {LOCAL_CRON_SECRET}"))).await;
    let templates = get(&format!("{}/api/templates", stack.url)).await;

    assert_eq!((refused.status, refused.error_code()), (401, "UNAUTHORIZED"), "{}", refused.body);
    assert_eq!(templates.status, 200, "the configuration still loads: {}", templates.body);
    assert_eq!(number(&stack, "select count(*) from usage_logs").await, 1);
}

#[tokio::test]
async fn only_get_runs_the_cron_and_sub_paths_do_not_exist() {
    let stack = TestStack::start().await;
    let bearer = Some(LOCAL_CRON_SECRET);
    let post = send(request(reqwest::Method::POST, &format!("{}/api/cron/reset", stack.url), bearer, None)).await;
    let deeper = send(request(reqwest::Method::GET, &format!("{}/api/cron/reset/now", stack.url), bearer, None)).await;

    assert_eq!((post.status, post.error_code()), (405, "METHOD_NOT_ALLOWED"), "{}", post.body);
    assert_eq!(post.header("allow"), "GET");
    assert_eq!((deeper.status, deeper.error_code()), (404, "NOT_FOUND"), "{}", deeper.body);
}
