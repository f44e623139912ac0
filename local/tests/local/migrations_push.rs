//! `supabase db push` as a hosted project runs it: as `postgres` (no superuser), each file after
//! `RESET ALL` in one transaction with its history row, a push in a connection of its own.

use studio_local::pg::{self, Migration};
use studio_local::testing::TestDb;
use tokio_postgres::Client;

/// Landed files that set a pg_trgm parameter on a function before anything in them loads pg_trgm. As
/// `postgres`, `… set pg_trgm.word_similarity_threshold` is refused unless pg_trgm's library is
/// loaded in the session: a fresh project's push loads it in 20261126000100 (same connection), but a
/// push that starts at one of these fails. They are append-only, so they stay; every later file
/// must push alone (a file that sets a pg_trgm parameter first calls a pg_trgm function).
const LANDED_NEEDING_PG_TRGM_LOADED: [&str; 1] = ["20261126003000"];

async fn connect_as_postgres(db: &TestDb) -> Client {
    let (client, connection) = tokio_postgres::connect(&db.url_as("postgres"), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

fn migrations() -> Vec<Migration> {
    pg::migration_files(&pg::repo_root().join("supabase/migrations")).unwrap()
}

#[tokio::test]
async fn every_migration_pushes_alone_in_a_fresh_connection_as_postgres() {
    let db = TestDb::bootstrapped().await;
    for migration in migrations() {
        let mut client = connect_as_postgres(&db).await;
        let is_superuser: String = client.query_one("show is_superuser", &[]).await.unwrap().get(0);
        assert_eq!(is_superuser, "off", "migrations must run without superuser");
        pg::create_history_table(&client).await.unwrap();
        let alone = pg::push_file(&mut client, &migration).await;
        if !LANDED_NEEDING_PG_TRGM_LOADED.contains(&migration.version.as_str()) {
            alone.unwrap_or_else(|e| panic!("{} pushed alone: {e:?}", migration.file_name()));
            continue;
        }
        // What production refuses for a push starting at this file …
        let err = alone.expect_err(&format!("{} pushed alone", migration.file_name()));
        let refusal = match &err {
            pg::PgError::Migration { source, .. } => source.as_db_error().map(|e| e.message().to_owned()),
            _ => None,
        };
        let refusal = refusal.unwrap_or_else(|| panic!("{}: {err:?}", migration.file_name()));
        assert!(refusal.starts_with("permission denied to set parameter \"pg_trgm."), "{refusal}");
        // … and how a fresh project's push gets through it: an earlier statement of the same
        // connection has loaded pg_trgm (CREATE EXTENSION in 20261126000100).
        let mut client = connect_as_postgres(&db).await;
        client.batch_execute("select extensions.similarity('', '')").await.unwrap();
        pg::push_file(&mut client, &migration).await.unwrap();
    }
    let client = db.client().await;
    let recorded: i64 =
        client.query_one("select count(*) from supabase_migrations.schema_migrations", &[]).await.unwrap().get(0);
    assert_eq!(recorded as usize, migrations().len());
}

#[tokio::test]
async fn a_fresh_project_push_applies_every_file_in_one_connection() {
    let db = TestDb::bootstrapped().await;
    let mut client = connect_as_postgres(&db).await;
    let report = pg::push(&mut client, &pg::repo_root().join("supabase")).await.unwrap();
    assert_eq!(report.applied.len(), migrations().len());
    assert!(report.seeded);
    let owner: String = client
        .query_one("select tableowner::text from pg_tables where schemaname = 'public' and tablename = 'users'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(owner, "postgres");
}

#[tokio::test]
async fn each_file_starts_from_reset_settings_and_is_recorded_with_its_statements() {
    let db = TestDb::bootstrapped().await;
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    // The first file changes a session setting; the CLI's RESET ALL keeps it from the second.
    std::fs::write(migrations.join("1_first.sql"), "set search_path = nowhere;\ncreate table public.a (x int);")
        .unwrap();
    std::fs::write(
        migrations.join("2_second.sql"),
        "-- needs the role's own search_path back\ncreate table b (y text default ';');\n",
    )
    .unwrap();
    let mut client = connect_as_postgres(&db).await;
    let report = pg::push(&mut client, dir.path()).await.unwrap();
    assert_eq!(report.applied, ["1_first.sql", "2_second.sql"]);
    let rows = db
        .client()
        .await
        .query("select version, name, statements from supabase_migrations.schema_migrations order by version", &[])
        .await
        .unwrap();
    let got: Vec<(String, String, Vec<String>)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    assert_eq!(
        got,
        [
            (
                "1".into(),
                "first".into(),
                vec!["set search_path = nowhere".into(), "create table public.a (x int)".into()]
            ),
            (
                "2".into(),
                "second".into(),
                vec!["-- needs the role's own search_path back\ncreate table b (y text default ';')".into()]
            ),
        ]
    );
    let b_schema: String = db.client().await.query_one("select 'b'::regclass::text", &[]).await.unwrap().get(0);
    assert_eq!(b_schema, "b", "b landed in public, on postgres's own search_path");
}
