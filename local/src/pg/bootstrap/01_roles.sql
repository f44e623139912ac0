-- The roles of a hosted Supabase project, with the attributes, memberships and settings its
-- database image leaves them with (see SOURCES.md). Roles belong to the cluster, so this is
-- idempotent: every database of the cluster runs it. Run as the bootstrap superuser, supabase_admin.
do $$
declare
  wanted constant text[][] := array[
    -- name,                        attributes at creation
    ['postgres',                    'login'],
    ['anon',                        'nologin'],
    ['authenticated',               'nologin'],
    ['service_role',                'nologin'],
    ['authenticator',               'login noinherit'],
    ['supabase_auth_admin',         'login noinherit'],
    ['supabase_storage_admin',      'login noinherit'],
    ['dashboard_user',              'nologin'],
    ['supabase_read_only_user',     'login'],
    ['supabase_replication_admin',  'login']];
  i int;
begin
  for i in 1 .. array_length(wanted, 1) loop
    if not exists (select from pg_catalog.pg_roles where rolname = wanted[i][1]) then
      execute format('create role %I %s', wanted[i][1], wanted[i][2]);
    end if;
  end loop;
end $$;

-- The migration role: owner of the database and of everything the project creates, but not a
-- superuser. Its superuser-free attributes are what `supabase db push` works with.
alter role postgres nosuperuser inherit createrole createdb login replication bypassrls;
alter role postgres set search_path to "$user", public, extensions;
alter role supabase_admin set search_path to "$user", public, auth, extensions;

-- The API roles PostgREST switches to: inheriting (so grants to them flow down) and without login.
alter role anon nosuperuser inherit nocreaterole nocreatedb nologin noreplication nobypassrls;
alter role authenticated nosuperuser inherit nocreaterole nocreatedb nologin noreplication nobypassrls;
alter role service_role nosuperuser inherit nocreaterole nocreatedb nologin noreplication bypassrls;
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

-- What PostgREST logs in as; it may only switch to the three API roles.
alter role authenticator nosuperuser noinherit nocreaterole nocreatedb login noreplication nobypassrls;
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
grant anon, authenticated, service_role to authenticator;

-- The services' own roles: Auth owns schema auth's tables, Storage owns schema storage's.
alter role supabase_auth_admin nosuperuser noinherit createrole nocreatedb login noreplication nobypassrls;
alter role supabase_auth_admin set search_path = auth;
alter role supabase_auth_admin set idle_in_transaction_session_timeout = 60000;
alter role supabase_storage_admin nosuperuser noinherit createrole nocreatedb login noreplication nobypassrls;
alter role supabase_storage_admin set search_path = storage;
-- Storage serves a request by switching to the caller's role, through authenticator.
grant authenticator to supabase_storage_admin;

alter role dashboard_user nosuperuser inherit createrole createdb nologin replication nobypassrls;
alter role supabase_read_only_user nosuperuser inherit nocreaterole nocreatedb login noreplication bypassrls;
grant pg_read_all_data to supabase_read_only_user;
alter role supabase_replication_admin nosuperuser inherit nocreaterole nocreatedb login replication nobypassrls;

-- What the demoted postgres keeps: the API roles, the services' owners, and monitoring.
grant anon, authenticated, service_role to postgres;
grant supabase_auth_admin, supabase_storage_admin to postgres;
grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;
