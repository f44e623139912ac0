//! Validated values: input becomes one of these at the edge, so handlers only see valid data.

mod email;
pub mod generation;
mod password;
#[cfg(test)]
mod props;
mod share_token;
mod text;

pub use email::Email;
pub use password::NewPassword;
pub use share_token::ShareToken;
pub use text::{SearchTerm, Slug, TemplateRef};
