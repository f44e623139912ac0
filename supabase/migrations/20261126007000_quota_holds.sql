-- Quota holds: units a generation has taken and not yet settled, so that a request that dies
-- between taking them and recording its images (the database or the function gone mid-request)
-- does not keep them. The request settles its hold when it records (`record_held_generation`) or
-- gives it back when it fails (`refund_quota_hold`); a hold nobody settled before it expires (twice
-- the function's maxDuration, so its request is surely over) is given back by the next
-- `consume_quota_held` of the same user or by the daily cron (`maintenance_release_quota_holds`).

-- =============================================================================================
-- quota_holds: written and read by the generation functions below only. No policies: service
-- role only.
-- =============================================================================================
create table public.quota_holds (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  units integer not null check (units > 0),
  -- The UTC day the units were taken on: a give-back after midnight leaves the new day alone.
  day date not null,
  -- After this the request that took the units is over, whatever became of it.
  expires_at timestamptz not null
);
alter table public.quota_holds enable row level security;
create index quota_holds_user_idx on public.quota_holds (user_id);
create index quota_holds_expiry_idx on public.quota_holds (expires_at);

-- Gives back the expired holds of `p_user` (all users when null), at most `p_limit`; returns how
-- many. Each is logged by refund_quota as a 'quota_refund' usage row.
create function public.release_quota_holds(p_now timestamptz, p_user uuid, p_limit integer)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  h record;
  released integer := 0;
begin
  for h in
    delete from public.quota_holds
     where id in (select id from public.quota_holds
                   where expires_at <= p_now and (p_user is null or user_id = p_user)
                   order by expires_at limit p_limit for update skip locked)
    returning user_id, units, day
  loop
    perform public.refund_quota(h.user_id, h.units, h.day, p_now, 'request_unfinished');
    released := released + 1;
  end loop;
  return released;
end $$;

-- =============================================================================================
-- consume_quota_held: consume_quota, and hold what it took for `p_hold_seconds`. Gives back the
-- user's expired holds first, so a user whose request died gets the units back on their next try.
-- =============================================================================================
create function public.consume_quota_held(p_user uuid, p_units integer, p_now timestamptz, p_byok boolean,
                                          p_hold_seconds integer)
returns table (allowed boolean, daily_used integer, daily_quota integer, monthly_used integer,
               monthly_quota integer, day date, month date, hold_id uuid)
language plpgsql volatile
set search_path = ''
as $$
declare
  c record;
  hold uuid;
begin
  perform public.release_quota_holds(p_now, p_user, 100);
  select * into c from public.consume_quota(p_user, p_units, p_now, p_byok);
  if not found then
    return;
  end if;
  if c.allowed then
    insert into public.quota_holds (user_id, units, day, expires_at)
    values (p_user, p_units, c.day, p_now + make_interval(secs => p_hold_seconds))
    returning id into hold;
  end if;
  return query select c.allowed, c.daily_used, c.daily_quota, c.monthly_used, c.monthly_quota, c.day, c.month, hold;
end $$;

-- =============================================================================================
-- refund_quota_hold: give back `p_units` of a hold (all of it when they are all its units). A hold
-- that is gone was settled or already given back: nothing happens, so nothing is given back twice.
-- =============================================================================================
create function public.refund_quota_hold(p_hold uuid, p_user uuid, p_units integer, p_now timestamptz,
                                         p_reason text)
returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  h public.quota_holds;
begin
  select * into h from public.quota_holds where id = p_hold and user_id = p_user for update;
  if not found or p_units < 1 then
    return;
  end if;
  if p_units >= h.units then
    delete from public.quota_holds where id = p_hold;
  else
    update public.quota_holds set units = units - p_units where id = p_hold;
  end if;
  perform public.refund_quota(p_user, least(p_units, h.units), h.day, p_now, p_reason);
end $$;

-- =============================================================================================
-- record_held_generation: record_generation, settling the hold in the same transaction: the
-- recorded images keep their units and the rest of the hold (failed variations) is given back.
-- A hold that is gone (expired and given back: the request outlived its time) records nothing.
-- =============================================================================================
create function public.record_held_generation(p_hold uuid, p_user uuid, p_images jsonb, p_request jsonb,
                                              p_now timestamptz)
returns setof public.generated_images
language plpgsql volatile
set search_path = ''
as $$
declare
  h public.quota_holds;
  kept integer := jsonb_array_length(p_images);
begin
  delete from public.quota_holds where id = p_hold and user_id = p_user returning * into h;
  if not found then
    raise exception 'quota hold % is gone', p_hold using errcode = 'P0002';
  end if;
  if h.units > kept then
    perform public.refund_quota(p_user, h.units - kept, h.day, p_now, 'variation_failed');
  end if;
  return query select * from public.record_generation(p_user, p_images, p_request, p_now);
end $$;

-- The cron's backstop for users who do not come back: every expired hold, in batches.
create function public.maintenance_release_quota_holds(p_now timestamptz, p_limit integer)
returns integer
language sql volatile
set search_path = ''
as $$
  select public.release_quota_holds(p_now, null, p_limit);
$$;

revoke execute on function public.release_quota_holds(timestamptz, uuid, integer) from public, anon, authenticated;
revoke execute on function public.consume_quota_held(uuid, integer, timestamptz, boolean, integer) from public, anon, authenticated;
revoke execute on function public.refund_quota_hold(uuid, uuid, integer, timestamptz, text) from public, anon, authenticated;
revoke execute on function public.record_held_generation(uuid, uuid, jsonb, jsonb, timestamptz) from public, anon, authenticated;
revoke execute on function public.maintenance_release_quota_holds(timestamptz, integer) from public, anon, authenticated;
grant execute on function public.release_quota_holds(timestamptz, uuid, integer) to service_role;
grant execute on function public.consume_quota_held(uuid, integer, timestamptz, boolean, integer) to service_role;
grant execute on function public.refund_quota_hold(uuid, uuid, integer, timestamptz, text) to service_role;
grant execute on function public.record_held_generation(uuid, uuid, jsonb, jsonb, timestamptz) to service_role;
grant execute on function public.maintenance_release_quota_holds(timestamptz, integer) to service_role;
