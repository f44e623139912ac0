//! `/api/gallery`: the caller's own images.
//!
//! - `GET /api/gallery`: newest first, keyset-paginated (`cursor`, `limit`), searched (`q`) and
//!   filtered (`tag`, `collection`, `favorite`, `visibility`, `template`, `aspect_ratio`, `from`, `to`).
//! - `GET /api/gallery/{id}`: one image with its versions (parent and children).
//! - `PATCH /api/gallery/{id}`: title, alt text, tags, favourite, published or not.
//! - `DELETE /api/gallery/{id}`: the image, its stored objects and its collection links.
//! - `GET /api/gallery/{id}/download?format=&metadata=`: the original as PNG, JPEG or WebP, streamed.
//! - `POST /api/gallery/bulk`: one action on up to 100 images, answered per id.
//! - `POST /api/gallery/export`: a streamed ZIP of chosen images or a collection, with `metadata.json`.
//! - `GET /api/gallery/prompts`, `PATCH/DELETE /api/gallery/prompts/{id}`: the prompt history.
//! - `GET/POST /api/gallery/collections`, `GET/PATCH/DELETE /api/gallery/collections/{id}`,
//!   `POST/DELETE /api/gallery/collections/{id}/images`: collections (their images are listed by
//!   `GET /api/gallery?collection={id}`).
//!
//! Reading needs the `gallery:read` scope, changing `gallery:write`. Another user's image is "not
//! found" whether or not it is public.

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
mod removal;
mod tags;

use http::{Method, StatusCode};
use http_body::Body as HttpBody;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::auth::principal::{self, Scope};
use crate::error::{ApiError, BoxError};
use crate::http::{Body, Cached, Meta, Request, Router, json_response, read_json};

#[derive(Clone, Copy)]
enum Endpoint {
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
}

static ROUTER: Router<Endpoint> = Router::new(&[
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
    (Method::GET, "/api/gallery/:id/download", Endpoint::Download),
]);

pub async fn handle<B>(app: &App, req: Request<B>) -> Result<http::Response<Body>, ApiError>
where
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    let (endpoint, params) = ROUTER.resolve(&req.method, &req.path)?;
    let who = principal::authenticate(app, &req.headers).await?;
    let user = who.user_id;
    let request_id = req.request_id.as_str();
    let data = match endpoint {
        Endpoint::Collections => {
            who.require(Scope::GalleryRead)?;
            collections::list(app, user).await?
        }
        Endpoint::CreateCollection => {
            who.require(Scope::GalleryWrite)?;
            let created = collections::create(app, user, read_json(&req.headers, req.body).await?).await?;
            return Ok(json_response(StatusCode::CREATED, created, Meta::new(request_id), Cached::Never));
        }
        Endpoint::Collection => {
            who.require(Scope::GalleryRead)?;
            collections::one(app, user, collections::parse_id(&params[0])?).await?
        }
        Endpoint::UpdateCollection => {
            who.require(Scope::GalleryWrite)?;
            let id = collections::parse_id(&params[0])?;
            collections::update(app, user, id, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::DeleteCollection => {
            who.require(Scope::GalleryWrite)?;
            collections::delete(app, user, collections::parse_id(&params[0])?).await?
        }
        Endpoint::AddToCollection => {
            who.require(Scope::GalleryWrite)?;
            let id = collections::parse_id(&params[0])?;
            collections::add(app, user, id, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::RemoveFromCollection => {
            who.require(Scope::GalleryWrite)?;
            let id = collections::parse_id(&params[0])?;
            collections::remove(app, user, id, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::Prompts => {
            who.require(Scope::GalleryRead)?;
            prompts::list(app, user, &req.query).await?
        }
        Endpoint::PinPrompt => {
            who.require(Scope::GalleryWrite)?;
            let id = prompts::parse_id(&params[0])?;
            prompts::pin(app, user, id, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::DeletePrompt => {
            who.require(Scope::GalleryWrite)?;
            prompts::delete(app, user, prompts::parse_id(&params[0])?).await?
        }
        Endpoint::Bulk => {
            who.require(Scope::GalleryWrite)?;
            bulk::run(app, user, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::Export => {
            who.require(Scope::GalleryRead)?;
            return export::export(app, &who, read_json(&req.headers, req.body).await?, request_id).await;
        }
        Endpoint::List => {
            who.require(Scope::GalleryRead)?;
            let listing = listing::Listing::parse(&req.query)?;
            let (items, pagination) = listing::page(app, user, &listing).await?;
            let meta = Meta { request_id, pagination: Some(pagination) };
            return Ok(json_response(StatusCode::OK, items, meta, Cached::Never));
        }
        Endpoint::One => {
            who.require(Scope::GalleryRead)?;
            one(app, user, image::parse_id(&params[0])?).await?
        }
        Endpoint::Update => {
            who.require(Scope::GalleryWrite)?;
            let id = image::parse_id(&params[0])?;
            editing::update(app, user, id, read_json(&req.headers, req.body).await?).await?
        }
        Endpoint::Delete => {
            who.require(Scope::GalleryWrite)?;
            removal::delete(app, user, image::parse_id(&params[0])?).await?
        }
        Endpoint::Download => {
            who.require(Scope::GalleryRead)?;
            let (id, wanted) = (image::parse_id(&params[0])?, download::Wanted::parse(&req.query)?);
            return download::download(app, &who, id, wanted, request_id).await;
        }
    };
    Ok(json_response(StatusCode::OK, data, Meta::new(request_id), Cached::Never))
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
