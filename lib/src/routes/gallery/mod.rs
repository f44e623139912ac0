//! `/api/gallery`: the caller's own images.
//!
//! - `GET /api/gallery`: newest first, keyset-paginated (`cursor`, `limit`), searched (`q`) and
//!   filtered (`tag`, `collection`, `favorite`, `visibility`, `template`, `aspect_ratio`, `from`, `to`).
//! - `GET /api/gallery/{id}`: one image with its versions (parent and children).
//! - `PATCH /api/gallery/{id}`: title, alt text, tags, favourite, published or not.
//! - `DELETE /api/gallery/{id}`: the image, its stored objects and its collection links.
//! - `POST /api/gallery/{id}/versions?edits=`: a PNG edited in the browser, saved as a new version.
//! - `GET /api/gallery/{id}/download?format=&metadata=`: the original as PNG, JPEG or WebP, streamed.
//! - `POST /api/gallery/bulk`: one action on up to 100 images, answered per id.
//! - `POST /api/gallery/export`: a streamed ZIP of chosen images or a collection, with `metadata.json`.
//! - `GET /api/gallery/prompts`, `PATCH/DELETE /api/gallery/prompts/{id}`: the prompt history.
//! - `GET/POST /api/gallery/collections`, `GET/PATCH/DELETE /api/gallery/collections/{id}`,
//!   `POST/DELETE /api/gallery/collections/{id}/images`: collections (their images are listed by
//!   `GET /api/gallery?collection={id}`).
//! - `POST /api/gallery/{id}/share`, `POST /api/gallery/collections/{id}/share`,
//!   `GET /api/gallery/shares`, `DELETE /api/gallery/shares/{id}`: the owner's share links.
//!
//! For anyone, with no credentials read (any sent are ignored):
//! - `GET /api/gallery/public`: the feed of published images.
//! - `GET /api/gallery/shared/{token}`: what a share link shows; `/s/{token}`: its HTML page;
//!   `GET /api/gallery/shared/{token}/{image}/w{width}.webp`: one of its images.
//!
//! Everything else is the caller's own: reading needs the `gallery:read` scope, changing
//! `gallery:write`. Another user's image is "not found" whether or not it is public.

mod bulk;
mod collections;
mod download;
mod editing;
mod export;
mod filename;
mod image;
mod listing;
mod original;
mod prompts;
#[cfg(test)]
mod props;
mod public_feed;
mod removal;
mod share_html;
mod share_image;
mod share_page;
mod shared;
mod shares;
mod tags;
mod versions;
mod volume;
mod window;

pub use volume::VolumeConfig;

use http::{HeaderMap, Method, StatusCode};
use http_body::Body as HttpBody;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::auth::principal::{self, Principal, Scope};
use crate::error::{ApiError, BoxError};
use crate::http::{Body, Cached, Meta, Request, Router, json_response, read_json};
use crate::routes::usage::{self, Action};
use shared::Target;

#[derive(Clone, Copy)]
enum Endpoint {
    PublicFeed,
    Shared,
    SharedImage,
    SharePage,
    Shares,
    RevokeShare,
    ShareCollection,
    ShareImage,
    Collections,
    CreateCollection,
    Collection,
    UpdateCollection,
    DeleteCollection,
    AddToCollection,
    RemoveFromCollection,
    Prompts,
    PinPrompt,
    DeletePrompt,
    Bulk,
    Export,
    List,
    One,
    Update,
    Delete,
    Download,
    SaveVersion,
}

