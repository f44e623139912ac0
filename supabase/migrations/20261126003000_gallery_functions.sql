-- Gallery reads that must be one indexed statement: search, filters and keyset pagination of the
-- user's images. Runs as the caller (security invoker) and is executable by service_role only.

-- =============================================================================================
-- gallery_page: one page of p_user's images, newest first, in the stable order (created_at desc,
-- id desc). The page starts after the keyset (p_after_created_at, p_after_id) when given.
-- Search: the 'simple' search_vector (title, tags, prompt, alt text; any language, no stemming)
-- with websearch_to_tsquery, OR a trigram word similarity on prompt or title for typos
-- ("kuching" finds "kucing", "sunsett" finds "sunset"). `<%` is the indexable form of
-- word_similarity(query, text) >= pg_trgm.word_similarity_threshold. One letter added to or
-- changed in a 6–7 letter word scores 0.5 (5 shared trigrams of 10), hence 0.5. A 3-letter term
-- scores 0.5 against any word sharing its first two letters ("cat" against "car"), so terms under
-- 4 characters are matched by the text search alone.
-- Filters are ANDed; a null parameter does not filter. p_from and p_to are inclusive bounds.
-- =============================================================================================
create function public.gallery_page(
  p_user uuid,
  p_limit integer,
  p_after_created_at timestamptz default null,
  p_after_id uuid default null,
  p_q text default null,
  p_tag text default null,
  p_collection uuid default null,
  p_favorite boolean default null,
  p_public boolean default null,
  p_template uuid default null,
  p_aspect_ratio text default null,
  p_from timestamptz default null,
  p_to timestamptz default null)
returns setof public.generated_images
language sql stable
security invoker
set search_path = ''
set pg_trgm.word_similarity_threshold = 0.5
as $$
  select i.*
    from public.generated_images i
   where i.user_id = p_user
     and (p_after_created_at is null or (i.created_at, i.id) < (p_after_created_at, p_after_id))
     and (p_q is null
          or i.search_vector @@ pg_catalog.websearch_to_tsquery('simple'::regconfig, p_q)
          or (pg_catalog.char_length(p_q) >= 4
              and (p_q operator(extensions.<%) i.prompt or p_q operator(extensions.<%) i.title)))
     and (p_tag is null or i.tags @> array[p_tag])
     and (p_collection is null or exists (
            select 1 from public.collection_images c where c.collection_id = p_collection and c.image_id = i.id))
     and (p_favorite is null or i.is_favorite = p_favorite)
     and (p_public is null or i.is_public = p_public)
     and (p_template is null or i.template_id = p_template)
     and (p_aspect_ratio is null or i.aspect_ratio = p_aspect_ratio)
     and (p_from is null or i.created_at >= p_from)
     and (p_to is null or i.created_at <= p_to)
   order by i.created_at desc, i.id desc
   limit p_limit
$$;

revoke execute on function public.gallery_page(
  uuid, integer, timestamptz, uuid, text, text, uuid, boolean, boolean, uuid, text, timestamptz, timestamptz)
  from public, anon, authenticated;
grant execute on function public.gallery_page(
  uuid, integer, timestamptz, uuid, text, text, uuid, boolean, boolean, uuid, text, timestamptz, timestamptz)
  to service_role;
