-- The daily cron's cleanup (GET /api/cron/reset): quota counters of a past day or month reset,
-- retention applied, dead credentials and links purged, and the orphan sweep's question "does any
-- row point here?". Each function does one bounded batch (p_limit rows) and returns how many rows
-- it handled, so the caller repeats it until a batch comes back short. Rows are picked with
-- `for update skip locked`: two runs at once take different rows instead of waiting on each other,
-- and a second run over the same state finds nothing left to do. Every function takes the time as
-- a parameter, so tests control the clock. Executable by service_role only.

-- =============================================================================================
-- maintenance_reset_quotas: zero the counters of accounts whose UTC day or month has rolled over
-- and that had used something in it. consume_quota resets lazily under the same rules, so this
-- only tidies: an account whose stale counter is already 0 reads as 0 used and is not rewritten.
-- =============================================================================================
create function public.maintenance_reset_quotas(p_now timestamptz, p_limit integer)
returns integer
language sql volatile
set search_path = ''
as $$
  with due as (
    select u.id from public.users u
     where (u.daily_reset_on < (p_now at time zone 'utc')::date and u.daily_used > 0)
        or (u.monthly_reset_on < date_trunc('month', p_now at time zone 'utc')::date and u.monthly_used > 0)
     order by u.id
     limit p_limit
     for update of u skip locked),
  reset as (
    update public.users u
       set daily_used = case when u.daily_reset_on < (p_now at time zone 'utc')::date then 0 else u.daily_used end,
           daily_reset_on = greatest(u.daily_reset_on, (p_now at time zone 'utc')::date),
           monthly_used = case when u.monthly_reset_on < date_trunc('month', p_now at time zone 'utc')::date
                               then 0 else u.monthly_used end,
           monthly_reset_on = greatest(u.monthly_reset_on, date_trunc('month', p_now at time zone 'utc')::date)
      from due
     where u.id = due.id
    returning 1)
  select count(*)::integer from reset;
$$;

-- =============================================================================================
-- maintenance_purge_usage_logs: usage rows older than p_keep_days (30 by default in the app).
-- =============================================================================================
create function public.maintenance_purge_usage_logs(p_now timestamptz, p_keep_days integer, p_limit integer)
returns integer
language sql volatile
set search_path = ''
as $$
  with doomed as (
    select l.id from public.usage_logs l
     where l.created_at < p_now - make_interval(days => p_keep_days)
     order by l.created_at
     limit p_limit
     for update of l skip locked),
  gone as (delete from public.usage_logs l using doomed where l.id = doomed.id returning 1)
  select count(*)::integer from gone;
$$;

-- =============================================================================================
-- maintenance_purge_sessions: expired sessions, and revoked ones whose whole login (family) is
-- over. A rotated-away session of a live login is kept until it expires: presenting it again is
-- how auth_rotate_session detects a stolen refresh token.
-- =============================================================================================
create function public.maintenance_purge_sessions(p_now timestamptz, p_limit integer)
returns integer
language sql volatile
set search_path = ''
as $$
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
  select count(*)::integer from gone;
$$;

-- maintenance_purge_email_tokens: links that expired or were used (either way they open nothing).
create function public.maintenance_purge_email_tokens(p_now timestamptz, p_limit integer)
returns integer
language sql volatile
set search_path = ''
as $$
  with doomed as (
    select t.id from public.email_tokens t
     where t.expires_at <= p_now or t.used_at is not null
     limit p_limit
     for update of t skip locked),
  gone as (delete from public.email_tokens t using doomed where t.id = doomed.id returning 1)
  select count(*)::integer from gone;
$$;

-- maintenance_purge_idempotency_keys: records past their expiry (the key may be reused anyway).
create function public.maintenance_purge_idempotency_keys(p_now timestamptz, p_limit integer)
returns integer
language sql volatile
set search_path = ''
as $$
  with doomed as (
    select k.user_id, k.key from public.idempotency_keys k
     where k.expires_at <= p_now
     limit p_limit
     for update of k skip locked),
  gone as (
    delete from public.idempotency_keys k using doomed
     where k.user_id = doomed.user_id and k.key = doomed.key
    returning 1)
  select count(*)::integer from gone;
$$;

-- maintenance_purge_shares: share links that expired or were revoked (both already resolve to 404).
create function public.maintenance_purge_shares(p_now timestamptz, p_limit integer)
returns integer
language sql volatile
set search_path = ''
as $$
  with doomed as (
    select s.id from public.shares s
     where s.expires_at <= p_now or s.revoked_at is not null
     limit p_limit
     for update of s skip locked),
  gone as (delete from public.shares s using doomed where s.id = doomed.id returning 1)
  select count(*)::integer from gone;
$$;

