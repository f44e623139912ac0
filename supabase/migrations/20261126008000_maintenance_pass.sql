-- The daily cron in one round trip. A run used to make about ten calls before it could answer (the
-- report, then a batch of every step, and a Storage listing of every user folder for the orphan
-- sweep). maintenance_pass makes the first batch of every step in one transaction, in the order the
-- run needs (the report before the cleanup erases its traces), and returns what each did; the run
-- calls a step's own function again only when its first batch came back full. The orphan sweep
-- reads Storage's catalogue (storage.objects) instead of listing folders, so its cost no longer
-- grows with the number of users. Executable by service_role only.
--
-- The batch functions become PL/pgSQL with the same bodies: a `language sql` function is planned
-- again at every call, while PL/pgSQL keeps its plans for the connection, and a run calls each of
-- them once in the pass and then once per further batch. On a quiet day planning was most of the
-- pass's time (0.1-0.5 ms per function, against 0.05 ms to run it once planned). A rerun over an
-- unchanged day no longer rewrites the report: a quiet rerun writes nothing at all.

-- =============================================================================================
-- maintenance_orphans: up to p_limit objects of bucket p_bucket, after p_after in name order,
-- created before p_before, in the generator's layout `{user id}/{image id}/{file}`, whose image
-- folder no image row points at (neither its original nor a derivative). Anything else in the
-- bucket (other names, other depths) is left alone: it is not ours to judge. Security definer
-- (owner: the migration role), like maintenance_day_figures, because the service role's access to
-- the storage schema differs between Supabase and a plain PostgreSQL; it only reads. The query is
-- reached (and storage.objects looked up) only where that table exists.
-- =============================================================================================
create function public.maintenance_orphans(p_bucket text, p_before timestamptz, p_after text, p_limit integer)
returns setof text
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  if pg_catalog.to_regclass('storage.objects') is null then
    return;
  end if;
  return query
    with referenced as (
      select distinct split_part(r.path, '/', 1) || '/' || split_part(r.path, '/', 2) as folder
        from public.generated_images i
       cross join lateral (select i.storage_path
                           union all
                           select d.value from jsonb_each_text(i.derivative_paths) d) as r(path))
    select o.name from storage.objects o
     where o.bucket_id = p_bucket
       and o.created_at < p_before
       and o.name > p_after
       and o.name ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/[^/]+$'
       and not exists (select 1 from referenced
                        where referenced.folder = split_part(o.name, '/', 1) || '/' || split_part(o.name, '/', 2))
     order by o.name
     limit p_limit;
end;
$$;

-- =============================================================================================
-- The batch functions of 20261126006000_maintenance_retention.sql: the same statements in PL/pgSQL.
-- =============================================================================================
create or replace function public.maintenance_reset_quotas(p_now timestamptz, p_limit integer)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  today date := (p_now at time zone 'utc')::date;
  this_month date := date_trunc('month', p_now at time zone 'utc')::date;
  handled integer;
begin
  with due as (
    select u.id from public.users u
     where (u.daily_reset_on < today and u.daily_used > 0)
        or (u.monthly_reset_on < this_month and u.monthly_used > 0)
     order by u.id
     limit p_limit
     for update of u skip locked),
  reset as (
    update public.users u
       set daily_used = case when u.daily_reset_on < today then 0 else u.daily_used end,
           daily_reset_on = greatest(u.daily_reset_on, today),
           monthly_used = case when u.monthly_reset_on < this_month then 0 else u.monthly_used end,
           monthly_reset_on = greatest(u.monthly_reset_on, this_month)
      from due
     where u.id = due.id
    returning 1)
  select count(*)::integer into handled from reset;
  return handled;
end;
$$;

create or replace function public.maintenance_purge_usage_logs(p_now timestamptz, p_keep_days integer, p_limit integer)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  handled integer;
begin
  with doomed as (
    select l.id from public.usage_logs l
     where l.created_at < p_now - make_interval(days => p_keep_days)
     order by l.created_at
     limit p_limit
     for update of l skip locked),
  gone as (delete from public.usage_logs l using doomed where l.id = doomed.id returning 1)
  select count(*)::integer into handled from gone;
  return handled;
end;
$$;

create or replace function public.maintenance_purge_sessions(p_now timestamptz, p_limit integer)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  handled integer;
begin
  with doomed as (
    select s.id from public.sessions s
     where s.expires_at <= p_now
        or (s.revoked_at is not null
            and not exists (select 1 from public.sessions live
                             where live.family_id = s.family_id and live.revoked_at is null
                               and live.expires_at > p_now))
     limit p_limit
     for update of s skip locked),
  gone as (delete from public.sessions s using doomed where s.id = doomed.id returning 1)
  select count(*)::integer into handled from gone;
  return handled;
end;
$$;

create or replace function public.maintenance_purge_email_tokens(p_now timestamptz, p_limit integer)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  handled integer;
begin
  with doomed as (
    select t.id from public.email_tokens t
     where t.expires_at <= p_now or t.used_at is not null
     limit p_limit
     for update of t skip locked),
  gone as (delete from public.email_tokens t using doomed where t.id = doomed.id returning 1)
  select count(*)::integer into handled from gone;
  return handled;
