-- The daily cron in one round trip. A run used to make about ten calls before it could answer (the
-- report, then a batch of every step, and a Storage listing of every user folder for the orphan
-- sweep). maintenance_pass makes the first batch of every step in one transaction, in the order the
-- run needs (the report before the cleanup erases its traces), and returns what each did; the run
-- calls a step's own function again only when its first batch came back full. The orphan sweep
-- reads Storage's catalogue (storage.objects) instead of listing folders, so its cost no longer
-- grows with the number of users. Executable by service_role only.

-- =============================================================================================
-- maintenance_orphans: up to p_limit objects of bucket p_bucket, after p_after in name order,
-- created before p_before, in the generator's layout `{user id}/{image id}/{file}`, whose image
-- folder no image row points at (neither its original nor a derivative). Anything else in the
-- bucket (other names, other depths) is left alone: it is not ours to judge. Security definer
-- (owner: the migration role), like maintenance_day_figures, because the service role's access to
-- the storage schema differs between Supabase and a plain PostgreSQL; it only reads.
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
  return query execute $sql$
    with referenced as (
      select distinct split_part(r.path, '/', 1) || '/' || split_part(r.path, '/', 2) as folder
        from public.generated_images i
       cross join lateral (select i.storage_path
                           union all
                           select d.value from jsonb_each_text(i.derivative_paths) d) as r(path))
    select o.name from storage.objects o
     where o.bucket_id = $1
       and o.created_at < $2
       and o.name > $3
       and o.name ~* '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/[^/]+$'
       and not exists (select 1 from referenced
                        where referenced.folder = split_part(o.name, '/', 1) || '/' || split_part(o.name, '/', 2))
     order by o.name
     limit $4 $sql$
    using p_bucket, p_before, p_after, p_limit;
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