-- =============================================================================================
-- retention_claims: private images past retention that a cron run is deleting right now (their
-- objects first, their rows after). While a claim is fresh (15 minutes: longer than a run's
-- maxDuration of 300 s) other runs leave the image alone and it cannot be published, since
-- publishing would copy objects that are about to disappear. A failed run releases its claims.
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.retention_claims (
  image_id   uuid primary key references public.generated_images (id) on delete cascade,
  claimed_at timestamptz not null
);
alter table public.retention_claims enable row level security;
-- no policies: service role only
revoke all on table public.retention_claims from anon, authenticated;

create function public.generated_images_check_retention_claim()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if exists (select 1 from public.retention_claims c
              where c.image_id = new.id and c.claimed_at > now() - interval '15 minutes') then
    raise exception 'image % is being deleted by retention', new.id using errcode = 'object_in_use';
  end if;
  return new;
end;
$$;
revoke execute on function public.generated_images_check_retention_claim() from public, anon, authenticated;

create trigger generated_images_retention_claim
  before update of is_public on public.generated_images
  for each row when (new.is_public and not old.is_public)
  execute function public.generated_images_check_retention_claim();

-- =============================================================================================
-- maintenance_claim_expired_images: up to p_limit private images created more than p_keep_days
-- ago that no other run holds, claimed for this run; returns every object path they own.
-- =============================================================================================
create function public.maintenance_claim_expired_images(p_now timestamptz, p_keep_days integer, p_limit integer)
returns table (id uuid, storage_path text, derivative_paths jsonb, public_paths jsonb)
language sql volatile
set search_path = ''
as $$
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
$$;

-- maintenance_delete_images: after their objects are gone, the claimed rows (collection links,
-- share links and claims go with them by cascade; edits keep existing without a parent).
create function public.maintenance_delete_images(p_ids uuid[])
returns integer
language sql volatile
set search_path = ''
as $$
  with gone as (
    delete from public.generated_images i
     where i.id = any(p_ids) and not i.is_public
       and exists (select 1 from public.retention_claims c where c.image_id = i.id)
    returning 1)
  select count(*)::integer from gone;
$$;

-- maintenance_release_images: a run that could not delete the objects gives its claims back, so
-- the next run retries at once instead of after the claims' 15 minutes.
create function public.maintenance_release_images(p_ids uuid[])
returns void
language sql volatile
set search_path = ''
as $$
  delete from public.retention_claims where image_id = any(p_ids);
$$;

-- =============================================================================================
-- maintenance_unreferenced: which of p_names (entries of the private bucket's folder p_prefix,
-- '' for the root, else ending in '/') no image row points at: a file whose exact path is no row's
-- original or derivative, a folder that holds none of them.
-- =============================================================================================
create function public.maintenance_unreferenced(p_prefix text, p_names text[])
returns setof text
language sql stable
set search_path = ''
as $$
  select n from unnest(p_names) as n
  except
  select split_part(substr(r.path, char_length(p_prefix) + 1), '/', 1)
    from public.generated_images i
   cross join lateral (select i.storage_path
                       union all
                       select d.value from jsonb_each_text(i.derivative_paths) d) as r(path)
   where left(r.path, char_length(p_prefix)) = p_prefix;
$$;

revoke execute on function public.maintenance_reset_quotas(timestamptz, integer) from public, anon, authenticated;
revoke execute on function public.maintenance_purge_usage_logs(timestamptz, integer, integer) from public, anon, authenticated;
revoke execute on function public.maintenance_purge_sessions(timestamptz, integer) from public, anon, authenticated;
revoke execute on function public.maintenance_purge_email_tokens(timestamptz, integer) from public, anon, authenticated;
revoke execute on function public.maintenance_purge_idempotency_keys(timestamptz, integer) from public, anon, authenticated;
revoke execute on function public.maintenance_purge_shares(timestamptz, integer) from public, anon, authenticated;
revoke execute on function public.maintenance_claim_expired_images(timestamptz, integer, integer) from public, anon, authenticated;
revoke execute on function public.maintenance_delete_images(uuid[]) from public, anon, authenticated;
revoke execute on function public.maintenance_release_images(uuid[]) from public, anon, authenticated;
revoke execute on function public.maintenance_unreferenced(text, text[]) from public, anon, authenticated;
grant execute on function public.maintenance_reset_quotas(timestamptz, integer) to service_role;
grant execute on function public.maintenance_purge_usage_logs(timestamptz, integer, integer) to service_role;
grant execute on function public.maintenance_purge_sessions(timestamptz, integer) to service_role;
grant execute on function public.maintenance_purge_email_tokens(timestamptz, integer) to service_role;
grant execute on function public.maintenance_purge_idempotency_keys(timestamptz, integer) to service_role;
grant execute on function public.maintenance_purge_shares(timestamptz, integer) to service_role;
grant execute on function public.maintenance_claim_expired_images(timestamptz, integer, integer) to service_role;
grant execute on function public.maintenance_delete_images(uuid[]) to service_role;
grant execute on function public.maintenance_release_images(uuid[]) to service_role;
grant execute on function public.maintenance_unreferenced(text, text[]) to service_role;
