-- The daily cron's operator report: the figures of one UTC day that the free tier is watched by,
-- kept in daily_reports (one row per day, rewritten by every run for that day), and the alerts
-- already e-mailed for it, claimed one kind at a time so that two runs never send the same one.
-- Executable by service_role only.

-- =============================================================================================
-- maintenance_day_figures: the figures of UTC day p_day, plus snapshots taken at p_now (storage
-- used, live share links, totals). Generations are the usage rows of delivered images; failures
-- are the units refunded (one per variation the model or the storage failed) plus any failed
-- generate/edit row. Active users did something that day: a logged event, a sign-in or a refresh.
-- Storage is what Supabase bills against the plan: every object in every bucket (storage.objects).
-- Security definer (owner: the migration role) because the service role's access to the storage
-- schema differs between Supabase and a plain PostgreSQL; it reads, and returns only sums.
-- =============================================================================================
create function public.maintenance_day_figures(p_day date, p_now timestamptz)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  day_start timestamptz := p_day::timestamp at time zone 'utc';
  day_end timestamptz := (p_day + 1)::timestamp at time zone 'utc';
  storage_objects bigint := 0;
  storage_bytes bigint := 0;
  figures jsonb;
begin
  if pg_catalog.to_regclass('storage.objects') is not null then
    execute 'select count(*), coalesce(sum((metadata ->> ''size'')::bigint), 0) from storage.objects'
       into storage_objects, storage_bytes;
  end if;
  select jsonb_build_object(
           'generations', count(*) filter (where l.action in ('generate', 'edit') and l.status = 'success'),
           'generation_failures',
             coalesce(sum(l.units) filter (where l.action = 'quota_refund'), 0)
             + count(*) filter (where l.action in ('generate', 'edit') and l.status = 'failure'),
           'downloads', count(*) filter (where l.action = 'download' and l.status = 'success'),
           'exports', count(*) filter (where l.action = 'export' and l.status = 'success'),
           'shares_created', count(*) filter (where l.action = 'share_create' and l.status = 'success'),
           'share_views', count(*) filter (where l.action = 'share_view' and l.status = 'success'))
    into figures
    from public.usage_logs l
   where l.created_at >= day_start and l.created_at < day_end;
  return figures || jsonb_build_object(
    'active_users', (select count(*) from (
                       select l.user_id from public.usage_logs l
                        where l.user_id is not null and l.created_at >= day_start and l.created_at < day_end
                       union
                       select s.user_id from public.sessions s
                        where (s.last_used_at >= day_start and s.last_used_at < day_end)
                           or (s.created_at >= day_start and s.created_at < day_end)) as active),
    'new_users', (select count(*) from public.users u where u.created_at >= day_start and u.created_at < day_end),
    'users', (select count(*) from public.users),
    'images', (select count(*) from public.generated_images),
    'public_images', (select count(*) from public.generated_images i where i.is_public),
    'live_shares', (select count(*) from public.shares s
                     where s.revoked_at is null and (s.expires_at is null or s.expires_at > p_now)),
    'storage_objects', storage_objects,
    'storage_bytes', storage_bytes);
end;
$$;

-- =============================================================================================
-- maintenance_save_report: write (or rewrite) day p_day's figures; returns the alerts already
-- e-mailed for that day.
-- =============================================================================================
create function public.maintenance_save_report(p_day date, p_figures jsonb, p_now timestamptz)
returns text[]
language sql volatile
set search_path = ''
as $$
  insert into public.daily_reports as r (day, figures, created_at, updated_at)
  values (p_day, p_figures, p_now, p_now)
  on conflict (day) do update set figures = excluded.figures
  returning r.alerts_sent;
$$;

-- =============================================================================================
-- maintenance_claim_alert: true for exactly one caller per (day, kind): the one that adds the kind
-- to alerts_sent. A concurrent second update waits for the first, re-reads the row and finds the
-- kind there. The claimer sends the e-mail; maintenance_release_alert gives the claim back when
-- sending failed, so the next run tries again.
-- =============================================================================================
create function public.maintenance_claim_alert(p_day date, p_kind text)
returns boolean
language sql volatile
set search_path = ''
as $$
  with claimed as (
    update public.daily_reports r
       set alerts_sent = r.alerts_sent || p_kind
     where r.day = p_day and not (p_kind = any (r.alerts_sent))
    returning 1)
  select exists (select 1 from claimed);
$$;

create function public.maintenance_release_alert(p_day date, p_kind text)
returns void
language sql volatile
set search_path = ''
as $$
  update public.daily_reports r set alerts_sent = array_remove(r.alerts_sent, p_kind) where r.day = p_day;
$$;

revoke execute on function public.maintenance_day_figures(date, timestamptz) from public, anon, authenticated;
revoke execute on function public.maintenance_save_report(date, jsonb, timestamptz) from public, anon, authenticated;
revoke execute on function public.maintenance_claim_alert(date, text) from public, anon, authenticated;
revoke execute on function public.maintenance_release_alert(date, text) from public, anon, authenticated;
grant execute on function public.maintenance_day_figures(date, timestamptz) to service_role;
grant execute on function public.maintenance_save_report(date, jsonb, timestamptz) to service_role;
grant execute on function public.maintenance_claim_alert(date, text) to service_role;
grant execute on function public.maintenance_release_alert(date, text) to service_role;