end;
$$;

create or replace function public.maintenance_purge_idempotency_keys(p_now timestamptz, p_limit integer)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  handled integer;
begin
  with doomed as (
    select k.user_id, k.key from public.idempotency_keys k
     where k.expires_at <= p_now
     limit p_limit
     for update of k skip locked),
  gone as (
    delete from public.idempotency_keys k using doomed
     where k.user_id = doomed.user_id and k.key = doomed.key
    returning 1)
  select count(*)::integer into handled from gone;
  return handled;
end;
$$;

create or replace function public.maintenance_purge_shares(p_now timestamptz, p_limit integer)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  handled integer;
begin
  with doomed as (
    select s.id from public.shares s
     where s.expires_at <= p_now or s.revoked_at is not null
     limit p_limit
     for update of s skip locked),
  gone as (delete from public.shares s using doomed where s.id = doomed.id returning 1)
  select count(*)::integer into handled from gone;
  return handled;
end;
$$;

create or replace function public.maintenance_claim_expired_images(p_now timestamptz, p_keep_days integer, p_limit integer)
returns table (id uuid, storage_path text, derivative_paths jsonb, public_paths jsonb)
language plpgsql volatile
set search_path = ''
as $$
begin
  return query
  with due as (
    select i.id from public.generated_images i
     where not i.is_public
       and i.created_at < p_now - make_interval(days => p_keep_days)
       and not exists (select 1 from public.retention_claims c
                        where c.image_id = i.id and c.claimed_at > p_now - interval '15 minutes')
     order by i.created_at, i.id
     limit p_limit
     for update of i skip locked),
  claimed as (
    insert into public.retention_claims (image_id, claimed_at)
    select due.id, p_now from due
    on conflict (image_id) do update set claimed_at = excluded.claimed_at
    returning image_id)
  select i.id, i.storage_path, i.derivative_paths, i.public_paths
    from public.generated_images i
    join claimed c on c.image_id = i.id;
end;
$$;

-- maintenance_save_report: as in 20261126006100_maintenance_report.sql, but figures equal to those
-- recorded are not written again (the row's alerts_sent is returned either way).
create or replace function public.maintenance_save_report(p_day date, p_figures jsonb, p_now timestamptz)
returns text[]
language plpgsql volatile
set search_path = ''
as $$
declare
  sent text[];
begin
  insert into public.daily_reports as r (day, figures, created_at, updated_at)
  values (p_day, p_figures, p_now, p_now)
  on conflict (day) do update set figures = excluded.figures
   where r.figures is distinct from excluded.figures
  returning r.alerts_sent into sent;
  if not found then
    select r.alerts_sent into sent from public.daily_reports r where r.day = p_day;
  end if;
  return sent;
end;
$$;

-- =============================================================================================
-- maintenance_pass: the report of day p_day (its figures merged with p_report, the run's own
-- settings), then one batch of every step. Returns
--   { figures, counts: { step: rows handled }, expired: [claimed images], orphans: [names] }.
-- One transaction: a failure leaves nothing half done, and the run then calls each step alone.
-- =============================================================================================
create function public.maintenance_pass(
  p_now timestamptz, p_day date, p_report jsonb, p_usage_log_days integer, p_image_days integer,
  p_bucket text, p_orphans_before timestamptz, p_limit integer)
returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  figures jsonb := public.maintenance_day_figures(p_day, p_now) || p_report;
begin
  perform public.maintenance_save_report(p_day, figures, p_now);
  return jsonb_build_object(
    'figures', figures,
    'counts', jsonb_build_object(
      'quotas', public.maintenance_reset_quotas(p_now, p_limit),
      'usage_logs', public.maintenance_purge_usage_logs(p_now, p_usage_log_days, p_limit),
      'sessions', public.maintenance_purge_sessions(p_now, p_limit),
      'email_tokens', public.maintenance_purge_email_tokens(p_now, p_limit),
      'idempotency_keys', public.maintenance_purge_idempotency_keys(p_now, p_limit),
      'shares', public.maintenance_purge_shares(p_now, p_limit),
      'quota_holds', public.maintenance_release_quota_holds(p_now, p_limit)),
    'expired', (select coalesce(jsonb_agg(to_jsonb(e)), '[]')
                  from public.maintenance_claim_expired_images(p_now, p_image_days, p_limit) e),
    'orphans', (select coalesce(jsonb_agg(o), '[]')
                  from public.maintenance_orphans(p_bucket, p_orphans_before, '', p_limit) o));
end;
$$;

-- The folder-by-folder question of the old sweep has no caller left.
drop function public.maintenance_unreferenced(text, text[]);

revoke execute on function public.maintenance_orphans(text, timestamptz, text, integer) from public, anon, authenticated;
revoke execute on function public.maintenance_pass(timestamptz, date, jsonb, integer, integer, text, timestamptz, integer)
  from public, anon, authenticated;
grant execute on function public.maintenance_orphans(text, timestamptz, text, integer) to service_role;
grant execute on function public.maintenance_pass(timestamptz, date, jsonb, integer, integer, text, timestamptz, integer)
  to service_role;
