-- The operator's view: who the operator is (besides OPERATOR_EMAIL, an account flagged here in
-- SQL), the figures the daily report adds for the operator screen (generation time, failures per
-- route, top users), the report's 80 % budget alert merged with the live one, and the read of the
-- last reports the operator routes answer. Executable by service_role only.

-- users.is_operator: set by the project's owner in SQL (the SQL editor), never by the API: no
-- route writes this column. Counts only for an account whose address is confirmed.
alter table public.users add column is_operator boolean not null default false;
comment on column public.users.is_operator is
  'Operator of the studio (reads the daily reports); set in SQL only, never through the API.';

-- =============================================================================================
-- maintenance_operator_figures: what the operator screen shows of UTC day p_day beyond the usage
-- counts. Generation time comes from the usage rows of delivered images (details.request_ms: the
-- whole request, details.model_ms: the model calls), so a request of four variations counts four
-- times, once per image delivered. Failures per route: success rows (one per image for generate
-- and edit, one per request otherwise) against failure rows (details.failed units each: failed
-- variations for generate and edit, 1 otherwise). Top users: by images delivered that day, and
-- by bytes stored now under their own folder `{user id}/…` (the private bucket's layout).
-- Security definer for storage.objects, as maintenance_day_figures; it reads and returns sums.
-- =============================================================================================
create function public.maintenance_operator_figures(p_day date)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  day_start timestamptz := p_day::timestamp at time zone 'utc';
  day_end timestamptz := (p_day + 1)::timestamp at time zone 'utc';
  timings jsonb;
  routes jsonb;
  by_generations jsonb;
  by_storage jsonb := '[]';
begin
  select jsonb_build_object(
           'count', count(*),
           'p50', percentile_disc(0.5) within group (order by t.request_ms),
           'p95', percentile_disc(0.95) within group (order by t.request_ms),
           'model_p50', percentile_disc(0.5) within group (order by t.model_ms),
           'model_p95', percentile_disc(0.95) within group (order by t.model_ms))
    into timings
    from (select (l.details ->> 'request_ms')::integer as request_ms, (l.details ->> 'model_ms')::integer as model_ms
            from public.usage_logs l
           where l.created_at >= day_start and l.created_at < day_end
             and l.action in ('generate', 'edit') and l.status = 'success'
             and jsonb_typeof(l.details -> 'request_ms') = 'number') t;
  select coalesce(jsonb_object_agg(r.action, jsonb_build_object('requests', r.ok + r.failed, 'failures', r.failed)),
                  '{}')
    into routes
    from (select l.action,
                 count(*) filter (where l.status = 'success') as ok,
                 coalesce(sum(case when jsonb_typeof(l.details -> 'failed') = 'number'
                                   then (l.details ->> 'failed')::integer else 1 end)
                            filter (where l.status = 'failure'), 0) as failed
            from public.usage_logs l
           where l.created_at >= day_start and l.created_at < day_end
             and l.action in ('generate', 'edit', 'download', 'export', 'share_create', 'share_view')
           group by l.action) r;
  select coalesce(jsonb_agg(jsonb_build_object('user_id', t.user_id, 'generations', t.n)
                            order by t.n desc, t.user_id), '[]')
    into by_generations
    from (select l.user_id, count(*) as n
            from public.usage_logs l
           where l.created_at >= day_start and l.created_at < day_end and l.user_id is not null
             and l.action in ('generate', 'edit') and l.status = 'success'
           group by l.user_id
           order by n desc, l.user_id
           limit 5) t;
  if pg_catalog.to_regclass('storage.objects') is not null then
    execute $q$
      select coalesce(jsonb_agg(jsonb_build_object('user_id', t.owner, 'bytes', t.bytes, 'objects', t.objects)
                                order by t.bytes desc, t.owner), '[]')
        from (select u.id as owner, sum(coalesce((o.metadata ->> 'size')::bigint, 0))::bigint as bytes,
                     count(*) as objects
                from storage.objects o
                join public.users u on u.id::text = split_part(o.name, '/', 1)
               group by u.id
               order by bytes desc, u.id
               limit 5) t
    $q$ into by_storage;
  end if;
  return jsonb_build_object(
    -- Units given back, as before; failed requests now also write failure rows (for the rates by
    -- route), which the usage figures would otherwise count a second time.
    'generation_failures', (select coalesce(sum(l.units), 0) from public.usage_logs l
                             where l.created_at >= day_start and l.created_at < day_end
                               and l.action = 'quota_refund'),
    'generation_ms', timings,
    'routes', routes,
    'top_users_by_generations', by_generations,
    'top_users_by_storage', by_storage,
    'budget_used', coalesce((select b.used from public.generation_budget_days b where b.day = p_day), 0));
end;
$$;

-- maintenance_day_figures becomes the usage figures as before (renamed, its body and grants kept)
-- plus the operator's figures, so that maintenance_pass records both in its one call. Where both
-- name a figure (generation_failures), the operator's, on the right, wins.
alter function public.maintenance_day_figures(date, timestamptz) rename to maintenance_usage_figures;

create function public.maintenance_day_figures(p_day date, p_now timestamptz)
returns jsonb
language sql stable
set search_path = ''
as $$
  select public.maintenance_usage_figures(p_day, p_now) || public.maintenance_operator_figures(p_day);
$$;

-- =============================================================================================
-- maintenance_claim_alert, as in 20261126006100, with the report's budget alert ('generations')
-- and the live 80 % alert of generate (generation_budget_days.alerts_sent) one claim: the report
-- claims the day's 80 % too, and sends nothing when the live alert already did. The kind is still
-- added to the report's alerts_sent (the day's alert has gone out, by either path).
-- Lock order: the report's row, then the day's budget row (generate never locks a report row).
-- =============================================================================================
create or replace function public.maintenance_claim_alert(p_day date, p_kind text)
returns boolean
language plpgsql volatile
set search_path = ''
as $$
begin
  update public.daily_reports r
     set alerts_sent = r.alerts_sent || p_kind
   where r.day = p_day and not (p_kind = any (r.alerts_sent));
  if not found then
    return false;
  end if;
  if p_kind = 'generations' then
    insert into public.generation_budget_days (day) values (p_day)
      on conflict on constraint generation_budget_days_pkey do nothing;
    update public.generation_budget_days b
       set alerts_sent = b.alerts_sent || 80
     where b.day = p_day and not (80 = any (b.alerts_sent));
    return found;
  end if;
  return true;
