-- Images of a share link served through the gallery function, so that no URL a link hands out
-- names a stored object (whose path starts with the owner's id). One statement per image request.

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
