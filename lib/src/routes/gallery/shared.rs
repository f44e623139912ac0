//! A share link opened by anyone, signed in or not (`GET /api/gallery/shared/{token}`, and the
//! share page): the token checked for shape first, so a malformed one costs no query; the visit
//! counted and logged; then what the link points at: one image, or a collection with a page of its
//! images. Derivatives only (the original's PNG text carries the prompt), each by a URL of this
//! function under the link (`share_image.rs`), never a Storage URL (its path names the owner); the
//! prompt only when the link shows it.
//!
//! An unknown or revoked link is 404 (a withdrawn link says no more than one that never existed);
//! an expired one is 410 GONE, so the visitor knows to ask for a new link.

use std::collections::{BTreeMap, HashMap};

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::image::{by_width, scaled_height};
use super::listing::{self, Listing};
use super::share_image;
use super::window::Window;
use crate::app::App;
use crate::domain::ShareToken;
use crate::error::ApiError;
use crate::http::{Body, Cached, Meta, Query, json_response};
use crate::routes::auth_common::timestamp;
use crate::routes::usage::{self, Action};

/// What a share link points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Image(Uuid),
    Collection(Uuid),
}

impl Target {
    /// `(image_id, collection_id)`, as the `shares` table stores the target.
    pub fn ids(self) -> (Option<Uuid>, Option<Uuid>) {
        match self {
            Self::Image(id) => (Some(id), None),
            Self::Collection(id) => (None, Some(id)),
        }
    }
}

/// Where a visit came from, for the usage log.
#[derive(Clone, Copy, Debug)]
pub enum Via {
    Api,
    Page,
}

/// An active link, as `share_visit` resolved it.
pub struct Link {
    pub token: ShareToken,
    owner: Uuid,
    pub target: Target,
    pub show_prompt: bool,
    expires_at: Option<OffsetDateTime>,
}

#[derive(Deserialize)]
struct Visit {
    share_id: Uuid,
    state: String,
    owner_id: Uuid,
    image_id: Option<Uuid>,
    collection_id: Option<Uuid>,
    show_prompt: bool,
    expires_at: Option<String>,
}

pub fn unknown() -> ApiError {
    ApiError::NotFound("this share link does not exist or was withdrawn".into())
}

/// The link `token` names, if it is active. A first look (`count`) adds one to its views (and its
/// image's) and logs a `share_view`; the next pages of a collection do not.
pub async fn open(app: &App, token: ShareToken, count: bool, via: Via) -> Result<Link, ApiError> {
    let args = json!({ "p_token": token.as_str(), "p_count": count });
    let visit: Visit = app.db.first(app.db.rpc("share_visit", &args)).await?.ok_or_else(unknown)?;
    match visit.state.as_str() {
        "active" => {}
        "expired" => return Err(ApiError::Gone("this share link has expired".into())),
        _ => return Err(unknown()),
    }
    let target = match (visit.image_id, visit.collection_id) {
        (Some(id), _) => Target::Image(id),
        (None, Some(id)) => Target::Collection(id),
        (None, None) => return Err(ApiError::internal("a share link without a target")),
    };
    if count {
        let via = match via {
            Via::Api => "api",
            Via::Page => "page",
        };
        let details = json!({ "share_id": visit.share_id, "collection_id": visit.collection_id, "via": via });
        usage::record_or_log(app, None, Action::ShareView, visit.image_id, details).await;
    }
    let expires_at = visit.expires_at.as_deref().map(|at| OffsetDateTime::parse(at, &Rfc3339)).transpose();
    let expires_at = expires_at.map_err(ApiError::internal)?;
    Ok(Link { token, owner: visit.owner_id, target, show_prompt: visit.show_prompt, expires_at })
}

/// An image as a visitor sees it: no owner, no tags, no private paths beyond the derivatives'.
#[derive(Deserialize)]
pub struct Seen {
    pub id: Uuid,
    pub title: Option<String>,
    pub alt_text: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    aspect_ratio: String,
    derivative_paths: BTreeMap<String, String>,
    created_at: String,
    /// Selected only when the link shows the prompt.
    #[serde(default)]
    pub prompt: Option<String>,
}

impl Seen {
    /// Width → private object path, by ascending width.
    pub fn derivatives(&self) -> Vec<(u32, &str)> {
        by_width(&self.derivative_paths)
    }

