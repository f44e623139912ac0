//! HTTP plumbing shared by every route: the request as handlers see it, body limits, the response
//! envelope, streamed file responses (`stream`) and the router.

mod body;
mod html;
#[cfg(test)]
pub(crate) mod props;
mod request;
mod response;
mod router;
pub mod stream;

pub use body::{JSON_BODY_LIMIT, json_from_bytes, read_body, read_json};
pub use html::escape_html;
pub use request::{Query, REWRITE_PARAM, Request};
pub use response::{Body, Cached, Meta, error_response, json_response, log_error};
pub use router::Router;
