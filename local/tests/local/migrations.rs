//! The schema as migrated: bootstrap and migrations re-runnable, RLS on every table, nothing
//! private readable with the anon key, a seed worth shipping; and the cluster manager's restart.

use studio_local::pg::{self, Cluster, ClusterOptions};
use studio_local::testing::TestDb;

/// Tables the anon and authenticated roles may read: public reference data.
const PUBLIC_TABLES: [&str; 2] = ["style_templates", "template_categories"];

async fn public_tables(db: &TestDb) -> Vec<String> {
    let client = db.client().await;
    let rows = client
        .query("select tablename::text from pg_tables where schemaname = 'public' order by 1", &[])
        .await
        .unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

#[tokio::test]
async fn migrations_and_seed_are_not_applied_twice() {
    let db = TestDb::migrated().await;
    let client = db.client().await;

    let report = pg::migrate(&db.url, &pg::repo_root().join("supabase")).await.unwrap();

    assert!(report.applied.is_empty(), "re-applied {:?}", report.applied);
    assert!(!report.seeded, "seed re-applied although unchanged");
    let recorded: i64 =
        client.query_one("select count(*) from supabase_migrations.schema_migrations", &[]).await.unwrap().get(0);
    let files = std::fs::read_dir(pg::repo_root().join("supabase/migrations")).unwrap().count();
    assert_eq!(recorded as usize, files);
}

#[tokio::test]
async fn bootstrap_is_idempotent() {
    let db = TestDb::migrated().await;
    let client = db.client().await;
    pg::bootstrap(&client).await.unwrap();
    pg::bootstrap(&client).await.unwrap();
    let roles: i64 = client
        .query_one(
            "select count(*) from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(roles, 4);
}

#[tokio::test]
async fn every_table_has_row_level_security() {
    let db = TestDb::migrated().await;
    let client = db.client().await;
    let rows = client
        .query(
            "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity",
            &[],
        )
        .await
        .unwrap();
    let without: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert!(without.is_empty(), "tables without RLS: {without:?}");
}

#[tokio::test]
async fn anon_and_authenticated_read_nothing_private() {
    let db = TestDb::migrated().await;
    let tables = public_tables(&db).await;
    assert!(tables.len() >= 15, "expected the whole data model, found {tables:?}");
    let mut client = db.client().await;
    for role in ["anon", "authenticated"] {
        for table in tables.iter().filter(|t| !PUBLIC_TABLES.contains(&t.as_str())) {
            let tx = client.transaction().await.unwrap();
            tx.batch_execute(&format!("set local role {role}")).await.unwrap();
            let err = tx
                .query(&format!("select * from public.{table} limit 1"), &[])
                .await
                .expect_err(&format!("{role} could read {table}"));
            assert_eq!(
                err.code(),
                Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
                "{role} on {table}: {err}"
            );
            tx.rollback().await.unwrap();
        }
    }
}

#[tokio::test]
async fn anon_reads_only_active_templates_and_cannot_write_them() {
    let db = TestDb::migrated().await;
    let mut client = db.client().await;
    client.execute("update style_templates set is_active = false where slug = 'pixel-art'", &[]).await.unwrap();
    let total: i64 = client.query_one("select count(*) from style_templates", &[]).await.unwrap().get(0);

    let tx = client.transaction().await.unwrap();
    tx.batch_execute("set local role anon").await.unwrap();
    let visible: i64 = tx.query_one("select count(*) from style_templates", &[]).await.unwrap().get(0);
    let write = tx.execute("update style_templates set name_en = 'x' where slug = 'batik-pattern'", &[]).await;
    tx.rollback().await.unwrap();

    assert_eq!(visible, total - 1);
    assert!(write.is_err(), "anon could update a template");
}

#[tokio::test]
async fn seed_has_bilingual_templates_in_every_category() {
    let db = TestDb::migrated().await;
    let client = db.client().await;
    let row = client
        .query_one(
            "select count(*), count(distinct category),
                    count(*) filter (where length(name_id) > 2 and length(name_en) > 2
                                       and length(description_id) > 20 and length(description_en) > 20
                                       and length(prompt_prefix || prompt_suffix) > 20)
             from style_templates where is_active",
            &[],
        )
        .await
        .unwrap();
    let (templates, categories, complete): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert!(templates >= 20, "only {templates} templates");
    assert!(categories >= 5, "only {categories} categories");
    assert_eq!(complete, templates, "some templates lack a name, description or prompt fragments");
}

#[tokio::test]
async fn image_search_vector_covers_prompt_title_and_tags() {
    let db = TestDb::migrated().await;
    let client = db.client().await;
    let user: String = client
        .query_one(
            "insert into users (email, password_hash) values ('a@example.com', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA') returning id::text",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    client
        .execute(
            "insert into generated_images (user_id, prompt, title, tags, model, storage_path)
             values ($1::text::uuid, 'Kucing oren tidur di atas batik', 'Sunset cat', '{lucu,kucing}', 'm', 'p')",
            &[&user],
        )
        .await
        .unwrap();
    for term in ["kucing", "batik", "sunset", "lucu"] {
        let found: i64 = client
            .query_one(
                "select count(*) from generated_images where search_vector @@ websearch_to_tsquery('simple', $1)",
                &[&term],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(found, 1, "search for {term}");
    }
}

#[test]
fn a_restarted_cluster_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let options = ClusterOptions { dir: dir.path().to_owned(), port, ephemeral: true };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

    let first = Cluster::start(&options).unwrap();
    runtime.block_on(async {
        let report = pg::migrate(&first.url("postgres"), &pg::repo_root().join("supabase")).await.unwrap();
        assert!(!report.applied.is_empty() && report.seeded);
    });
    first.stop();
    drop(first);

    let second = Cluster::start(&options).unwrap();
    runtime.block_on(async {
        let (client, connection) =
            tokio_postgres::connect(&second.url("postgres"), tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let report = pg::migrate(&second.url("postgres"), &pg::repo_root().join("supabase")).await.unwrap();
        assert!(report.applied.is_empty() && !report.seeded, "{report:?}");
        let templates: i64 = client.query_one("select count(*) from style_templates", &[]).await.unwrap().get(0);
        assert!(templates >= 20);
    });
}

#[tokio::test]
async fn anon_and_authenticated_execute_only_public_functions() {
    let db = TestDb::migrated().await;
    let client = db.client().await;
    for role in ["anon", "authenticated"] {
        let rows = client
            .query(
                "select p.proname::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = 'public' and has_function_privilege($1, p.oid, 'execute')
                 order by 1",
                &[&role],
            )
            .await
            .unwrap();
        let executable: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(executable, vec!["template_categories_with_counts"], "{role} can execute {executable:?}");
    }
}
