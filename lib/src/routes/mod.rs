//! One module per Vercel function in `api/`, and the dispatch every entry point shares: the Vercel
//! binaries, the local dev server and the tests.

mod auth;
mod cron;
mod gallery;
mod generate;
mod templates;
mod usage;

pub(crate) use auth::common as auth_common;
pub(crate) use auth::profile::{profile as auth_profile, settings as auth_settings};
pub use cron::CronConfig;

use http_body::Body as HttpBody;

use crate::app::App;
use crate::error::{ApiError, BoxError};
use crate::http::{Body, Request, error_response};

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

    /// The function a path reaches through vercel.json's rewrites: its prefix, or a sub-path of it.
    pub fn for_path(path: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| path.strip_prefix(f.prefix()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
    }
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
}
