//! Vercel's own routing (@vercel/routing-utils) over vercel.json: every documented method and path
//! reaches its function with the right `_path` (tests/clients/vercel.mjs).

use studio_local::pg::repo_root;

#[tokio::test]
async fn vercel_routes_every_documented_path_to_its_function_with_its_sub_path() {
    // The script has no YAML parser: it reads docs/openapi.yaml as the JSON the dev server serves.
    let root = repo_root();
    let yaml = std::fs::read_to_string(root.join("docs").join("openapi.yaml")).expect("read docs/openapi.yaml");
    let spec = studio_local::apidocs::parse(&yaml).expect("docs/openapi.yaml parses");
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let spec_json = scratch.path().join("openapi.json");
    std::fs::write(&spec_json, spec.to_string()).expect("write the description as JSON");

    super::run_script(
        "vercel.mjs",
        &[
            ("REPO_ROOT", root.to_str().expect("a UTF-8 checkout path")),
            ("OPENAPI_JSON", spec_json.to_str().expect("a UTF-8 scratch path")),
        ],
    )
    .await;
}