static ROUTER: Router<Endpoint> = Router::new(&[
    (Method::GET, "/api/gallery/public", Endpoint::PublicFeed),
    (Method::GET, "/api/gallery/shared/:token", Endpoint::Shared),
    (Method::GET, "/api/gallery/shared/:token/:image/:file", Endpoint::SharedImage),
    (Method::GET, "/api/gallery/s/:token", Endpoint::SharePage),
    // The share page's own path, for a platform that hands the function the path before rewriting.
    (Method::GET, "/s/:token", Endpoint::SharePage),
    (Method::GET, "/api/gallery/shares", Endpoint::Shares),
    (Method::DELETE, "/api/gallery/shares/:id", Endpoint::RevokeShare),
    (Method::POST, "/api/gallery/collections/:id/share", Endpoint::ShareCollection),
    (Method::GET, "/api/gallery/collections", Endpoint::Collections),
    (Method::POST, "/api/gallery/collections", Endpoint::CreateCollection),
    (Method::GET, "/api/gallery/collections/:id", Endpoint::Collection),
    (Method::PATCH, "/api/gallery/collections/:id", Endpoint::UpdateCollection),
    (Method::DELETE, "/api/gallery/collections/:id", Endpoint::DeleteCollection),
    (Method::POST, "/api/gallery/collections/:id/images", Endpoint::AddToCollection),
    (Method::DELETE, "/api/gallery/collections/:id/images", Endpoint::RemoveFromCollection),
    (Method::GET, "/api/gallery/prompts", Endpoint::Prompts),
    (Method::PATCH, "/api/gallery/prompts/:id", Endpoint::PinPrompt),
    (Method::DELETE, "/api/gallery/prompts/:id", Endpoint::DeletePrompt),
    (Method::POST, "/api/gallery/bulk", Endpoint::Bulk),
    (Method::POST, "/api/gallery/export", Endpoint::Export),
    (Method::GET, "/api/gallery", Endpoint::List),
    (Method::GET, "/api/gallery/:id", Endpoint::One),
    (Method::PATCH, "/api/gallery/:id", Endpoint::Update),
    (Method::DELETE, "/api/gallery/:id", Endpoint::Delete),
    (Method::POST, "/api/gallery/:id/share", Endpoint::ShareImage),
    (Method::GET, "/api/gallery/:id/download", Endpoint::Download),
    (Method::POST, "/api/gallery/:id/versions", Endpoint::SaveVersion),
]);

/// This function's routes, for the published API description.
pub(super) fn routes() -> Vec<(Method, &'static str)> {
    ROUTER.routes()
}

pub async fn handle<B>(app: &App, req: Request<B>) -> Result<http::Response<Body>, ApiError>
where
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    let (endpoint, params) = ROUTER.resolve(&req.method, &req.path)?;
    let started = std::time::Instant::now();
    let result = dispatch(app, req, endpoint, params).await;
    if let (Err(error), Some(action)) = (&result, endpoint.logged()) {
        let details = json!({ "request_ms": usage::millis(started) });
        usage::record_failure(app, None, None, action, 1, error, details).await;
    }
    result
}

impl Endpoint {
    /// The usage action of the endpoints that log their successes, whose failures are logged too.
    fn logged(self) -> Option<Action> {
        match self {
            Self::Download => Some(Action::Download),
            Self::Export => Some(Action::Export),
            Self::ShareImage | Self::ShareCollection => Some(Action::ShareCreate),
            Self::Shared => Some(Action::ShareView),
            _ => None,
        }
    }
}

