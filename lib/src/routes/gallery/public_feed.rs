//! `GET /api/gallery/public`: published images for anyone, newest published first, keyset-paginated
//! (`cursor`, `limit`) and searched (`q`, the owner's search over what a visitor may see). One call
//! of `public_feed_page`, which returns public columns only; each image's derivatives by their
//! public-bucket URLs (a random folder per publication: neither the owner nor the image is named).

use std::collections::BTreeMap;

use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::image::{by_width, scaled_height};
use super::window::Window;
use crate::app::App;
use crate::domain::SearchTerm;
use crate::error::ApiError;
use crate::http::{Body, Cached, Meta, Query, json_response};

/// The feed is the same for everyone, so browsers and the CDN may keep a page briefly; briefly,
/// because an unpublished image's public URLs stop working at once (cached copies of the images
/// themselves within their five-minute `Cache-Control`).
const CACHED: Cached = Cached::Public { max_age: 30, s_maxage: 60, stale_while_revalidate: 60 };

/// A feed request: the page and the search term.
#[derive(Debug)]
pub struct Feed {
    window: Window,
    q: Option<SearchTerm>,
}

impl Feed {
    pub fn parse(query: &Query) -> Result<Self, ApiError> {
        Ok(Self { window: Window::parse(query)?, q: SearchTerm::parse("q", query.get("q"))? })
    }
}

/// A row of `public_feed_page`: everything in it may be shown to anyone (`prompt` is null unless
/// the owner shows it).
#[derive(Deserialize)]
struct Published {
    id: Uuid,
    title: Option<String>,
    alt_text: Option<String>,
    tags: Vec<String>,
    width: Option<u32>,
    height: Option<u32>,
    aspect_ratio: String,
    /// "original" or a width → object path in the public bucket.
    public_paths: Option<BTreeMap<String, String>>,
    published_at: String,
    prompt: Option<String>,
}

impl Published {
    /// The derivatives only: the original's copy carries the generation parameters in its PNG text
    /// chunks, the prompt among them.
    fn to_json(&self, app: &App) -> Value {
        let public_url = |path: &str| app.storage.public_url(app.storage.public_bucket(), path);
        let derivatives: Vec<Value> = self
            .public_paths
            .as_ref()
            .map(by_width)
            .unwrap_or_default()
            .into_iter()
            .map(|(width, path)| {
                json!({ "width": width, "height": scaled_height(self.width, self.height, width),
                        "url": public_url(path) })
            })
            .collect();
        json!({
            "id": self.id, "title": self.title, "alt_text": self.alt_text, "tags": self.tags,
            "width": self.width, "height": self.height, "aspect_ratio": self.aspect_ratio,
            "published_at": self.published_at, "prompt": self.prompt,
            "urls": { "derivatives": derivatives },
        })
    }
}

/// The page of the feed `query` asks for, as the envelope with `meta.pagination`.
pub async fn respond(app: &App, query: &Query, request_id: &str) -> Result<http::Response<Body>, ApiError> {
    let feed = Feed::parse(query)?;
    let (items, pagination) = page(app, &feed).await?;
    Ok(json_response(StatusCode::OK, items, Meta { request_id, pagination: Some(pagination) }, CACHED))
}

async fn page(app: &App, feed: &Feed) -> Result<(Vec<Value>, Value), ApiError> {
    let (after_published_at, after_id) = feed.window.after();
    let args = json!({
        "p_limit": feed.window.fetch_limit(), "p_after_published_at": after_published_at,
        "p_after_id": after_id, "p_q": feed.q.as_ref().map(SearchTerm::as_str),
    });
    let mut rows: Vec<Published> = app.db.fetch(app.db.rpc("public_feed_page", &args)).await?;
    let pagination = feed.window.paginate(&mut rows, |row| (&row.published_at, row.id));
    Ok((rows.iter().map(|row| row.to_json(app)).collect(), pagination))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_parameters_are_named() {
        for (query, field) in [("limit=0", "limit"), ("cursor=abc", "cursor"), ("limit=x", "limit")] {
            let err = Feed::parse(&Query::parse(query)).expect_err(query);
            assert_eq!(err.body()["details"]["field"], field, "{query}");
        }
        let err = Feed::parse(&Query::parse(&format!("q={}", "a".repeat(101)))).unwrap_err();
        assert_eq!(err.body()["details"]["field"], "q");
        assert!(Feed::parse(&Query::parse("q=kucing&limit=5")).is_ok());
    }
}
