//! Brings a database to the project's schema the way a hosted project gets it: the platform's
//! shape first (`bootstrap/*.sql`, as supabase_admin), then `supabase db push` as `postgres` —
//! every `supabase/migrations/<version>_<name>.sql` not yet recorded, in filename order, each after
//! `RESET ALL` in one transaction with its history row — then `supabase/seed.sql` when it changed.

use std::fs;
use std::path::{Path, PathBuf};

use tokio_postgres::{Client, Config, NoTls};

use super::{PgError, statements};

/// The platform's shape, in order (see `bootstrap/SOURCES.md`).
const BOOTSTRAP: [&str; 4] = [
    include_str!("bootstrap/01_roles.sql"),
    include_str!("bootstrap/02_database.sql"),
    include_str!("bootstrap/03_storage.sql"),
    include_str!("bootstrap/04_storage_functions.sql"),
];

/// The role `supabase db push` connects as on a hosted project.
pub const MIGRATION_ROLE: &str = "postgres";

/// What a run applied, for the dev server's start-up lines.
#[derive(Debug, Default)]
pub struct MigrationReport {
    pub applied: Vec<String>,
    pub seeded: bool,
}

/// One file of `supabase/migrations`.
#[derive(Debug, Clone)]
pub struct Migration {
    pub version: String,
    pub name: String,
    pub path: PathBuf,
}

impl Migration {
    pub fn file_name(&self) -> String {
        self.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
    }
}

/// The platform's roles, schemas, extensions and Storage tables alone (for fixtures that bring
/// their own tables). `admin` is a superuser connection (supabase_admin on the private cluster).
pub async fn bootstrap(admin: &Client) -> Result<(), PgError> {
    for sql in BOOTSTRAP {
        admin.batch_execute(sql).await?;
    }
    Ok(())
}

/// Bootstrap over `admin_url` (a superuser), then push and seed over a connection of its own as
/// `postgres` to the same server and database.
pub async fn migrate(admin_url: &str, supabase_dir: &Path) -> Result<MigrationReport, PgError> {
    let admin: Config = admin_url.parse()?;
    bootstrap(&connect(&admin).await?).await?;
    let mut push_as = admin.clone();
    push_as.user(MIGRATION_ROLE);
    push(&mut connect(&push_as).await?, supabase_dir).await
}

/// `supabase db push --include-seed` over `client`, a connection logged in as `postgres`.
pub async fn push(client: &mut Client, supabase_dir: &Path) -> Result<MigrationReport, PgError> {
    create_history_table(client).await?;
    let mut report = MigrationReport::default();
    for migration in migration_files(&supabase_dir.join("migrations"))? {
        let done = client
            .query_opt("select 1 from supabase_migrations.schema_migrations where version = $1", &[&migration.version])
            .await?;
        if done.is_none() {
            push_file(client, &migration).await?;
            report.applied.push(migration.file_name());
        }
    }
    report.seeded = seed(client, &supabase_dir.join("seed.sql")).await?;
    Ok(report)
}

/// The history table as the CLI creates it before its first file, under a 4 s lock timeout.
pub async fn create_history_table(client: &Client) -> Result<(), PgError> {
    client
        .batch_execute(
            "set lock_timeout = '4s';
             create schema if not exists supabase_migrations;
             create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
             alter table supabase_migrations.schema_migrations add column if not exists statements text[];
             alter table supabase_migrations.schema_migrations add column if not exists name text;
             create table if not exists supabase_migrations.seed_files (path text not null primary key, hash text not null);",
        )
        .await?;
    Ok(())
}

/// One file as the CLI applies it: `RESET ALL` (a previous file's `set` must not leak into this
/// one), then its statements and its history row in a single transaction.
pub async fn push_file(client: &mut Client, migration: &Migration) -> Result<(), PgError> {
    let sql = fs::read_to_string(&migration.path)?;
    let file = migration.file_name();
    client.batch_execute("reset all").await?;
    let tx = client.transaction().await?;
    tx.batch_execute(&sql).await.map_err(|source| PgError::Migration { file: file.clone(), source })?;
    tx.execute(
        "insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)",
        &[&migration.version, &migration.name, &statements::split(&sql)],
    )
    .await
    .map_err(|source| PgError::Migration { file, source })?;
    tx.commit().await?;
    Ok(())
}

/// Every migration file, sorted by file name as the CLI does (`^([0-9]+)_(.*)\.sql$`).
pub fn migration_files(dir: &Path) -> Result<Vec<Migration>, PgError> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else { continue };
        let Some(stem) = file.strip_suffix(".sql") else { continue };
        let Some((version, name)) = stem.split_once('_') else { continue };
        if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) {
            files.push(Migration { version: version.to_owned(), name: name.to_owned(), path: path.clone() });
        }
    }
    files.sort_by(|a, b| a.path.file_name().cmp(&b.path.file_name()));
    Ok(files)
}

/// Applies the seed when its content differs from the last one applied (recorded by SHA-256 as
/// the CLI records it); it is written to be idempotent, so re-running an edited seed updates rows
/// in place.
async fn seed(client: &mut Client, path: &Path) -> Result<bool, PgError> {
    const SEED_PATH: &str = "supabase/seed.sql";
    let Ok(sql) = fs::read_to_string(path) else { return Ok(false) };
    let hash: String = client.query_one("select encode(sha256(convert_to($1, 'UTF8')), 'hex')", &[&sql]).await?.get(0);
    let applied = client
        .query_opt("select 1 from supabase_migrations.seed_files where path = $1 and hash = $2", &[&SEED_PATH, &hash])
        .await?;
    if applied.is_some() {
        return Ok(false);
    }
    client.batch_execute("reset all").await?;
    let tx = client.transaction().await?;
    tx.batch_execute(&sql).await.map_err(|source| PgError::Migration { file: "seed.sql".into(), source })?;
    tx.execute(
        "insert into supabase_migrations.seed_files (path, hash) values ($1, $2)
         on conflict (path) do update set hash = excluded.hash",
        &[&SEED_PATH, &hash],
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// A connection whose driver runs on the current runtime.
pub async fn connect(config: &Config) -> Result<Client, PgError> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}
