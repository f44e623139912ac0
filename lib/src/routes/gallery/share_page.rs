//! The share page `/s/{token}` (vercel.json rewrites it to this function as `?_path=s/{token}`):
//! HTML for people and for link previews, in Indonesian or English as the browser asks. Its
//! og:image is the 800 px derivative at its URL under the link (`share_image.rs`), which works
//! exactly as long as the link does and names no stored object. The page runs no script; its CSP
//! allows the app's stylesheet and the app's images, nothing else. A link that does not work
//! gets a friendly page: 404 when unknown or revoked, 410 when expired.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, Full};

use super::share_html::{
    Card, ENGLISH, INDONESIAN, Words, describe_collection, describe_image, document, error_page, figure, more, preview,
    title,
};
use super::shared::{self, Shown, Via};
use super::shares::share_url;
use super::window::Window;
use crate::app::App;
use crate::domain::ShareToken;
use crate::error::ApiError;
use crate::http::escape_html as escape;
use crate::http::{Body, Query, log_error};

/// Display widths: one image across a reading column; a collection as a grid of cards.
const IMAGE_WIDTH: u32 = 800;
const GRID_WIDTH: u32 = 300;

/// Always a page, never the JSON envelope: whoever follows a link is a person or a previewer.
pub async fn respond(
    app: &App,
    raw: &str,
    query: &Query,
    headers: &HeaderMap,
    request_id: &str,
) -> http::Response<Body> {
    let words = words_for(headers);
    let app_url = app.config.auth.app_url.as_str().trim_end_matches('/');
    let (status, html) = match render(app, raw, query, words, app_url).await {
        Ok(html) => (StatusCode::OK, html),
        Err(err) => {
            let text = match &err {
                ApiError::Gone(_) => words.expired,
                ApiError::NotFound(_) | ApiError::Validation { .. } => words.missing,
                _ => words.failed,
            };
            if err.status().is_server_error() {
                log_error(&err, request_id);
            }
            (err.status(), error_page(words, text, app_url))
        }
    };
    html_response(app, status, html)
}

async fn render(app: &App, raw: &str, query: &Query, words: &Words, app_url: &str) -> Result<String, ApiError> {
    let token = ShareToken::parse(raw).ok_or_else(shared::unknown)?;
    let window = Window::parse(query)?;
    let link = shared::open(app, token, window.is_first(), Via::Page).await?;
    let shown = shared::load(app, &link, window).await?;
    let urls = shared::image_urls(app, &link, &shown.images());
    let url = share_url(app, link.token.as_str());
    let html = match &shown {
        Shown::Image(image) => {
            let card = Card {
                title: title(image, words),
                description: describe_image(image, words),
                url: Some(&url),
                image: preview(image, &urls, words),
            };
            let body = format!("<h1>{}</h1>\n{}", escape(&card.title), figure(image, &urls, words, IMAGE_WIDTH));
            document(words, &card, &body, app_url)
        }
        Shown::Collection(collection) => {
            let images = &collection.images;
            let cover = images.iter().find(|i| Some(i.id) == collection.cover_image_id).or(images.first());
            let card = Card {
                title: collection.name.clone(),
                description: describe_collection(collection.description.as_deref(), collection.image_count, words),
                url: Some(&url),
                image: cover.and_then(|image| preview(image, &urls, words)),
            };
            let about =
                collection.description.as_deref().map(|d| format!("<p>{}</p>\n", escape(d))).unwrap_or_default();
            let grid: String =
                images.iter().map(|image| format!("<li>{}</li>\n", figure(image, &urls, words, GRID_WIDTH))).collect();
            let next = more(collection.pagination["next_cursor"].as_str(), words);
            let body = format!("<h1>{}</h1>\n{about}<ul class=\"grid\">\n{grid}</ul>\n{next}", escape(&card.title));
            document(words, &card, &body, app_url)
        }
    };
    Ok(html)
}

/// Indonesian when the browser's first language is, English otherwise (previewers send none).
fn words_for(headers: &HeaderMap) -> &'static Words {
    let first = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|tag| tag.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    match first {
        Some(tag) if tag == "id" || tag.starts_with("id-") => &INDONESIAN,
        _ => &ENGLISH,
    }
}

/// The page with its headers: never cached (a revoked link must stop at once), no referrer (the
/// token is in the page's URL), and a CSP that allows the stylesheet and the app's images only
/// (they are served under `APP_URL`, which may differ from the host a preview deployment runs on).
fn html_response(app: &App, status: StatusCode, html: String) -> http::Response<Body> {
    let images = app.config.auth.app_url.origin().ascii_serialization();
    let csp = format!(
        "default-src 'none'; img-src 'self' {images}; style-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    );
    let mut response = http::Response::new(Full::new(Bytes::from(html)).map_err(|never| match never {}).boxed());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browsers_first_language_picks_the_words() {
        let mut headers = HeaderMap::new();
        assert_eq!(words_for(&headers).lang, "en");
        for (value, lang) in [("id-ID,id;q=0.9,en;q=0.8", "id"), ("ID", "id"), ("en-US,id;q=0.5", "en"), ("idx", "en")]
        {
            headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(value));
            assert_eq!(words_for(&headers).lang, lang, "{value}");
        }
    }
}
