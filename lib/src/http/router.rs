//! A small router: method + path pattern (`/api/templates/:id`) to an endpoint value. Static
//! segments are written before parameters in the tables, and the first match wins.

use http::Method;
use percent_encoding::percent_decode_str;

use crate::error::ApiError;

pub struct Router<E: Copy + 'static> {
    routes: &'static [(Method, &'static str, E)],
}

impl<E: Copy + 'static> Router<E> {
    pub const fn new(routes: &'static [(Method, &'static str, E)]) -> Self {
        Self { routes }
    }

    /// Every route's method and pattern, in table order: what the published API description must
    /// list (patterns write parameters as `:name`).
    pub fn routes(&self) -> Vec<(Method, &'static str)> {
        self.routes.iter().map(|(method, pattern, _)| (method.clone(), *pattern)).collect()
    }

    /// The endpoint for `method` and `path`, with the path parameters in pattern order: 404 when no
    /// pattern matches, 405 (listing the allowed methods) when only the method is wrong.
    pub fn resolve(&self, method: &Method, path: &str) -> Result<(E, Vec<String>), ApiError> {
        let mut allow = Vec::new();
        for (route_method, pattern, endpoint) in self.routes {
            let Some(params) = match_pattern(pattern, path) else { continue };
            if route_method == method {
                return Ok((*endpoint, params));
            }
            allow.push(route_method.clone());
        }
        if allow.is_empty() {
            Err(ApiError::NotFound(format!("no route for {path}")))
        } else {
            Err(ApiError::MethodNotAllowed { allow })
        }
    }
}

fn match_pattern(pattern: &str, path: &str) -> Option<Vec<String>> {
    let mut want = segments(pattern);
    let mut got = segments(path);
    let mut params = Vec::new();
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) if w.starts_with(':') => {
                params.push(percent_decode_str(g).decode_utf8().ok()?.into_owned());
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

/// Path segments, ignoring a trailing slash.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Endpoint {
        List,
        Categories,
        One,
        Update,
    }

    static ROUTER: Router<Endpoint> = Router::new(&[
        (Method::GET, "/api/templates", Endpoint::List),
        (Method::GET, "/api/templates/categories", Endpoint::Categories),
        (Method::GET, "/api/templates/:id", Endpoint::One),
        (Method::PATCH, "/api/templates/:id", Endpoint::Update),
    ]);

    #[test]
    fn matches_static_paths_before_parameters() {
        assert_eq!(ROUTER.resolve(&Method::GET, "/api/templates").unwrap().0, Endpoint::List);
        assert_eq!(ROUTER.resolve(&Method::GET, "/api/templates/").unwrap().0, Endpoint::List);
        let (endpoint, params) = ROUTER.resolve(&Method::GET, "/api/templates/categories").unwrap();
        assert_eq!((endpoint, params.len()), (Endpoint::Categories, 0));
    }

    #[test]
    fn captures_decoded_parameters() {
        let (endpoint, params) = ROUTER.resolve(&Method::GET, "/api/templates/a%20b").unwrap();
        assert_eq!(endpoint, Endpoint::One);
        assert_eq!(params, vec!["a b".to_owned()]);
    }

    #[test]
    fn unknown_paths_are_not_found() {
        for path in ["/api/templates/a/b", "/api/other", "/"] {
            let err = ROUTER.resolve(&Method::GET, path).unwrap_err();
            assert_eq!(err.code(), "NOT_FOUND", "{path}");
        }
    }

    #[test]
    fn lists_its_routes_in_table_order() {
        let routes = ROUTER.routes();
        assert_eq!(routes.len(), 4);
        assert_eq!(routes[0], (Method::GET, "/api/templates"));
        assert_eq!(routes[3], (Method::PATCH, "/api/templates/:id"));
    }

    #[test]
    fn wrong_methods_list_the_allowed_ones() {
        let err = ROUTER.resolve(&Method::DELETE, "/api/templates/x").unwrap_err();
        match err {
            ApiError::MethodNotAllowed { allow } => assert_eq!(allow, vec![Method::GET, Method::PATCH]),
            other => panic!("expected 405, got {other:?}"),
        }
    }
}