async fn dispatch<B>(
    app: &App,
    req: Request<B>,
    endpoint: Endpoint,
    params: Vec<String>,
) -> Result<http::Response<Body>, ApiError>
where
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    let request_id = req.request_id.as_str();
    // Each arm authenticates for itself, so the endpoints open to anyone never read a credential.
    let data = match endpoint {
        Endpoint::PublicFeed => return public_feed::respond(app, &req.query, request_id).await,
        Endpoint::Shared => return shared::respond(app, &params[0], &req.query, request_id).await,
        Endpoint::SharedImage => return share_image::respond(app, &params[0], &params[1], &params[2]).await,
        Endpoint::SharePage => {
            return Ok(share_page::respond(app, &params[0], &req.query, &req.headers, request_id).await);
        }
        Endpoint::Shares => {
            let user = caller(app, &req.headers, Scope::GalleryRead).await?.user_id;
            let (items, pagination) = shares::list(app, user, &req.query).await?;
            let meta = Meta { request_id, pagination: Some(pagination) };
            return Ok(json_response(StatusCode::OK, items, meta, Cached::Never));
        }
        Endpoint::RevokeShare => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            shares::revoke(app, user, shares::parse_id(&params[0])?).await?
        }
        Endpoint::ShareCollection | Endpoint::ShareImage => {
            let who = caller(app, &req.headers, Scope::GalleryWrite).await?;
            let target = if matches!(endpoint, Endpoint::ShareImage) {
                Target::Image(image::parse_id(&params[0])?)
            } else {
                Target::Collection(collections::parse_id(&params[0])?)
            };
            let body = shares::read_new_share(&req.headers, req.body).await?;
            let created = shares::create(app, &who, target, body).await?;
            return Ok(json_response(StatusCode::CREATED, created, Meta::new(request_id), Cached::Never));
        }
        Endpoint::Collections => {
            let user = caller(app, &req.headers, Scope::GalleryRead).await?.user_id;
            collections::list(app, user).await?
        }
        Endpoint::CreateCollection => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            let created = collections::create(app, user, read_json(&req.headers, req.body).await?).await?;
            return Ok(json_response(StatusCode::CREATED, created, Meta::new(request_id), Cached::Never));
        }
        Endpoint::Collection => {
            let user = caller(app, &req.headers, Scope::GalleryRead).await?.user_id;
            collections::one(app, user, collections::parse_id(&params[0])?).await?
        }
        Endpoint::UpdateCollection => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            let id = collections::parse_id(&params[0])?;
            collections::update(app, user, id, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::DeleteCollection => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            collections::delete(app, user, collections::parse_id(&params[0])?).await?
        }
        Endpoint::AddToCollection => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            let id = collections::parse_id(&params[0])?;
            collections::add(app, user, id, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::RemoveFromCollection => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            let id = collections::parse_id(&params[0])?;
            collections::remove(app, user, id, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::Prompts => {
            let user = caller(app, &req.headers, Scope::GalleryRead).await?.user_id;
            prompts::list(app, user, &req.query).await?
        }
        Endpoint::PinPrompt => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            let id = prompts::parse_id(&params[0])?;
            prompts::pin(app, user, id, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::DeletePrompt => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            prompts::delete(app, user, prompts::parse_id(&params[0])?).await?
        }
        Endpoint::Bulk => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            bulk::run(app, user, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::Export => {
            let who = caller(app, &req.headers, Scope::GalleryRead).await?;
            return export::export(app, &who, read_json(&req.headers, req.body).await?, request_id).await;
        }
        Endpoint::List => {
            let user = caller(app, &req.headers, Scope::GalleryRead).await?.user_id;
            let listing = listing::Listing::parse(&req.query)?;
            let (items, pagination) = listing::page(app, user, &listing).await?;
            let meta = Meta { request_id, pagination: Some(pagination) };
            return Ok(json_response(StatusCode::OK, items, meta, Cached::Never));
        }
        Endpoint::One => {
            let user = caller(app, &req.headers, Scope::GalleryRead).await?.user_id;
            one(app, user, image::parse_id(&params[0])?).await?
        }
        Endpoint::Update => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            let id = image::parse_id(&params[0])?;
            editing::update(app, user, id, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::Delete => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            removal::delete(app, user, image::parse_id(&params[0])?).await?
        }
        Endpoint::Download => {
            let who = caller(app, &req.headers, Scope::GalleryRead).await?;
            let (id, wanted) = (image::parse_id(&params[0])?, download::Wanted::parse(&req.query)?);
            return download::download(app, &who, id, wanted, request_id).await;
        }
        Endpoint::SaveVersion => {
            let user = caller(app, &req.headers, Scope::GalleryWrite).await?.user_id;
            let (id, edits) = (image::parse_id(&params[0])?, versions::Edits::parse(&req.query)?);
            volume::upload_attempt(app, user).await?;
            let png = versions::read_png(&req.headers, req.body).await?;
            let created = versions::save(app, user, id, edits, png).await?;
            return Ok(json_response(StatusCode::CREATED, created, Meta::new(request_id), Cached::Never));
        }
    };
    Ok(json_response(StatusCode::OK, data, Meta::new(request_id), Cached::Never))
}

/// The signed-in caller or API key, allowed `scope`; 401 without credentials, 403 without the scope.
async fn caller(app: &App, headers: &HeaderMap, scope: Scope) -> Result<Principal, ApiError> {
    let who = principal::authenticate(app, headers).await?;
    who.require(scope)?;
    Ok(who)
}

/// The image with its place in the version tree: the image it was edited from, and its edits.
async fn one(app: &App, user: Uuid, id: Uuid) -> Result<Value, ApiError> {
    #[derive(Deserialize)]
    struct Child {
        id: Uuid,
    }
    let found = image::own(app, user, id).await?;
    let children = app
        .db
        .from("generated_images")
        .select("id")
        .eq("parent_image_id", id.to_string())
        .eq("user_id", user.to_string())
        .order("created_at.asc,id.asc");
    let children: Vec<Child> = app.db.fetch(children).await?;
    let parent = found.parent_image_id;
    let mut shown = image::present(app, &[found]).await?.remove(0);
    let children: Vec<Uuid> = children.into_iter().map(|c| c.id).collect();
    shown["versions"] = json!({ "parent": parent, "children": children });
    Ok(shown)
}
