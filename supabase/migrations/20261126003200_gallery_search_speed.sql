-- Search in one user's gallery at 10,000 images and more (docs/BENCHMARKS.md, "Gallery pages").
--
-- 1. Indexes that start with the owner: the full-text and trigram indexes of the images migration
--    cover every user's rows, so a rare word still walks other users' matches, and a common one
--    all of them. btree_gin lets a GIN index lead with user_id.
-- 2. gallery_page planned with the call's values. As a SQL function with SET options it is never
--    inlined, and its statement was planned once with unknown parameters: no plan can serve both
--    "p_q is null" and a search, so PostgreSQL scanned the user's rows and computed the trigram
--    similarity of each (350–500 ms at 10,000 images). In PL/pgSQL with plan_cache_mode =
--    force_custom_plan each call is planned with its arguments as constants: the unused filters
--    fold away, and the planner picks the newest-first index for common words (the page fills
--    after a few hundred rows) or the owner's GIN indexes for rare ones (well under a millisecond).

create extension if not exists btree_gin with schema extensions;

create index generated_images_user_search_idx
  on public.generated_images using gin (user_id, search_vector);
create index generated_images_user_prompt_trgm_idx
  on public.generated_images using gin (user_id, prompt extensions.gin_trgm_ops);
create index generated_images_user_title_trgm_idx
  on public.generated_images using gin (user_id, title extensions.gin_trgm_ops);

-- Same contract, arguments and order as before (20261126003000_gallery_functions.sql).
create or replace function public.gallery_page(
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
language plpgsql stable
security invoker
set search_path = ''
set pg_trgm.word_similarity_threshold = 0.5
set plan_cache_mode = force_custom_plan
as $$
begin
  return query
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
   limit p_limit;
end;
$$;
