//! `GET /api/gallery/shared/{token}/{image}/w{width}.webp`: one derivative of an image a share link
//! shows, served through this function rather than by a signed Storage URL. A Storage URL names the
//! object, and every object path starts with the owner's id; this URL names only the link, the image
//! and the width. The link is checked on every request, so a revoked link stops serving at once
//! here and within [`SHARED_IMAGE_MAX_AGE`] wherever a copy was cached.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, Full};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::image::parse_id;
use super::shared::unknown;
use crate::app::App;
use crate::domain::ShareToken;
use crate::error::ApiError;
use crate::http::Body;
use crate::imaging;
use crate::routes::generate::objects;

/// Seconds a browser or CDN may keep a shared image: how long a revoked or expired link's images
/// may still show from a cache. Short, and long enough that a page's images load once per visit.
pub const SHARED_IMAGE_MAX_AGE: u32 = 300;

/// `{APP_URL}/api/gallery/shared/{token}/{image}/w{width}.webp`.
pub fn url(app: &App, token: &ShareToken, image: Uuid, width: u32) -> String {
    let base = app.config.auth.app_url.as_str().trim_end_matches('/');
    format!("{base}/api/gallery/shared/{}/{image}/w{width}.webp", token.as_str())
}

/// The derivative's bytes; 404 for an unknown or revoked link, an image it does not show or a width
/// the image lacks, 410 for an expired link (as the link's own answers).
pub async fn respond(app: &App, token: &str, image: &str, file: &str) -> Result<http::Response<Body>, ApiError> {
    #[derive(Deserialize)]
    struct Object {
        state: String,
        path: Option<String>,
    }
    let token = ShareToken::parse(token).ok_or_else(unknown)?;
    let image = parse_id(image)?;
    let width = parse_file(file)?;
    let args = json!({ "p_token": token.as_str(), "p_image": image, "p_width": width.to_string() });
    let object: Object = app.db.first(app.db.rpc("share_object", &args)).await?.ok_or_else(unknown)?;
    let path = match (object.state.as_str(), object.path) {
        ("active", Some(path)) => path,
        ("expired", _) => return Err(ApiError::Gone("this share link has expired".into())),
        _ => return Err(unknown()),
    };
    let stored = app.storage.download(app.storage.private_bucket(), &path).await?;
    // An original standing in for this width carries the prompt and seed as XMP, which a share
    // link may not show: its image data alone is served.
    if path.ends_with(&format!("/{}", objects::ORIGINAL)) {
        return Ok(image_response(imaging::webp_image_only(&stored.bytes).map_err(ApiError::internal)?.into()));
    }
    Ok(image_response(stored.bytes))
}

/// `w{width}.webp` → the width; anything else names no image of the link.
fn parse_file(file: &str) -> Result<u32, ApiError> {
    let width = file.strip_prefix('w').and_then(|rest| rest.strip_suffix(".webp"));
    let width = width.filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()));
    width.and_then(|w| w.parse().ok()).ok_or_else(|| ApiError::validation("file", "must be w{width}.webp"))
}

/// The image, cacheable briefly by anyone holding the URL (the URL is as secret as the link), never
/// indexed, never sniffed as anything but WebP.
fn image_response(bytes: Bytes) -> http::Response<Body> {
    let mut response = http::Response::new(Full::new(bytes).map_err(|never| match never {}).boxed());
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/webp"));
    let cache = format!("public, max-age={SHARED_IMAGE_MAX_AGE}, s-maxage={SHARED_IMAGE_MAX_AGE}");
    if let Ok(cache) = HeaderValue::from_str(&cache) {
        headers.insert(header::CACHE_CONTROL, cache);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_names_a_webp_width() {
        assert_eq!(parse_file("w800.webp").unwrap(), 800);
        for bad in ["800.webp", "w800.png", "w.webp", "w-1.webp", "w+8.webp", "w99999999999.webp", "original.png"] {
            assert_eq!(parse_file(bad).unwrap_err().body()["details"]["field"], "file", "{bad}");
        }
    }
}
