//! Supabase access: PostgREST through the `postgrest` crate.

mod rest;

pub use rest::{Db, DbError, bytea, quote_filter_value};
