-- The public feed and share links: the gallery's one search predicate (now shared by the owner's
-- listing and the public feed), the feed's page, and the share-link reads and counters that must
-- be one statement. Every function is executable by service_role only.

-- =============================================================================================
-- generated_images.public_search_vector: what a visitor may search a published image by: title,
-- tags and alt text, and the prompt only while the owner shows it. Searching the feed by words of
-- a hidden prompt would otherwise tell a visitor what the prompt says, one guess at a time.
-- Null while the image is not published, so private rows carry no second vector.
-- =============================================================================================
alter table public.generated_images
  add column public_search_vector tsvector generated always as (
    case when is_public then
      setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
      || setweight(to_tsvector('simple'::regconfig, public.tags_to_text(tags)), 'B')
      || setweight(to_tsvector('simple'::regconfig, case when show_prompt then prompt else '' end), 'C')
      || setweight(to_tsvector('simple'::regconfig, coalesce(alt_text, '')), 'D')
    end
  ) stored;

create index generated_images_public_search_vector_idx
  on public.generated_images using gin (public_search_vector) where is_public;

-- =============================================================================================
-- gallery_matches: the gallery's search. The 'simple' text search (any language, no stemming)
-- with websearch_to_tsquery, OR a trigram word similarity on prompt or title for typos; terms
-- under 4 characters by the text search alone (see gallery_page in 20261126003000 for the
-- numbers). A null term matches everything, a null prompt or title nothing.
-- `<%` compares against pg_trgm.word_similarity_threshold, which each caller sets to 0.5.
-- No SET clause, not even search_path (every name below is schema-qualified, and the standard
-- SQL body is bound when created): a function with one is never inlined, and inlined it plans
-- exactly as the predicate written out in the caller's query.
-- =============================================================================================
create function public.gallery_matches(p_q text, p_vector tsvector, p_prompt text, p_title text)
returns boolean
language sql stable parallel safe
return p_q is null
    or p_vector operator(pg_catalog.@@) pg_catalog.websearch_to_tsquery('simple'::regconfig, p_q)
    or (pg_catalog.char_length(p_q) >= 4
        and (p_q operator(extensions.<%) p_prompt or p_q operator(extensions.<%) p_title));

revoke execute on function public.gallery_matches(text, tsvector, text, text) from public, anon, authenticated;
grant execute on function public.gallery_matches(text, tsvector, text, text) to service_role;

-- gallery_page, unchanged in behaviour, now searches through gallery_matches (inlined), and is
-- planned with the call's values. As a SQL function with SET options it is never inlined, and its
-- statement was planned once with unknown parameters: no plan can serve both "p_q is null" and a
-- search, so PostgreSQL scanned the user's rows and computed the trigram similarity of each
-- (350–500 ms at 10,000 images). In PL/pgSQL with plan_cache_mode = force_custom_plan each call is
-- planned with its arguments as constants: the unused filters fold away, and the planner picks the
-- newest-first index for common words (the page fills after a few hundred rows) or the owner's GIN
-- indexes of 20261126003200 for rare ones (well under a millisecond).
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
     and public.gallery_matches(p_q, i.search_vector, i.prompt, i.title)
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

-- =============================================================================================
-- public_feed_page: one page of published images, newest published first, in the stable order
-- (published_at desc, id desc), after the keyset (p_after_published_at, p_after_id) when given;
-- searched like the owner's gallery, over what a visitor may see (public_search_vector).
-- Only public columns leave the database: the prompt only where the owner shows it, no owner,
-- no private object paths, no seed.
-- =============================================================================================
create function public.public_feed_page(
  p_limit integer,
  p_after_published_at timestamptz default null,
  p_after_id uuid default null,
  p_q text default null)
returns table (id uuid, title text, alt_text text, tags text[], width integer, height integer,
               aspect_ratio text, public_paths jsonb, published_at timestamptz, prompt text)
language plpgsql stable
security invoker
set search_path = ''
set pg_trgm.word_similarity_threshold = 0.5
set plan_cache_mode = force_custom_plan
as $$
begin
  return query
  select i.id, i.title, i.alt_text, i.tags, i.width, i.height, i.aspect_ratio::text, i.public_paths,
         i.published_at, case when i.show_prompt then i.prompt end
    from public.generated_images i
   where i.is_public
     and (p_after_published_at is null or (i.published_at, i.id) < (p_after_published_at, p_after_id))
     and public.gallery_matches(p_q, i.public_search_vector,
                                case when i.show_prompt then i.prompt end, i.title)
   order by i.published_at desc, i.id desc
   limit p_limit;
end;
$$;

revoke execute on function public.public_feed_page(integer, timestamptz, uuid, text)
  from public, anon, authenticated;
