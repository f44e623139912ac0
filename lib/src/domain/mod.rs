//! Validated values: input becomes one of these at the edge, so handlers only see valid data.

mod text;

pub use text::{SearchTerm, Slug, TemplateRef};
