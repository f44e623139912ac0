//! The gallery under outages: each route with the database, Storage or Redis killed at each of
//! its steps. Reads (a shared link's image among them) fail cleanly; writes (publishing, deleting, versions, shares, collections,
//! bulk actions) keep no half-written row and no orphaned object.

use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::json;
use studio_local::faults::Service::{self, Postgrest, Redis, Storage};
use studio_local::testing::TestStack;

use super::{Case, for_each};
use crate::gallery::{api_key, call, generated, shared};
use crate::helpers::{Account, send, signed_up};

/// What the routes act on: a published image with its objects, a collection, a live share link
/// and an API key.
pub(super) struct Fixture {
    pub stack: TestStack,
    pub siti: Account,
    pub image: String,
    pub collection: String,
    pub token: String,
    key: String,
    /// Makes each throwaway collection's name new (names are unique per user).
    runs: AtomicUsize,
}

impl Fixture {
    pub async fn new() -> Self {
        // Every step of every route is a request of its own: the volume limits would refuse them.
        let stack = TestStack::start_with_private_redis(&[
            ("VERSION_UPLOADS_PER_MINUTE", "100000"),
            ("VERSION_UPLOADS_PER_DAY", "100000"),
            ("DOWNLOADS_PER_MINUTE", "100000"),
            ("EXPORTS_PER_HOUR", "100000"),
        ])
        .await;
        let siti = signed_up(&stack, "siti@example.com").await;
        let image = generated(&stack, &siti, "sawah terasering").await["id"].as_str().unwrap().to_owned();
        let made =
            call(&stack, Method::POST, "/collections", Some(&siti.access), Some(json!({ "name": "Bali" }))).await;
        let collection = made.data()["id"].as_str().unwrap().to_owned();
        let token = shared(&stack, &siti, &format!("/{image}"), None).await["token"].as_str().unwrap().to_owned();
        let key = api_key(&stack, &siti, &["gallery:read", "gallery:write"]).await;
        // Published, so that the public feed has something to show.
        let public = json!({ "is_public": true });
        let published = call(&stack, Method::PATCH, &format!("/{image}"), Some(&siti.access), Some(public)).await;
        assert_eq!(published.status, 200, "publish: {}", published.body);
        Self { stack, siti, image, collection, token, key, runs: AtomicUsize::new(0) }
    }

    /// A new image of Siti's with its stored objects, for a route that consumes one: a saved
    /// version, whose limits this fixture raises (a generation's it does not).
    pub async fn fresh_image(&self) -> String {
        let url = format!("{}/api/gallery/{}/versions", self.stack.url, self.image);
        let request =
            reqwest::Client::new().post(url).bearer_auth(&self.siti.access).header("content-type", "image/png");
        let saved = send(request.body(png())).await;
        assert_eq!(saved.status, 201, "a new version: {}", saved.body);
        saved.data()["id"].as_str().unwrap().to_owned()
    }