grant execute on function public.public_feed_page(integer, timestamptz, uuid, text) to service_role;

-- =============================================================================================
-- share_state: 'revoked' (the owner withdrew it), 'expired' (its time ran out) or 'active'.
-- Revoked wins: a withdrawn link says no more than an unknown one.
-- =============================================================================================
create function public.share_state(p_revoked_at timestamptz, p_expires_at timestamptz)
returns text
language sql stable parallel safe
return case
  when p_revoked_at is not null then 'revoked'
  when p_expires_at is not null and p_expires_at <= pg_catalog.now() then 'expired'
  else 'active'
end;

revoke execute on function public.share_state(timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function public.share_state(timestamptz, timestamptz) to service_role;

-- =============================================================================================
-- shares_of: p_user's share links, newest first, keyset-paginated on (created_at, id), all of
-- them or those of one image or one collection, each with its state.
-- =============================================================================================
create function public.shares_of(
  p_user uuid,
  p_limit integer,
  p_after_created_at timestamptz default null,
  p_after_id uuid default null,
  p_image uuid default null,
  p_collection uuid default null)
returns table (id uuid, token text, image_id uuid, collection_id uuid, show_prompt boolean,
               expires_at timestamptz, revoked_at timestamptz, view_count integer,
               created_at timestamptz, state text)
language sql stable
set search_path = ''
as $$
  select s.id, s.token, s.image_id, s.collection_id, s.show_prompt, s.expires_at, s.revoked_at,
         s.view_count, s.created_at, public.share_state(s.revoked_at, s.expires_at)
    from public.shares s
   where s.user_id = p_user
     and (p_after_created_at is null or (s.created_at, s.id) < (p_after_created_at, p_after_id))
     and (p_image is null or s.image_id = p_image)
     and (p_collection is null or s.collection_id = p_collection)
   order by s.created_at desc, s.id desc
   limit p_limit
$$;

revoke execute on function public.shares_of(uuid, integer, timestamptz, uuid, uuid, uuid)
  from public, anon, authenticated;
grant execute on function public.shares_of(uuid, integer, timestamptz, uuid, uuid, uuid) to service_role;

-- =============================================================================================
-- share_revoke: stamps revoked_at on p_user's link p_share (kept if already revoked, so a retry
-- changes nothing). No row: not p_user's link.
-- =============================================================================================
create function public.share_revoke(p_user uuid, p_share uuid)
returns table (id uuid, token text, image_id uuid, collection_id uuid, show_prompt boolean,
               expires_at timestamptz, revoked_at timestamptz, view_count integer,
               created_at timestamptz, state text)
language sql
set search_path = ''
as $$
  update public.shares s
     set revoked_at = coalesce(s.revoked_at, pg_catalog.now())
   where s.id = p_share and s.user_id = p_user
  returning s.id, s.token, s.image_id, s.collection_id, s.show_prompt, s.expires_at, s.revoked_at,
            s.view_count, s.created_at, 'revoked'
$$;

revoke execute on function public.share_revoke(uuid, uuid) from public, anon, authenticated;
grant execute on function public.share_revoke(uuid, uuid) to service_role;

-- =============================================================================================
-- share_visit: a visitor opening the link p_token. No row: no such link. Otherwise its state and
-- what it points at. An active link is counted when p_count (a first page, not the next page of
-- a collection): its view_count and, for an image link, the image's, in this one transaction;
-- the increments are row-locked updates, so concurrent visits are all counted.
-- owner_id is for the API's own queries (a collection's images); never shown to the visitor.
-- =============================================================================================
create function public.share_visit(p_token text, p_count boolean)
returns table (share_id uuid, state text, owner_id uuid, image_id uuid, collection_id uuid,
               show_prompt boolean, expires_at timestamptz)
language plpgsql
set search_path = ''
as $$
declare
  link public.shares;
begin
  if p_count then
    update public.shares s
       set view_count = s.view_count + 1
     where s.token = p_token and public.share_state(s.revoked_at, s.expires_at) = 'active'
    returning s.* into link;
    if link.image_id is not null then
      update public.generated_images i set view_count = i.view_count + 1 where i.id = link.image_id;
    end if;
  end if;
  if link.id is null then
    select s.* into link from public.shares s where s.token = p_token;
  end if;
  if link.id is not null then
    return query select link.id, public.share_state(link.revoked_at, link.expires_at), link.user_id,
                        link.image_id, link.collection_id, link.show_prompt, link.expires_at;
  end if;
end;
$$;

revoke execute on function public.share_visit(text, boolean) from public, anon, authenticated;
grant execute on function public.share_visit(text, boolean) to service_role;
