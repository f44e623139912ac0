//! PostgreSQL for the local stack: a private cluster and the Supabase-like schema inside it.

mod cluster;
mod migrate;
mod place;
pub mod statements;

pub use cluster::{ADMIN_ROLE, Cluster, ClusterOptions, PgError};
pub use migrate::{
    MIGRATION_ROLE, Migration, MigrationReport, bootstrap, connect, create_history_table, migrate, migration_files,
    push, push_file,
};
pub use place::cluster_dir;

use std::path::PathBuf;

/// The repository root, where `supabase/` and `public/` live (known at build time, never guessed
/// from the current directory).
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