end;
$$;

create or replace function public.maintenance_release_alert(p_day date, p_kind text)
returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  update public.daily_reports r set alerts_sent = array_remove(r.alerts_sent, p_kind) where r.day = p_day;
  if p_kind = 'generations' then
    update public.generation_budget_days b set alerts_sent = array_remove(b.alerts_sent, 80) where b.day = p_day;
  end if;
end;
$$;

-- =============================================================================================
-- operator_reports: the last p_days daily reports, newest first, each with the alerts sent for
-- its day (the report's kinds, and the live budget alerts as 'budget-80' / 'budget-100') and its
-- top users named by their current address (null once the account is deleted: the stored report
-- keeps ids only, so deleting an account leaves no address behind in the reports).
-- =============================================================================================
create function public.operator_named(p_users jsonb)
returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(e.value || jsonb_build_object('email', u.email) order by e.ordinality), '[]')
    from jsonb_array_elements(coalesce(p_users, '[]')) with ordinality as e(value, ordinality)
    left join public.users u on u.id::text = e.value ->> 'user_id';
$$;

create function public.operator_reports(p_days integer)
returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(x.report order by x.day desc), '[]')
    from (select r.day, jsonb_build_object(
                   'day', r.day,
                   'updated_at', r.updated_at,
                   'alerts_sent', to_jsonb(r.alerts_sent || coalesce(
                     (select array_agg('budget-' || t order by t)
                        from public.generation_budget_days b, unnest(b.alerts_sent) t
                       where b.day = r.day), '{}')),
                   'figures', r.figures || jsonb_build_object(
                     'top_users_by_generations', public.operator_named(r.figures -> 'top_users_by_generations'),
                     'top_users_by_storage', public.operator_named(r.figures -> 'top_users_by_storage'))) as report
            from public.daily_reports r
           order by r.day desc
           limit greatest(p_days, 0)) x;
$$;

revoke execute on function public.maintenance_operator_figures(date) from public, anon, authenticated;
revoke execute on function public.maintenance_day_figures(date, timestamptz) from public, anon, authenticated;
revoke execute on function public.operator_named(jsonb) from public, anon, authenticated;
revoke execute on function public.operator_reports(integer) from public, anon, authenticated;
grant execute on function public.maintenance_operator_figures(date) to service_role;
grant execute on function public.maintenance_day_figures(date, timestamptz) to service_role;
grant execute on function public.operator_named(jsonb) to service_role;
grant execute on function public.operator_reports(integer) to service_role;
