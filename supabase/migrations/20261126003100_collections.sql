-- Collections as the gallery lists them: each of the user's collections with its number of images.
-- Executable by service_role only.
create function public.collections_of(p_user uuid)
returns table (id uuid, name text, description text, cover_image_id uuid, is_public boolean,
               image_count bigint, created_at timestamptz, updated_at timestamptz)
language sql stable
set search_path = ''
as $$
  select c.id, c.name, c.description, c.cover_image_id, c.is_public,
         (select count(*) from public.collection_images ci where ci.collection_id = c.id),
         c.created_at, c.updated_at
    from public.collections c
   where c.user_id = p_user
   order by c.updated_at desc, c.id
$$;

revoke execute on function public.collections_of(uuid) from public, anon, authenticated;
grant execute on function public.collections_of(uuid) to service_role;
