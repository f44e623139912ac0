-- Gallery functions for bulk actions, downloads and exports. Each is one transaction scoped to
-- p_user (another user's image or collection is treated as missing). Executable by service_role only.

-- =============================================================================================
-- gallery_selection: p_user's images among p_ids, in the order of p_ids (ids that are not the
-- user's images are left out, so the caller sees which are missing); or, with p_collection, the
-- images of that collection of p_user's in the collection's order. At most p_limit rows (the
-- caller asks for one more than its cap to learn that a collection is over it).
-- Raises P0002 when p_collection is not one of p_user's collections.
-- =============================================================================================
create function public.gallery_selection(
  p_user uuid,
  p_ids uuid[] default null,
  p_collection uuid default null,
  p_limit integer default null)
returns setof public.generated_images
language plpgsql stable
set search_path = ''
as $$
begin
  if p_collection is null then
    return query
      select i.*
        from public.generated_images i
       where i.user_id = p_user and i.id = any(p_ids)
       order by pg_catalog.array_position(p_ids, i.id)
       limit p_limit;
    return;
  end if;
  if not exists (select 1 from public.collections c where c.id = p_collection and c.user_id = p_user) then
    raise exception 'collection % is not the user''s', p_collection using errcode = 'P0002';
  end if;
  return query
    select i.*
      from public.collection_images c
      join public.generated_images i on i.id = c.image_id
     where c.collection_id = p_collection and i.user_id = p_user
     order by c.position, c.added_at, i.id
     limit p_limit;
end;
$$;

revoke execute on function public.gallery_selection(uuid, uuid[], uuid, integer) from public, anon, authenticated;
grant execute on function public.gallery_selection(uuid, uuid[], uuid, integer) to service_role;

-- =============================================================================================
-- gallery_bulk: one action on p_user's images among p_ids, all or nothing, answering each id of
-- p_ids in order with 'ok' (the user's image: changed, or already as asked) or 'not_found'.
-- Actions: tag / untag (p_tags, normalised by the API), favorite / unfavorite,
-- add_to_collection / remove_from_collection (p_collection), publish (p_public_paths: image id ->
-- its public_paths, for the images whose objects the API copied into the public bucket),
-- unpublish and delete (the API removed the stored objects first).
-- Raises P0002 when p_collection is not the user's, and 23514 (detail: the image id) when tagging
-- would give an image more than 30 tags.
-- =============================================================================================
create function public.gallery_bulk(
  p_user uuid,
  p_ids uuid[],
  p_action text,
  p_tags text[] default null,
  p_collection uuid default null,
  p_public_paths jsonb default null)
returns table (id uuid, status text)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
declare
  owned uuid[];
  crowded uuid;
begin
  -- Row locks in id order: a concurrent bulk action on overlapping images waits instead of
  -- deadlocking, and then sees this one's result.
  perform 1 from public.generated_images i where i.user_id = p_user and i.id = any(p_ids) order by i.id for update;
  owned := array(select i.id from public.generated_images i where i.user_id = p_user and i.id = any(p_ids));

  if p_action in ('add_to_collection', 'remove_from_collection')
     and not exists (select 1 from public.collections c where c.id = p_collection and c.user_id = p_user) then
    raise exception 'collection % is not the user''s', p_collection using errcode = 'P0002';
  end if;

  case p_action
  when 'tag' then
    select i.id into crowded
      from public.generated_images i
     where i.id = any(owned)
       and pg_catalog.cardinality(array(select distinct t from unnest(i.tags || p_tags) t)) > 30
     limit 1;
    if crowded is not null then
      raise exception 'image % would have more than 30 tags', crowded
        using errcode = '23514', detail = crowded::text;
    end if;
    update public.generated_images i
       set tags = i.tags || array(select t from unnest(p_tags) with ordinality u(t, n)
                                   where t <> all(i.tags) order by n)
     where i.id = any(owned) and not i.tags @> p_tags;
  when 'untag' then
    update public.generated_images i
       set tags = array(select t from unnest(i.tags) with ordinality u(t, n) where t <> all(p_tags) order by n)
     where i.id = any(owned) and i.tags && p_tags;
  when 'favorite', 'unfavorite' then
    update public.generated_images i
       set is_favorite = (p_action = 'favorite')
     where i.id = any(owned) and i.is_favorite <> (p_action = 'favorite');
  when 'add_to_collection' then
    insert into public.collection_images (collection_id, image_id)
    select p_collection, o from unnest(owned) o
    on conflict do nothing;
  when 'remove_from_collection' then
    delete from public.collection_images c where c.collection_id = p_collection and c.image_id = any(owned);
  when 'publish' then
    update public.generated_images i
       set is_public = true, published_at = now(), public_paths = p_public_paths -> i.id::text
     where i.id = any(owned) and not i.is_public and p_public_paths ? i.id::text;
  when 'unpublish' then
    update public.generated_images i
       set is_public = false, published_at = null, public_paths = null
     where i.id = any(owned) and i.is_public;
  when 'delete' then
    delete from public.generated_images i where i.id = any(owned);
  else
    raise exception 'unknown bulk action %', p_action using errcode = '22023';
  end case;

  return query
    select x.id, case when x.id = any(owned) then 'ok' else 'not_found' end
      from unnest(p_ids) with ordinality x(id, n)
     order by x.n;
end;
$$;

revoke execute on function public.gallery_bulk(uuid, uuid[], text, text[], uuid, jsonb) from public, anon, authenticated;
grant execute on function public.gallery_bulk(uuid, uuid[], text, text[], uuid, jsonb) to service_role;

-- =============================================================================================
-- gallery_count_download: one more download of p_user's image p_image; its new count, or no row
-- when the image is not the user's.
-- =============================================================================================
create function public.gallery_count_download(p_user uuid, p_image uuid)
returns setof integer
language sql volatile
set search_path = ''
as $$
  update public.generated_images
     set download_count = download_count + 1
   where id = p_image and user_id = p_user
  returning download_count
$$;

revoke execute on function public.gallery_count_download(uuid, uuid) from public, anon, authenticated;
grant execute on function public.gallery_count_download(uuid, uuid) to service_role;

-- =============================================================================================
-- A download (or a view) is not a change of the image: updated_at moves only when something
-- other than the counters changes. (search_vector is left out: a generated column is not yet
-- computed in NEW of a BEFORE trigger.)
-- =============================================================================================
create function public.generated_images_set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if (pg_catalog.to_jsonb(new) - '{download_count,view_count,updated_at,search_vector}'::text[])
     is distinct from (pg_catalog.to_jsonb(old) - '{download_count,view_count,updated_at,search_vector}'::text[]) then
    new.updated_at := pg_catalog.now();
  end if;
  return new;
end;
$$;
revoke execute on function public.generated_images_set_updated_at() from public, anon, authenticated;

drop trigger generated_images_set_updated_at on public.generated_images;
create trigger generated_images_set_updated_at
  before update on public.generated_images
  for each row execute function public.generated_images_set_updated_at();
