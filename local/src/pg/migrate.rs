//! Brings a database to the project's schema the way `supabase db reset` would: the Supabase-like
//! bootstrap, then every `supabase/migrations/<version>_<name>.sql` not yet applied, in filename
//! order and each in its own transaction, then `supabase/seed.sql` whenever its content changed.

use std::fs;
use std::path::Path;

use tokio_postgres::Client;

use super::PgError;

const BOOTSTRAP: &str = include_str!("bootstrap.sql");

/// What a run applied, for the dev server's start-up lines.
#[derive(Debug, Default)]
pub struct MigrationReport {
    pub applied: Vec<String>,
    pub seeded: bool,
}

/// The Supabase-like roles, schemas and helper functions alone (for fixtures that bring their own
/// tables).
pub async fn bootstrap(client: &Client) -> Result<(), PgError> {
    Ok(client.batch_execute(BOOTSTRAP).await?)
}

pub async fn migrate(client: &mut Client, supabase_dir: &Path) -> Result<MigrationReport, PgError> {
    bootstrap(client).await?;
    let mut report = MigrationReport::default();
    for (version, name, path) in migration_files(&supabase_dir.join("migrations"))? {
        let done = client
            .query_opt("select 1 from supabase_migrations.schema_migrations where version = $1", &[&version])
            .await?;
        if done.is_some() {
            continue;
        }
        let sql = fs::read_to_string(&path)?;
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let tx = client.transaction().await?;
        tx.batch_execute(&sql).await.map_err(|source| PgError::Migration { file: file.clone(), source })?;
        tx.execute(
            "insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)",
            &[&version, &name],
        )
        .await?;
        tx.commit().await?;
        report.applied.push(file);
    }
    report.seeded = seed(client, &supabase_dir.join("seed.sql")).await?;
    Ok(report)
}

/// `(version, name, path)` of every migration file, sorted by file name as the Supabase CLI does.
fn migration_files(dir: &Path) -> Result<Vec<(String, String, std::path::PathBuf)>, PgError> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else { continue };
        let Some(stem) = file.strip_suffix(".sql") else { continue };
        let Some((version, name)) = stem.split_once('_') else { continue };
        if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) {
            files.push((version.to_owned(), name.to_owned(), path.clone()));
        }
    }
    files.sort_by(|a, b| a.2.file_name().cmp(&b.2.file_name()));
    Ok(files)
}

/// Applies the seed when its content differs from the last one applied; it is written to be
/// idempotent, so re-running an edited seed updates rows in place.
async fn seed(client: &mut Client, path: &Path) -> Result<bool, PgError> {
    let Ok(sql) = fs::read_to_string(path) else { return Ok(false) };
    let hash: String = client.query_one("select md5($1)", &[&sql]).await?.get(0);
    let applied = client
        .query_opt("select 1 from supabase_migrations.seed_files where path = 'seed.sql' and hash = $1", &[&hash])
        .await?;
    if applied.is_some() {
        return Ok(false);
    }
    let tx = client.transaction().await?;
    tx.batch_execute(&sql).await.map_err(|source| PgError::Migration { file: "seed.sql".into(), source })?;
    tx.execute(
        "insert into supabase_migrations.seed_files (path, hash) values ('seed.sql', $1)
         on conflict (path) do update set hash = excluded.hash, applied_at = now()",
        &[&hash],
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
