//! PostgreSQL for the local stack: a private cluster and the Supabase-like schema inside it.

mod cluster;
mod migrate;

pub use cluster::{Cluster, ClusterOptions, PgError};
pub use migrate::{MigrationReport, bootstrap, migrate};

use std::path::PathBuf;

/// The repository root, where `supabase/` and `public/` live (known at build time, never guessed
/// from the current directory).
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
