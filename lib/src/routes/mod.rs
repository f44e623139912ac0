//! One module per Vercel function in `api/`, and the dispatch every entry point shares: the Vercel
//! binaries, the local dev server and the tests.

mod auth;
mod cron;
mod gallery;
mod generate;
mod storage_limits;
mod templates;
mod usage;

pub(crate) use auth::common as auth_common;
pub(crate) use auth::profile::{profile as auth_profile, settings as auth_settings};
pub use cron::CronConfig;
pub use gallery::VolumeConfig;
pub(crate) use storage_limits::check_room;
pub use storage_limits::{PLAN_STORAGE_BYTES, StorageLimits};

use http_body::Body as HttpBody;

use crate::app::App;
use crate::error::{ApiError, BoxError};
use crate::http::{Body, REWRITE_PARAM, Request, error_response};

/// The functions deployed from `api/`, each owning every path below its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    Generate,
    Gallery,
    Templates,
    Auth,
    CronReset,
}

impl Function {
    pub const ALL: [Function; 5] = [Self::Generate, Self::Gallery, Self::Templates, Self::Auth, Self::CronReset];

    /// The path Vercel serves the function at (its file under `api/` without `.rs`).
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Generate => "/api/generate",
            Self::Gallery => "/api/gallery",
            Self::Templates => "/api/templates",
            Self::Auth => "/api/auth",
            Self::CronReset => "/api/cron/reset",
        }
    }

    /// Every method and path pattern the function answers (parameters written `:name`).
    pub fn routes(self) -> Vec<(http::Method, &'static str)> {
        match self {
            Self::Generate => generate::routes(),
            Self::Gallery => gallery::routes(),
            Self::Templates => templates::routes(),
            Self::Auth => auth::routes(),
            Self::CronReset => cron::routes(),
        }
    }

    /// The function a path reaches through vercel.json's rewrites: its prefix, or a sub-path of it.
    pub fn for_path(path: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| path.strip_prefix(f.prefix()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
    }
}

/// Every route of every function, as the API description in docs/openapi.yaml must list them.
pub fn all() -> Vec<(http::Method, &'static str)> {
    Function::ALL.into_iter().flat_map(Function::routes).collect()
}

/// The pages outside `/api` that vercel.json rewrites to a function, and the URI the function is
/// handed: `/s/{token}` (a share link's page) becomes `/api/gallery?_path=s/{token}`, the page's
/// own query kept. The local server routes them through here, so they reach the handlers as on
/// Vercel.
pub fn rewrite(uri: &http::Uri) -> Option<(Function, http::Uri)> {
    let token = uri.path().strip_prefix("/s/").filter(|t| !t.is_empty() && !t.contains('/'))?;
    let sub_path: String = url::form_urlencoded::byte_serialize(format!("s/{token}").as_bytes()).collect();
    let rest = uri.query().map(|q| format!("&{q}")).unwrap_or_default();
    let prefix = Function::Gallery.prefix();
    let uri = format!("{prefix}?{REWRITE_PARAM}={sub_path}{rest}").parse().ok()?;
    Some((Function::Gallery, uri))
}

/// Answers one request with `function`'s handlers. Never fails: every error becomes an envelope.
pub async fn handle<B>(function: Function, app: &App, req: http::Request<B>) -> http::Response<Body>
where
    B: HttpBody + Send,
    B::Error: Into<BoxError>,
{
    let req = Request::new(req, function.prefix());
    let request_id = req.request_id.clone();
    let result = match function {
        Function::Templates => templates::handle(app, req).await,
        Function::Auth => auth::handle(app, req).await,
        Function::Generate => generate::handle(app, req).await,
        Function::Gallery => gallery::handle(app, req).await,
        Function::CronReset => cron::handle(app, req).await,
    };
    result.unwrap_or_else(|err| error_response(&err, &request_id))
}

/// [`handle`] with the process-wide [`App`]; a broken configuration answers 500 and is logged.
pub async fn serve<B>(function: Function, req: http::Request<B>) -> http::Response<Body>
where
    B: HttpBody + Send,
    B::Error: Into<BoxError>,
{
    match App::shared() {
        Ok(app) => handle(function, app, req).await,
        Err(config_error) => {
            let request_id = Request::new(req, function.prefix()).request_id;
            error_response(&ApiError::internal(config_error.to_string()), &request_id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_their_function() {
        assert_eq!(Function::for_path("/api/templates"), Some(Function::Templates));
        assert_eq!(Function::for_path("/api/templates/neon-noir"), Some(Function::Templates));
        assert_eq!(Function::for_path("/api/gallery/a/share"), Some(Function::Gallery));
        assert_eq!(Function::for_path("/api/cron/reset"), Some(Function::CronReset));
        assert_eq!(Function::for_path("/api/templatesx"), None);
        assert_eq!(Function::for_path("/api/cron"), None);
        assert_eq!(Function::for_path("/index.html"), None);
    }

    #[test]
    fn every_route_belongs_to_its_function() {
        let routes = all();
        assert!(routes.len() > 50, "{} routes", routes.len());
        for function in Function::ALL {
            for (method, pattern) in function.routes() {
                // The share page's own path is reached only through vercel.json's rewrite.
                if !pattern.starts_with("/s/") {
                    assert_eq!(Function::for_path(pattern), Some(function), "{method} {pattern}");
                }
            }
        }
    }

    #[test]
    fn share_pages_are_rewritten_to_the_gallery_function_as_vercel_does() {
        let rewritten = |uri: &str| rewrite(&uri.parse().unwrap()).map(|(f, uri)| (f, uri.to_string()));
        assert_eq!(rewritten("/s/abc_DEF-123"), Some((Function::Gallery, "/api/gallery?_path=s%2Fabc_DEF-123".into())));
        assert_eq!(
            rewritten("/s/abc?cursor=xyz"),
            Some((Function::Gallery, "/api/gallery?_path=s%2Fabc&cursor=xyz".into()))
        );
        for not_a_page in ["/s/", "/s/a/b", "/share/abc", "/api/gallery/s/abc"] {
            assert_eq!(rewritten(not_a_page), None, "{not_a_page}");
        }
        let request = Request::new(http::Request::get("/api/gallery?_path=s%2Fabc").body(()).unwrap(), "/api/gallery");
        assert_eq!(request.path, "/api/gallery/s/abc");
    }
}
