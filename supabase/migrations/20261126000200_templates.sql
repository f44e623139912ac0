-- Style templates: curated, bilingual reference data seeded by supabase/seed.sql.
--
-- These are the only tables anon/authenticated may read (the template picker can be served
-- straight from PostgREST with the anon key); nobody but service_role writes them.

-- =============================================================================================
-- template_categories
-- Read: anon, authenticated, service_role (all rows). Write: service_role only (seed / operator).
-- =============================================================================================
create table public.template_categories (
  slug           text primary key
                 constraint template_categories_slug_format
                 check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(slug) <= 64),
  name_en        text not null check (char_length(name_en) between 1 and 80),
  name_id        text not null check (char_length(name_id) between 1 and 80),
  description_en text not null default '' check (char_length(description_en) <= 500),
  description_id text not null default '' check (char_length(description_id) <= 500),
  -- Position in the picker, ascending; ties broken by slug.
  sort_order     integer not null default 0,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);
alter table public.template_categories enable row level security;

revoke all on table public.template_categories from anon, authenticated;
grant select on table public.template_categories to anon, authenticated;

create policy "template categories are readable by everyone"
  on public.template_categories for select
  to anon, authenticated
  using (true);

create trigger template_categories_set_updated_at
  before update on public.template_categories
  for each row execute function public.set_updated_at();

-- =============================================================================================
-- style_templates
-- Read: anon, authenticated (active rows only, via policy); service_role (all rows).
-- Write: service_role only (seed / operator; usage_count bumped by the API after a generation).
-- =============================================================================================
create table public.style_templates (
  id                   uuid primary key default gen_random_uuid(),
  -- Stable public identifier used in URLs and API requests (lowercase kebab-case).
  slug                 text not null unique
                       constraint style_templates_slug_format
                       check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(slug) <= 64),
  category             text not null
                       references public.template_categories (slug) on update cascade on delete restrict,
  name_en              text not null check (char_length(name_en) between 1 and 80),
  name_id              text not null check (char_length(name_id) between 1 and 80),
  description_en       text not null default '' check (char_length(description_en) <= 500),
  description_id       text not null default '' check (char_length(description_id) <= 500),
  -- Prompt assembly: prefix and suffix are whole sentences (each ends with a period); the API
  -- sends prefix, then the user's prompt, then suffix, as separate lines of one instruction.
  prompt_prefix        text not null default '' check (char_length(prompt_prefix) <= 1000),
  prompt_suffix        text not null default '' check (char_length(prompt_suffix) <= 1000),
  -- Things to avoid; Gemini has no negative field, so the API folds this into the prompt text
  -- together with the user's own negative prompt.
  negative_prompt      text not null default '' check (char_length(negative_prompt) <= 1000),
  -- Suggested ratio preselected when the template is chosen; null = keep the user's choice.
  default_aspect_ratio public.aspect_ratio,
  -- Example output shown in the picker (absolute URL or public-bucket path); null = none yet.
  preview_url          text,
  is_featured          boolean not null default false,
  sort_order           integer not null default 0,
  -- Retired templates stay for old images' template_id but are hidden from anon/authenticated.
  is_active            boolean not null default true,
  -- Number of generations that used this template (denormalised counter for "popular" sorting).
  usage_count          bigint not null default 0 check (usage_count >= 0),
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now()
);
alter table public.style_templates enable row level security;

revoke all on table public.style_templates from anon, authenticated;
grant select on table public.style_templates to anon, authenticated;

create policy "active style templates are readable by everyone"
  on public.style_templates for select
  to anon, authenticated
  using (is_active);

-- The picker's query: active templates of a category, featured first, then curated order.
create index style_templates_listing_idx
  on public.style_templates (is_active, category, is_featured desc, sort_order, name_en);

create trigger style_templates_set_updated_at
  before update on public.style_templates
  for each row execute function public.set_updated_at();

-- =============================================================================================
-- template_categories_with_counts(): categories with their number of active templates.
-- Callable by anon, authenticated, service_role (POST /rest/v1/rpc/template_categories_with_counts).
-- SECURITY INVOKER: the caller's RLS applies, and the count only looks at active rows anyway.
-- =============================================================================================
create function public.template_categories_with_counts()
returns table (
  slug           text,
  name_en        text,
  name_id        text,
  description_en text,
  description_id text,
  sort_order     integer,
  template_count bigint
)
language sql
stable
set search_path = ''
as $$
  select c.slug, c.name_en, c.name_id, c.description_en, c.description_id, c.sort_order,
         (select pg_catalog.count(*)
            from public.style_templates t
           where t.category = c.slug and t.is_active) as template_count
    from public.template_categories c
   order by c.sort_order, c.slug
$$;

comment on function public.template_categories_with_counts() is
  'Template categories in display order, each with its number of active style templates.';

revoke execute on function public.template_categories_with_counts() from public, anon, authenticated;
grant execute on function public.template_categories_with_counts() to anon, authenticated, service_role;
