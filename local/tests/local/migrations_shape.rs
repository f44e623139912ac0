//! The private cluster is shaped as a hosted project: supabase_admin is the superuser, postgres is
//! not, the services own their schemas' tables, extensions live in `extensions`; and it runs for a
//! checkout the server's user cannot enter.

use std::os::unix::fs::PermissionsExt;

use studio_local::pg::{self, Cluster, ClusterOptions};
use studio_local::testing::TestDb;

#[tokio::test]
async fn roles_have_the_hosted_attributes() {
    let db = TestDb::migrated().await;
    let rows = db
        .client()
        .await
        .query(
            "select rolname::text, concat_ws(' ', case when rolsuper then 'superuser' end,
                    case when rolinherit then 'inherit' end, case when rolcreaterole then 'createrole' end,
                    case when rolcreatedb then 'createdb' end, case when rolcanlogin then 'login' end,
                    case when rolreplication then 'replication' end, case when rolbypassrls then 'bypassrls' end)
             from pg_roles where rolname = any($1) order by 1",
            &[&vec![
                "supabase_admin",
                "postgres",
                "anon",
                "authenticated",
                "service_role",
                "authenticator",
                "supabase_storage_admin",
                "supabase_auth_admin",
            ]],
        )
        .await
        .unwrap();
    let got: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let expected = [
        ("anon", "inherit"),
        ("authenticated", "inherit"),
        ("authenticator", "login"),
        ("postgres", "inherit createrole createdb login replication bypassrls"),
        ("service_role", "inherit bypassrls"),
        ("supabase_admin", "superuser inherit createrole createdb login replication bypassrls"),
        ("supabase_auth_admin", "createrole login"),
        ("supabase_storage_admin", "createrole login"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(got, expected);
    let client = db.client().await;
    let member = |role: &'static str, of: &'static str| {
        let client = &client;
        async move {
            client.query_one("select pg_has_role($1, $2, 'member')", &[&role, &of]).await.unwrap().get::<_, bool>(0)
        }
    };
    assert!(member("authenticator", "anon").await && member("authenticator", "service_role").await);
    assert!(member("supabase_storage_admin", "authenticator").await);
    assert!(member("postgres", "supabase_storage_admin").await && member("postgres", "authenticated").await);
    assert!(!member("authenticator", "postgres").await, "PostgREST's login may not become postgres");
    let timeout: Vec<String> = client
        .query_one("select setconfig from pg_db_role_setting where setrole = 'anon'::regrole and setdatabase = 0", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(timeout, ["statement_timeout=3s"]);
}

#[tokio::test]
async fn services_own_their_tables_and_extensions_live_in_extensions() {
    let db = TestDb::migrated().await;
    let client = db.client().await;
    let owner = |sql: &'static str| {
        let client = &client;
        async move { client.query_one(sql, &[]).await.unwrap().get::<_, String>(0) }
    };
    assert_eq!(
        owner("select relowner::regrole::text from pg_class where oid = 'storage.objects'::regclass").await,
        "supabase_storage_admin"
    );
    assert_eq!(
        owner("select relowner::regrole::text from pg_class where oid = 'storage.buckets'::regclass").await,
        "supabase_storage_admin"
    );
    assert_eq!(
        owner("select nspowner::regrole::text from pg_namespace where nspname = 'storage'").await,
        "supabase_admin"
    );
    assert_eq!(
        owner("select relowner::regrole::text from pg_class where oid = 'auth.users'::regclass").await,
        "supabase_auth_admin"
    );
    assert_eq!(
        owner("select datdba::regrole::text from pg_database where datname = current_database()").await,
        "postgres"
    );
    assert_eq!(
        owner("select relowner::regrole::text from pg_class where oid = 'public.users'::regclass").await,
        "postgres"
    );
    let rows = client
        .query("select extname::text, extnamespace::regnamespace::text from pg_extension where extname <> 'plpgsql' order by 1", &[])
        .await
        .unwrap();
    let extensions: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    for name in ["pg_trgm", "pgcrypto", "uuid-ossp", "unaccent"] {
        assert!(extensions.contains(&(name.into(), "extensions".into())), "{name} in extensions: {extensions:?}");
    }
    assert!(extensions.iter().all(|(_, schema)| schema == "extensions"), "{extensions:?}");
}

#[tokio::test]
async fn postgres_is_not_a_superuser_and_direct_object_deletes_are_refused() {
    let db = TestDb::migrated().await;
    let (client, connection) = tokio_postgres::connect(&db.url_as("postgres"), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let is_superuser: String = client.query_one("show is_superuser", &[]).await.unwrap().get(0);
    assert_eq!(is_superuser, "off");
    let refused = client.batch_execute("load 'pg_trgm'").await.expect_err("postgres loaded a library");
    assert_eq!(refused.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{refused:?}");
    // Storage's guard: rows of storage.objects go only through Storage.
    let err = client.execute("delete from storage.objects", &[]).await.expect_err("a direct delete went through");
    assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{err:?}");
}

#[test]
fn a_checkout_the_server_user_cannot_enter_still_gets_a_cluster() {
    // A checkout inside a private home (root's own home at mode 0700, as in a container).
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let checkout = home.path().join("project");
    std::fs::create_dir(&checkout).unwrap();
    let dir = pg::cluster_dir(&checkout);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cluster = Cluster::start(&ClusterOptions { dir: dir.clone(), port, ephemeral: true })
        .unwrap_or_else(|e| panic!("cluster in {}: {e}", dir.display()));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let (client, connection) =
            tokio_postgres::connect(&cluster.url("postgres"), tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let user: String = client.query_one("select current_user::text", &[]).await.unwrap().get(0);
        assert_eq!(user, pg::ADMIN_ROLE);
    });
    cluster.stop();
    drop(cluster);
    // Under root the cluster lives outside the checkout (removed here); otherwise inside it.
    if !dir.starts_with(home.path()) {
        let _ = std::fs::remove_dir_all(dir.parent().unwrap_or(&dir));
    }
}

#[test]
fn a_cluster_dir_the_server_user_cannot_reach_is_refused_with_the_fix() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        // Not root: the server runs as this user, who can reach its own directories.
        return;
    }
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let options = ClusterOptions { dir: home.path().join("project/.studio/db"), port: 1, ephemeral: true };
    let err = Cluster::start(&options).err().expect("a cluster the server user cannot reach started");
    let text = err.to_string();
    assert!(text.contains(&home.path().display().to_string()) && text.contains("chmod o+x"), "{text}");
}
