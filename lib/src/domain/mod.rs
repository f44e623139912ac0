//! Validated values: input becomes one of these at the edge, so handlers only see valid data.

mod email;
pub mod generation;
mod image_params;
mod password;
#[cfg(test)]
mod props;
mod share_token;
mod text;

pub use email::Email;
pub use image_params::{AspectRatio, Quality, Seed};
pub use password::NewPassword;
pub use share_token::ShareToken;
pub use text::{Lines, SearchTerm, Slug, TemplateRef, optional_text, refuse_controls, user_text};