    /// The request of `route`, with whatever it consumes made anew.
    async fn case(&self, route: Route) -> Case {
        let (access, image, collection) = (Some(self.siti.access.as_str()), &self.image, &self.collection);
        let case = |name: &str, method: Method, path: String| Case::new(name, method, path, access);
        match route {
            Route::List => case("GET /api/gallery", Method::GET, "/api/gallery".into()),
            Route::ListWithKey => Case::new("GET /api/gallery (API key)", Method::GET, "/api/gallery", Some(&self.key))
                // The per-key budget fails open by design (docs/DECISIONS.md): Redis down lets the read through.
                .fails_open(Redis),
            Route::One => case("GET /api/gallery/{id}", Method::GET, format!("/api/gallery/{image}")),
            Route::Patch => case("PATCH /api/gallery/{id}", Method::PATCH, format!("/api/gallery/{image}"))
                .json(json!({ "title": "Sawah", "tags": ["bali"], "is_favorite": true })),
            Route::Publish => {
                let fresh = self.fresh_image().await;
                case("PATCH /api/gallery/{id} (publish)", Method::PATCH, format!("/api/gallery/{fresh}"))
                    .json(json!({ "is_public": true }))
            }
            Route::Delete => {
                let fresh = self.fresh_image().await;
                case("DELETE /api/gallery/{id}", Method::DELETE, format!("/api/gallery/{fresh}")).completed_by_retry()
            }
            Route::Share => case("POST /api/gallery/{id}/share", Method::POST, format!("/api/gallery/{image}/share")),
            Route::Shares => case("GET /api/gallery/shares", Method::GET, "/api/gallery/shares".into()),
            Route::RevokeShare => {
                let id = shared(&self.stack, &self.siti, &format!("/{image}"), None).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                case("DELETE /api/gallery/shares/{id}", Method::DELETE, format!("/api/gallery/shares/{id}"))
            }
            Route::BulkTag => case("POST /api/gallery/bulk (tag)", Method::POST, "/api/gallery/bulk".into())
                .json(json!({ "ids": [image], "action": "tag", "tags": ["sawah"] })),
            Route::BulkDelete => {
                let fresh = self.fresh_image().await;
                case("POST /api/gallery/bulk (delete)", Method::POST, "/api/gallery/bulk".into())
                    .json(json!({ "ids": [fresh], "action": "delete" }))
                    .completed_by_retry()
            }
            Route::BulkPublish => {
                let fresh = self.fresh_image().await;
                case("POST /api/gallery/bulk (publish)", Method::POST, "/api/gallery/bulk".into())
                    .json(json!({ "ids": [fresh], "action": "publish" }))
            }
            Route::ShareCollection => {
                let path = format!("/api/gallery/collections/{collection}/share");
                case("POST /api/gallery/collections/{id}/share", Method::POST, path)
            }
            Route::Download => {
                case("GET /api/gallery/{id}/download", Method::GET, format!("/api/gallery/{image}/download"))
                    // The download limit fails open by design (docs/DECISIONS.md).
                    .fails_open(Redis)
            }
            Route::Export => case("POST /api/gallery/export", Method::POST, "/api/gallery/export".into())
                .json(json!({ "ids": [image] })),
            Route::Version => {
                case("POST /api/gallery/{id}/versions", Method::POST, format!("/api/gallery/{image}/versions"))
                    .png(png())
            }
            Route::Collections => case("GET /api/gallery/collections", Method::GET, "/api/gallery/collections".into()),
            Route::CreateCollection => {
                case("POST /api/gallery/collections", Method::POST, "/api/gallery/collections".into())
                    .json(json!({ "name": "Lombok" }))
            }
            Route::UpdateCollection => {
                let path = format!("/api/gallery/collections/{collection}");
                case("PATCH /api/gallery/collections/{id}", Method::PATCH, path)
                    .json(json!({ "description": "Ubud" }))
                    .idempotent()
            }
            Route::DeleteCollection => {
                let made = call(
                    &self.stack,
                    Method::POST,
                    "/collections",
                    access,
                    Some(json!({ "name": format!("Sekali {}", self.runs.fetch_add(1, Ordering::Relaxed)) })),
                )
                .await;
                let id = made.data()["id"].as_str().unwrap().to_owned();
                case("DELETE /api/gallery/collections/{id}", Method::DELETE, format!("/api/gallery/collections/{id}"))
            }
            Route::AddToCollection => case(
                "POST /api/gallery/collections/{id}/images",
                Method::POST,
                format!("/api/gallery/collections/{collection}/images"),
            )
            .json(json!({ "image_ids": [image] }))
            .idempotent(),
            Route::RemoveFromCollection => {
                let path = format!("/collections/{collection}/images");
                let added = call(&self.stack, Method::POST, &path, access, Some(json!({ "image_ids": [image] }))).await;
                assert_eq!(added.status, 200, "add to the collection: {}", added.body);
                case("DELETE /api/gallery/collections/{id}/images", Method::DELETE, format!("/api/gallery{path}"))
                    .json(json!({ "image_ids": [image] }))
                    .idempotent()
            }
            Route::Prompts => case("GET /api/gallery/prompts", Method::GET, "/api/gallery/prompts".into()),
            Route::PublicFeed => Case::new("GET /api/gallery/public", Method::GET, "/api/gallery/public", None),
            Route::SharedLink => {
                let path = format!("/api/gallery/shared/{}", self.token);
                Case::new("GET /api/gallery/shared/{token}", Method::GET, path, None).counts_views()
            }
            Route::SharedImage => {
                let path = format!("/api/gallery/shared/{}/{image}/w800.webp", self.token);
                Case::new("GET /api/gallery/shared/{token}/{image}/{file}", Method::GET, path, None)
            }
            Route::SharePage => {
                Case::new("GET /s/{token}", Method::GET, format!("/s/{}", self.token), None).counts_views().page()
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Route {
    List,
    ListWithKey,
    One,
    Patch,
    Publish,
    Delete,
    Share,
    Shares,
    RevokeShare,
    BulkTag,
    BulkDelete,
    BulkPublish,
    ShareCollection,
    Download,
    Export,
    Version,
    Collections,
    CreateCollection,
    UpdateCollection,
    DeleteCollection,
    AddToCollection,
    RemoveFromCollection,
    Prompts,
    PublicFeed,
    SharedLink,
    SharedImage,
    SharePage,
}

/// A 256² PNG as a canvas would export it, for a saved version.
fn png() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(256, 256, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut bytes = Vec::new();
    picture.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

/// Each route with the services it calls.
async fn run(routes: &[(Route, &[Service])]) {
    let fixture = Fixture::new().await;
    for &(route, services) in routes {
        for_each(&fixture.stack, services, || fixture.case(route)).await;
    }
}

#[tokio::test]
async fn gallery_reads_fail_cleanly_without_their_dependencies() {
    run(&[
        (Route::List, &[Postgrest, Storage]),
        (Route::ListWithKey, &[Postgrest, Storage, Redis]),
        (Route::One, &[Postgrest, Storage]),
        (Route::Shares, &[Postgrest]),
        (Route::Download, &[Postgrest, Storage, Redis]),
        (Route::Collections, &[Postgrest]),
        (Route::Prompts, &[Postgrest]),
        (Route::PublicFeed, &[Postgrest]),
        (Route::SharedLink, &[Postgrest]),
        (Route::SharedImage, &[Postgrest, Storage]),
        (Route::SharePage, &[Postgrest]),
    ])
    .await;
}

#[tokio::test]
async fn gallery_writes_killed_at_any_step_are_all_or_nothing() {
    run(&[
        (Route::Patch, &[Postgrest, Storage]),
        (Route::Publish, &[Postgrest, Storage]),
        (Route::Delete, &[Postgrest, Storage]),
        (Route::Share, &[Postgrest]),
        (Route::RevokeShare, &[Postgrest]),
        (Route::BulkTag, &[Postgrest]),
        (Route::BulkDelete, &[Postgrest, Storage]),
        (Route::BulkPublish, &[Postgrest, Storage]),
        (Route::ShareCollection, &[Postgrest]),
        (Route::Export, &[Postgrest, Storage, Redis]),
        (Route::Version, &[Postgrest, Storage, Redis]),
        (Route::CreateCollection, &[Postgrest]),
        (Route::UpdateCollection, &[Postgrest]),
        (Route::DeleteCollection, &[Postgrest]),
        (Route::AddToCollection, &[Postgrest]),
        (Route::RemoveFromCollection, &[Postgrest]),
    ])
    .await;
}
