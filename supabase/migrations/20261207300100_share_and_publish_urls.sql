-- Share and publish URLs that name no owner: a share link's images served through the gallery
-- function (one statement per image request), and the public bucket's leftovers swept by the cron
-- now that published copies live under random per-publication keys.

-- =============================================================================================
-- share_object: the private object path of derivative p_width (the width as text, a key of
-- derivative_paths) of image p_image, as seen through the link p_token, with the link's state
-- ('active', 'expired' or 'revoked', as share_state). No row: no such link, or the image is not
-- what it points at (another image, or not in its collection, or not the link owner's). A null
-- path: the image has no derivative of that width. Views are not counted: the page or the JSON
-- answer that listed the image counted the visit.
-- =============================================================================================
create function public.share_object(p_token text, p_image uuid, p_width text)
returns table (state text, path text)
language sql stable
set search_path = ''
as $$
  select public.share_state(s.revoked_at, s.expires_at), i.derivative_paths ->> p_width
    from public.shares s
    join public.generated_images i on i.id = p_image and i.user_id = s.user_id
   where s.token = p_token
     and (s.image_id = p_image
          or exists (select 1 from public.collection_images c
                      where c.collection_id = s.collection_id and c.image_id = p_image))
$$;

revoke execute on function public.share_object(text, uuid, text) from public, anon, authenticated;
grant execute on function public.share_object(text, uuid, text) to service_role;

-- =============================================================================================
-- maintenance_public_orphans: up to p_limit objects of the public bucket p_bucket, after p_after
-- in name order, created before p_before, in a folder (`{publication key}/{file}`, or the older
-- `{image id}/{file}`) that no image's public_paths points into: copies a failed publish could not
-- remove. Publication keys are random and never reused, so nothing would ever overwrite them. Only
-- two-segment names are judged; anything else in the bucket is left alone. Security definer and
-- guarded like maintenance_orphans (20261126008000), for the same reasons; it only reads.
-- =============================================================================================
create function public.maintenance_public_orphans(p_bucket text, p_before timestamptz, p_after text,
                                                  p_limit integer)
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
      select distinct split_part(p.value, '/', 1) as folder
        from public.generated_images i
       cross join lateral jsonb_each_text(i.public_paths) as p
       where i.public_paths is not null)
    select o.name from storage.objects o
     where o.bucket_id = p_bucket
       and o.created_at < p_before
       and o.name > p_after
       and o.name ~ '^[^/]+/[^/]+$'
       and not exists (select 1 from referenced where referenced.folder = split_part(o.name, '/', 1))
     order by o.name
     limit p_limit;
end;
$$;

revoke execute on function public.maintenance_public_orphans(text, timestamptz, text, integer)
  from public, anon, authenticated;
grant execute on function public.maintenance_public_orphans(text, timestamptz, text, integer) to service_role;

-- =============================================================================================
-- maintenance_pass, as in 20261126008000, with the first batch of the public bucket's sweep too
-- (p_public_bucket; `public_orphans` in the answer), so that a quiet day's run stays one call.
-- =============================================================================================
drop function public.maintenance_pass(timestamptz, date, jsonb, integer, integer, text, timestamptz, integer);

create function public.maintenance_pass(
  p_now timestamptz, p_day date, p_report jsonb, p_usage_log_days integer, p_image_days integer,
  p_bucket text, p_orphans_before timestamptz, p_limit integer, p_public_bucket text)
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
                  from public.maintenance_orphans(p_bucket, p_orphans_before, '', p_limit) o),
    'public_orphans', (select coalesce(jsonb_agg(o), '[]')
                         from public.maintenance_public_orphans(p_public_bucket, p_orphans_before, '', p_limit) o));
end;
$$;

revoke execute on function public.maintenance_pass(timestamptz, date, jsonb, integer, integer, text, timestamptz, integer, text)
  from public, anon, authenticated;
grant execute on function public.maintenance_pass(timestamptz, date, jsonb, integer, integer, text, timestamptz, integer, text)
  to service_role;