    fn to_json(&self, urls: &HashMap<String, String>) -> Value {
        let derivatives: Vec<Value> = self
            .derivatives()
            .into_iter()
            .map(|(width, path)| {
                json!({ "width": width, "height": scaled_height(self.width, self.height, width),
                        "url": urls.get(path) })
            })
            .collect();
        json!({ "id": self.id, "title": self.title, "alt_text": self.alt_text, "width": self.width,
                "height": self.height, "aspect_ratio": self.aspect_ratio, "prompt": self.prompt,
                "derivatives": derivatives })
    }
}

/// The prompt leaves the database only for a link that shows it.
fn columns(link: &Link) -> &'static str {
    if link.show_prompt {
        "id,title,alt_text,width,height,aspect_ratio,derivative_paths,created_at,prompt"
    } else {
        "id,title,alt_text,width,height,aspect_ratio,derivative_paths,created_at"
    }
}

/// A shared collection: its card and one page of its images.
pub struct Collection {
    pub name: String,
    pub description: Option<String>,
    pub image_count: i64,
    pub cover_image_id: Option<Uuid>,
    pub images: Vec<Seen>,
    pub pagination: Value,
}

/// What a link shows.
pub enum Shown {
    Image(Seen),
    Collection(Collection),
}

impl Shown {
    pub fn images(&self) -> Vec<&Seen> {
        match self {
            Self::Image(image) => vec![image],
            Self::Collection(collection) => collection.images.iter().collect(),
        }
    }
}

/// The image, or the collection and the page `window` of its images (newest first, as its owner
/// lists them).
pub async fn load(app: &App, link: &Link, window: Window) -> Result<Shown, ApiError> {
    match link.target {
        Target::Image(id) => {
            let query = app.db.from("generated_images").select(columns(link)).eq("id", id.to_string());
            let image: Option<Seen> = app.db.first(query.eq("user_id", link.owner.to_string())).await?;
            Ok(Shown::Image(image.ok_or_else(unknown)?))
        }
        Target::Collection(id) => {
            #[derive(Deserialize)]
            struct Card {
                id: Uuid,
                name: String,
                description: Option<String>,
                cover_image_id: Option<Uuid>,
                image_count: i64,
            }
            let cards: Vec<Card> = app.db.fetch(app.db.rpc("collections_of", &json!({ "p_user": link.owner }))).await?;
            let card = cards.into_iter().find(|card| card.id == id).ok_or_else(unknown)?;
            let listing = Listing::of_collection(id, window);
            let (images, pagination) =
                listing::rows::<Seen>(app, link.owner, &listing, columns(link), |i| (&i.created_at, i.id)).await?;
            Ok(Shown::Collection(Collection {
                name: card.name,
                description: card.description,
                image_count: card.image_count,
                cover_image_id: card.cover_image_id,
                images,
                pagination,
            }))
        }
    }
}

/// The URL under the link of every derivative of `images`, by private object path (the key the
/// JSON and the page look each derivative up by). No Storage call: the link is checked again when
/// each image is fetched.
pub fn image_urls(app: &App, link: &Link, images: &[&Seen]) -> HashMap<String, String> {
    let urls = images.iter().flat_map(|image| {
        let derivatives = image.derivatives().into_iter();
        derivatives.map(|(width, path)| (path.to_owned(), share_image::url(app, &link.token, image.id, width)))
    });
    urls.collect()
}

/// `GET /api/gallery/shared/{token}?cursor=&limit=` (the page only matters for a collection).
pub async fn respond(app: &App, raw: &str, query: &Query, request_id: &str) -> Result<http::Response<Body>, ApiError> {
    let token = ShareToken::parse(raw).ok_or_else(unknown)?;
    let window = Window::parse(query)?;
    let link = open(app, token, window.is_first(), Via::Api).await?;
    let shown = load(app, &link, window).await?;
    let urls = image_urls(app, &link, &shown.images());
    let expires_at = link.expires_at.map(timestamp);
    let (data, pagination) = match &shown {
        Shown::Image(image) => {
            (json!({ "type": "image", "expires_at": expires_at, "image": image.to_json(&urls) }), None)
        }
        Shown::Collection(c) => {
            let images: Vec<Value> = c.images.iter().map(|image| image.to_json(&urls)).collect();
            let collection = json!({ "name": c.name, "description": c.description, "image_count": c.image_count });
            let data = json!({ "type": "collection", "expires_at": expires_at, "collection": collection,
                               "images": images });
            (data, Some(c.pagination.clone()))
        }
    };
    Ok(json_response(StatusCode::OK, data, Meta { request_id, pagination }, Cached::Never))
}
