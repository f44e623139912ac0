//! The official storage client against its stand-in (tests/clients/storage.mjs): every bucket and
//! file method of `@supabase/storage-js` with default options, results and errors as it reports them.

use studio_local::testing::TestStack;

#[tokio::test]
async fn storage_js_drives_every_bucket_and_file_method() {
    let stack = TestStack::start().await;
    super::run_script(
        "storage.mjs",
        &[("STORAGE_URL", stack.url.as_str()), ("SERVICE_KEY", stack.keys.service_key.as_str())],
    )
    .await;
}
