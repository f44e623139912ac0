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
