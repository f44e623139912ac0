//! Supabase access: PostgREST through the `postgrest` crate.

mod rest;

pub use rest::{Db, DbError, quote_filter_value};
