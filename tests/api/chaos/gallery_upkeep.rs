//! The rest of the gallery under outages: unpublishing (one image and in bulk), the prompt history
//! (pinning, deleting), one collection and the share page's own API path, on the gallery's fixture.
//! An unpublish never leaves a public object that no row points at; a prompt's change is one call.

use reqwest::Method;
use serde_json::json;
use studio_local::faults::Service::{self, Postgrest, Storage};

use super::gallery::Fixture;
use super::{Case, for_each};
use crate::gallery::call;

#[derive(Clone, Copy)]
enum Route {
    Collection,
    Unpublish,
    BulkUnpublish,
    PinPrompt,
    DeletePrompt,
    SharePage,
}

/// The table whose row an unpublish's completing retry finishes changing.
const IMAGES: &str = "public.generated_images";

/// The request of `route`, with whatever it consumes made anew.
async fn case(fixture: &Fixture, route: Route) -> Case {
    let access = Some(fixture.siti.access.as_str());
    let case = |name: &str, method: Method, path: String| Case::new(name, method, path, access);
    match route {
        Route::Collection => {
            let path = format!("/api/gallery/collections/{}", fixture.collection);
            case("GET /api/gallery/collections/{id}", Method::GET, path)
        }
        // Storage first, then the row (editing.rs, docs/DECISIONS.md "Bulk actions"): a database
        // lost in between leaves the row published without its public copies, which the retry
        // completes; never the reverse, a public object without a row.
        Route::Unpublish => {
            let fresh = published(fixture).await;
            case("PATCH /api/gallery/{id} (unpublish)", Method::PATCH, format!("/api/gallery/{fresh}"))
                .json(json!({ "is_public": false }))
                .completed_by_retry_changing(IMAGES)
        }
        Route::BulkUnpublish => {
            let fresh = published(fixture).await;
            case("POST /api/gallery/bulk (unpublish)", Method::POST, "/api/gallery/bulk".into())
                .json(json!({ "ids": [fresh], "action": "unpublish" }))
                .completed_by_retry_changing(IMAGES)
        }
        Route::PinPrompt => {
            let (id, pinned) = fixture_prompt(fixture).await;
            case("PATCH /api/gallery/prompts/{id}", Method::PATCH, format!("/api/gallery/prompts/{id}"))
                .json(json!({ "is_pinned": !pinned }))
        }
        Route::DeletePrompt => {
            let id = new_prompt(fixture).await;
            case("DELETE /api/gallery/prompts/{id}", Method::DELETE, format!("/api/gallery/prompts/{id}"))
        }
        Route::SharePage => {
            let path = format!("/api/gallery/s/{}", fixture.token);
            Case::new("GET /api/gallery/s/{token}", Method::GET, path, None).counts_views().page()
        }
    }
}

/// A new published image of Siti's, with its public copies.
async fn published(fixture: &Fixture) -> String {
    let fresh = fixture.fresh_image().await;
    let public = json!({ "is_public": true });
    let answer =
        call(&fixture.stack, Method::PATCH, &format!("/{fresh}"), Some(&fixture.siti.access), Some(public)).await;
    assert_eq!(answer.status, 200, "publish: {}", answer.body);
    fresh
}

/// The prompt of the fixture's generation, and whether it is pinned now.
async fn fixture_prompt(fixture: &Fixture) -> (String, bool) {
    let db = fixture.stack.db.client().await;
    let row = db
        .query_one("select id::text, is_pinned from public.prompt_history where prompt = 'sawah terasering'", &[])
        .await
        .expect("the fixture's prompt");
    (row.get(0), row.get(1))
}

/// A prompt of Siti's to delete. Written with SQL: a generation per run would add its images, its
/// quota and its per-minute limit to a test of one row's deletion.
async fn new_prompt(fixture: &Fixture) -> String {
    let db = fixture.stack.db.client().await;
    let row = db
        .query_one(
            "insert into public.prompt_history (user_id, prompt)
             values ($1::text::uuid, 'pura di tepi danau ' || gen_random_uuid()) returning id::text",
            &[&fixture.siti.id],
        )
        .await
        .expect("a prompt");
    row.get(0)
}

#[tokio::test]
async fn unpublishing_prompts_and_the_rest_of_the_gallery_killed_at_any_step_are_all_or_nothing() {
    let fixture = Fixture::new().await;
    let routes: &[(Route, &[Service])] = &[
        (Route::Collection, &[Postgrest]),
        (Route::Unpublish, &[Postgrest, Storage]),
        (Route::BulkUnpublish, &[Postgrest, Storage]),
        (Route::PinPrompt, &[Postgrest]),
        (Route::DeletePrompt, &[Postgrest]),
        (Route::SharePage, &[Postgrest]),
    ];
    for &(route, services) in routes {
        for_each(&fixture.stack, services, || case(&fixture, route)).await;
    }
}
