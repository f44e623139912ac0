-- Extensions and shared building blocks used by every later migration.
--
-- Runs on Supabase (`supabase db push`) and on the plain PostgreSQL 15 cluster of `studio-local`
-- after its Supabase-like bootstrap (roles anon/authenticated/service_role, schema `extensions`).
-- Everything here is created by `postgres`, so Supabase's default privileges grant it to anon and
-- authenticated; each object below revokes what those roles must not have.

-- Trigram matching for `ilike` / similarity search over prompts and titles (gin_trgm_ops).
create extension if not exists pg_trgm with schema extensions;
-- Accent folding for query-time normalisation. Not usable in generated columns or indexes:
-- unaccent() is only STABLE (its dictionary can change), so the stored search vector does not use it.
create extension if not exists unaccent with schema extensions;

-- ---------------------------------------------------------------------------------------------
-- Domains: the product's closed vocabularies, defined once so every table agrees.
-- ---------------------------------------------------------------------------------------------

-- Aspect ratios the generator offers (DESIGN §1). Widening the list is one `alter domain`.
create domain public.aspect_ratio as text
  constraint aspect_ratio_allowed check (value in ('1:1', '16:9', '9:16', '4:3', '3:4'));

-- Generation quality tiers; 'high' maps to the stronger (slower, costlier) Gemini image model.
create domain public.image_quality as text
  constraint image_quality_allowed check (value in ('standard', 'high'));

-- ---------------------------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------------------------

-- Trigger function: stamps `updated_at` on every UPDATE so callers never have to.
create function public.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;

comment on function public.set_updated_at() is
  'BEFORE UPDATE trigger: sets NEW.updated_at to now().';

revoke execute on function public.set_updated_at() from public, anon, authenticated;

-- array_to_string() is only STABLE in pg_proc (element output functions may depend on settings),
-- which generated columns reject. For text[] the result cannot change, so this wrapper is
-- declared IMMUTABLE for use in generated_images.search_vector.
create function public.tags_to_text(tags text[])
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select pg_catalog.array_to_string(tags, ' ')
$$;

comment on function public.tags_to_text(text[]) is
  'IMMUTABLE array_to_string(tags, '' '') for text[]; used by generated columns.';

-- Generated columns check EXECUTE at write time, so the writer (service_role) keeps it.
revoke execute on function public.tags_to_text(text[]) from public, anon, authenticated;
grant execute on function public.tags_to_text(text[]) to service_role;
