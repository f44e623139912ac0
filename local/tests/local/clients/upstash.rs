//! The official `@upstash/redis` client against its stand-in (tests/clients/upstash.mjs), twice:
//! over the in-process engine, served on its own since a stack picks redis-server when installed,
//! and over a stack whose stand-in has a private redis-server.

use std::sync::Arc;

use studio_local::testing::{TestStack, serve};
use studio_local::upstash::{LOCAL_UPSTASH_TOKEN, SystemClock, Upstash};

#[tokio::test]
async fn the_official_client_works_against_the_in_process_engine() {
    let url = serve(Upstash::in_process(Arc::new(SystemClock)).router()).await;
    let env = [("UPSTASH_URL", url.as_str()), ("UPSTASH_TOKEN", LOCAL_UPSTASH_TOKEN), ("BACKEND", "in-process")];
    super::run_script("upstash.mjs", &env).await;
}

#[tokio::test]
async fn the_official_client_works_against_redis_server() {
    let stack = TestStack::start_with_private_redis(&[]).await;
    let url = format!("{}/upstash", stack.url);
    let env = [("UPSTASH_URL", url.as_str()), ("UPSTASH_TOKEN", LOCAL_UPSTASH_TOKEN), ("BACKEND", "redis-server")];
    super::run_script("upstash.mjs", &env).await;
}
