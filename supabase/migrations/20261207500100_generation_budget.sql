-- The operator's daily generation budget (`DAILY_GENERATION_BUDGET`) as a hard cap across all users
-- on the operator's Gemini key: one counter row per UTC day, charged in the same transaction as the
-- user's quota and given back wherever the user's units are given back (a refund, a failed
-- variation, an expired hold). Users with their own key are held to neither the budget nor its
-- counter. The same row claims the live budget alerts (80 % and 100 %) once per day.
--
-- Lock order, kept by every function below so that concurrent calls cannot deadlock: a hold, then
-- the user's row, then the day's budget row (always last, after every user row a call touches).

create table public.generation_budget_days (
  day date primary key,
  -- Units taken today on the operator's key and not given back.
  used integer not null default 0 check (used >= 0),
  -- Alert thresholds (percent of the budget) already claimed for this day.
  alerts_sent integer[] not null default '{}'
);
alter table public.generation_budget_days enable row level security;
revoke all on table public.generation_budget_days from anon, authenticated;

-- Whether a hold's units were counted against the budget (false for a user's own key).
alter table public.quota_holds add column budgeted boolean not null default false;

-- Gives `p_units` taken on `p_day` back to that day's budget.
create function public.refund_generation_budget(p_day date, p_units integer)
returns void
language sql volatile
set search_path = ''
as $$
  update public.generation_budget_days set used = greatest(used - p_units, 0)
   where day = p_day and p_units > 0;
$$;

-- Claims, on the locked row of `p_day`, the thresholds `p_used` of `p_budget` has reached and no
-- call has claimed yet; returns them. The caller sends the e-mail; a failed send gives its claim
-- back (release_generation_budget_alert) so that a later generation of the day tries again.
create function public.claim_generation_budget_alerts(p_day date, p_used integer, p_budget integer)
returns integer[]
language plpgsql volatile
set search_path = ''
as $$
declare
  claimed integer[];
begin
  select coalesce(array_agg(t order by t), '{}') into claimed
    from unnest(array[80, 100]) t, public.generation_budget_days b
   where b.day = p_day and p_used::bigint * 100 >= p_budget::bigint * t and not (t = any (b.alerts_sent));
  if cardinality(claimed) > 0 then
    update public.generation_budget_days set alerts_sent = alerts_sent || claimed where day = p_day;
  end if;
  return claimed;
end $$;

create function public.release_generation_budget_alert(p_day date, p_percent integer)
returns void
language sql volatile
set search_path = ''
as $$
  update public.generation_budget_days set alerts_sent = array_remove(alerts_sent, p_percent) where day = p_day;
$$;

-- =============================================================================================
-- consume_generation: consume_quota_held under the day's budget `p_budget` (null: no budget, as
-- for a user's own key, `p_byok`). Refused by the budget, nothing is taken from the user either.
-- `budget_alerts` are the thresholds this call claimed (only when `p_alert`).
-- =============================================================================================
create function public.consume_generation(p_user uuid, p_units integer, p_now timestamptz, p_byok boolean,
                                          p_hold_seconds integer, p_budget integer, p_alert boolean)
returns table (allowed boolean, daily_used integer, daily_quota integer, monthly_used integer,
               monthly_quota integer, day date, month date, hold_id uuid, budget_ok boolean,
               budget_used integer, budget_alerts integer[])
language plpgsql volatile
set search_path = ''
as $$
declare
  today date := (p_now at time zone 'utc')::date;
  c record;
  spent integer;
  claimed integer[] := '{}';
begin
  if p_byok or p_budget is null then
    return query select q.*, true, null::integer, '{}'::integer[]
                   from public.consume_quota_held(p_user, p_units, p_now, p_byok, p_hold_seconds) q;
    return;
  end if;
  -- The user's row before the day's row (the lock order above); expired holds give their units
  -- back before the budget is judged.
  perform 1 from public.users where id = p_user and not is_disabled for update;
  if not found then
    return;
  end if;
  perform public.release_quota_holds(p_now, p_user, 100);
  insert into public.generation_budget_days (day) values (today) on conflict on constraint generation_budget_days_pkey do nothing;
  select b.used into spent from public.generation_budget_days b where b.day = today for update;
  if spent + p_units > p_budget then
    if p_alert then
      claimed := public.claim_generation_budget_alerts(today, spent, p_budget);
    end if;
    return query select false, null::integer, null::integer, null::integer, null::integer, today,
                        null::date, null::uuid, false, spent, claimed;
    return;
  end if;
  select * into c from public.consume_quota_held(p_user, p_units, p_now, false, p_hold_seconds);
  if c.allowed then
    update public.quota_holds set budgeted = true where id = c.hold_id;
    spent := spent + p_units;
    update public.generation_budget_days set used = spent where generation_budget_days.day = today;
    if p_alert then
      claimed := public.claim_generation_budget_alerts(today, spent, p_budget);
    end if;
  end if;
  return query select c.allowed, c.daily_used, c.daily_quota, c.monthly_used, c.monthly_quota, c.day, c.month,
                      c.hold_id, true, spent, claimed;
end $$;

-- The three places a hold's units go back, now giving a budgeted hold's units to its day too.
create or replace function public.release_quota_holds(p_now timestamptz, p_user uuid, p_limit integer)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  h record;
  released integer := 0;
  days date[] := '{}';
  units integer[] := '{}';
begin
  for h in
    delete from public.quota_holds
     where id in (select id from public.quota_holds
                   where expires_at <= p_now and (p_user is null or user_id = p_user)
                   order by expires_at limit p_limit for update skip locked)
    returning user_id, quota_holds.units, day, budgeted
  loop
    perform public.refund_quota(h.user_id, h.units, h.day, p_now, 'request_unfinished');
    if h.budgeted then
      days := days || h.day;
      units := units || h.units;
    end if;
    released := released + 1;
  end loop;
  -- The budget rows last, after every user row (the lock order).
  perform public.refund_generation_budget(g.d, g.n::integer)
     from (select d, sum(n) as n from unnest(days, units) as x(d, n) group by d order by d) g;
  return released;
end $$;

create or replace function public.refund_quota_hold(p_hold uuid, p_user uuid, p_units integer, p_now timestamptz,
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
  if h.budgeted then
    perform public.refund_generation_budget(h.day, least(p_units, h.units));
  end if;
end $$;

create or replace function public.record_held_generation(p_hold uuid, p_user uuid, p_images jsonb, p_request jsonb,
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
  if h.budgeted and h.units > kept then
    perform public.refund_generation_budget(h.day, h.units - kept);
  end if;
end $$;

revoke execute on function public.refund_generation_budget(date, integer) from public, anon, authenticated;
revoke execute on function public.claim_generation_budget_alerts(date, integer, integer) from public, anon, authenticated;
revoke execute on function public.release_generation_budget_alert(date, integer) from public, anon, authenticated;
revoke execute on function public.consume_generation(uuid, integer, timestamptz, boolean, integer, integer, boolean) from public, anon, authenticated;
grant execute on function public.refund_generation_budget(date, integer) to service_role;
grant execute on function public.claim_generation_budget_alerts(date, integer, integer) to service_role;
grant execute on function public.release_generation_budget_alert(date, integer) to service_role;
grant execute on function public.consume_generation(uuid, integer, timestamptz, boolean, integer, integer, boolean) to service_role;
