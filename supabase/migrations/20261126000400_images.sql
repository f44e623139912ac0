-- Gallery: generated images (a version tree through parent_image_id), collections, and the
-- prompt history that outlives deleted images.
--
-- All private: the API (service_role) reads and writes them, scoping every query by user_id.
-- Published images reach the public through the API and the public-images bucket, never through
-- PostgREST grants. Ownership guards below make cross-user links impossible even if a query
-- forgets to scope (defence in depth for "other user's resource → 404").

-- =============================================================================================
-- generated_images
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.generated_images (
  id               uuid primary key default gen_random_uuid(),
  user_id          uuid not null references public.users (id) on delete cascade,
  -- What the user typed (any language).
  prompt           text not null check (char_length(prompt) between 1 and 1000),
  -- What the user asked to avoid; folded into final_prompt because Gemini has no negative field.
  negative_prompt  text check (char_length(negative_prompt) <= 1000),
  -- The instruction actually sent to the model (template prefix/suffix, negatives, edit wording).
  final_prompt     text check (char_length(final_prompt) <= 8000),
  template_id      uuid references public.style_templates (id) on delete set null,
  aspect_ratio     public.aspect_ratio not null default '1:1',
  quality          public.image_quality not null default 'standard',
  -- Gemini model id that produced the image, e.g. 'gemini-2.5-flash-image'.
  model            text not null check (char_length(model) between 1 and 100),
  -- Seed sent to the model (best effort: Gemini does not guarantee reproducibility).
  seed             bigint,
  -- Position of this image among the 1–4 variations of one generate request (0-based).
  variation_index  smallint not null default 0 check (variation_index between 0 and 3),
  -- Source image of an edit; the edit is a new row (version tree). Null = generated from text.
  parent_image_id  uuid references public.generated_images (id) on delete set null,
  title            text check (char_length(title) <= 200),
  alt_text         text check (char_length(alt_text) <= 1000),
  tags             text[] not null default '{}'
                   constraint generated_images_tags_valid
                   check (cardinality(tags) <= 30 and array_position(tags, null) is null),
  -- Object path of the original PNG in the private 'images' bucket: {user}/{image}/original.png
  storage_path     text not null check (char_length(storage_path) between 1 and 1024),
  -- Web-sized derivatives in the private bucket: {"150": "{user}/{image}/w150.webp", ...}.
  -- Keys are target widths as strings; widths above the original's are never generated.
  derivative_paths jsonb not null default '{}'
                   constraint generated_images_derivative_paths_object
                   check (jsonb_typeof(derivative_paths) = 'object'),
  -- While published: copies in the public 'public-images' bucket, same shape as
  -- derivative_paths plus "original". Null when not published (the copies are removed).
  public_paths     jsonb
                   constraint generated_images_public_paths_object
                   check (public_paths is null or jsonb_typeof(public_paths) = 'object'),
  width            integer check (width > 0),
  height           integer check (height > 0),
  -- Size of the original object in bytes.
  bytes            bigint check (bytes >= 0),
  -- MIME type of the original object.
  mime_type        text not null default 'image/png'
                   check (mime_type in ('image/png', 'image/webp', 'image/jpeg')),
  -- In the public feed. published_at is kept while published and drives the feed's order.
  is_public        boolean not null default false,
  published_at     timestamptz,
  is_favorite      boolean not null default false,
  -- Whether the public feed / image page shows the prompt (per image; shares have their own).
  show_prompt      boolean not null default false,
  download_count   integer not null default 0 check (download_count >= 0),
  view_count       integer not null default 0 check (view_count >= 0),
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  -- Full-text search over title (A), tags (B), prompt (C) and alt text (D). The 'simple'
  -- configuration lower-cases without stemming, so it works for Indonesian, English and any
  -- other language alike; query it with the same config (PostgREST: fts(simple) / wfts(simple)).
  search_vector    tsvector generated always as (
                     setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
                     || setweight(to_tsvector('simple'::regconfig, public.tags_to_text(tags)), 'B')
                     || setweight(to_tsvector('simple'::regconfig, prompt), 'C')
                     || setweight(to_tsvector('simple'::regconfig, coalesce(alt_text, '')), 'D')
                   ) stored,
  constraint generated_images_not_own_parent check (parent_image_id is distinct from id),
  constraint generated_images_public_has_published_at check (not is_public or published_at is not null)
);
alter table public.generated_images enable row level security;
-- no policies: service role only
revoke all on table public.generated_images from anon, authenticated;

-- My gallery, newest first, keyset-paginated on (created_at, id).
create index generated_images_user_created_idx
  on public.generated_images (user_id, created_at desc, id desc);
-- My favourites, same order.
create index generated_images_user_favorite_idx
  on public.generated_images (user_id, created_at desc, id desc) where is_favorite;
-- Public feed, newest published first, keyset-paginated on (published_at, id).
create index generated_images_public_feed_idx
  on public.generated_images (published_at desc, id desc) where is_public;
-- Full-text, substring (ilike / similarity) and tag search.
create index generated_images_search_vector_idx
  on public.generated_images using gin (search_vector);
create index generated_images_prompt_trgm_idx
  on public.generated_images using gin (prompt extensions.gin_trgm_ops);
create index generated_images_title_trgm_idx
  on public.generated_images using gin (title extensions.gin_trgm_ops);
create index generated_images_tags_idx
  on public.generated_images using gin (tags);
-- Version tree (children of an image) and ON DELETE SET NULL from parents / templates.
create index generated_images_parent_image_id_idx
  on public.generated_images (parent_image_id) where parent_image_id is not null;
create index generated_images_template_id_idx
  on public.generated_images (template_id) where template_id is not null;
-- Retention: the daily cron deletes private images older than 90 days.
create index generated_images_private_created_idx
  on public.generated_images (created_at) where not is_public;

create trigger generated_images_set_updated_at
  before update on public.generated_images
  for each row execute function public.set_updated_at();

-- An edit's source image must be the same user's, or published (anyone may edit a public image;
-- the lineage link stays if the source is later unpublished, and is cleared if it is deleted).
create function public.generated_images_check_parent_owner()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.parent_image_id is not null and not exists (
    select 1 from public.generated_images p
     where p.id = new.parent_image_id and (p.user_id = new.user_id or p.is_public)
  ) then
    raise exception 'parent image % is neither user %''s nor published', new.parent_image_id, new.user_id
      using errcode = 'foreign_key_violation';
  end if;
  return new;
end;
$$;
revoke execute on function public.generated_images_check_parent_owner() from public, anon, authenticated;

create trigger generated_images_parent_owner
  before insert or update of parent_image_id, user_id on public.generated_images
  for each row execute function public.generated_images_check_parent_owner();

-- =============================================================================================
-- collections
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.collections (
  id             uuid primary key default gen_random_uuid(),
  user_id        uuid not null references public.users (id) on delete cascade,
  name           text not null check (char_length(btrim(name)) between 1 and 100),
  description    text check (char_length(description) <= 1000),
  -- Image shown on the collection card; must be one of the owner's images.
  cover_image_id uuid references public.generated_images (id) on delete set null,
  -- Reserved for a public collection page; sharing a collection today goes through shares.
  is_public      boolean not null default false,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  constraint collections_user_name_key unique (user_id, name)
);
alter table public.collections enable row level security;
-- no policies: service role only
revoke all on table public.collections from anon, authenticated;

create index collections_cover_image_id_idx
  on public.collections (cover_image_id) where cover_image_id is not null;

create trigger collections_set_updated_at
  before update on public.collections
  for each row execute function public.set_updated_at();

create function public.collections_check_cover_owner()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.cover_image_id is not null and not exists (
    select 1 from public.generated_images i
     where i.id = new.cover_image_id and i.user_id = new.user_id
  ) then
    raise exception 'cover image % does not belong to user %', new.cover_image_id, new.user_id
      using errcode = 'foreign_key_violation';
  end if;
  return new;
end;
$$;
revoke execute on function public.collections_check_cover_owner() from public, anon, authenticated;

create trigger collections_cover_owner
  before insert or update of cover_image_id, user_id on public.collections
  for each row execute function public.collections_check_cover_owner();

-- =============================================================================================
-- collection_images: membership of images in collections (many-to-many).
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.collection_images (
  collection_id uuid not null references public.collections (id) on delete cascade,
  image_id      uuid not null references public.generated_images (id) on delete cascade,
  added_at      timestamptz not null default now(),
  -- Manual order inside the collection, ascending; ties broken by added_at.
  position      integer not null default 0 check (position >= 0),
  primary key (collection_id, image_id)
);
alter table public.collection_images enable row level security;
-- no policies: service role only
revoke all on table public.collection_images from anon, authenticated;

create index collection_images_image_id_idx on public.collection_images (image_id);
create index collection_images_order_idx on public.collection_images (collection_id, position, added_at);

-- Collection and image must have the same owner.
create function public.collection_images_check_owner()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if not exists (
    select 1
      from public.collections c
      join public.generated_images i on i.user_id = c.user_id
     where c.id = new.collection_id and i.id = new.image_id
  ) then
    raise exception 'image % and collection % belong to different users', new.image_id, new.collection_id
      using errcode = 'foreign_key_violation';
  end if;
  return new;
end;
$$;
revoke execute on function public.collection_images_check_owner() from public, anon, authenticated;

create trigger collection_images_owner
  before insert or update of collection_id, image_id on public.collection_images
  for each row execute function public.collection_images_check_owner();

-- =============================================================================================
-- prompt_history: prompts the user generated with, one row per distinct prompt text.
-- Deliberately no foreign key to generated_images: history survives deleting the images.
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.prompt_history (
  id              uuid primary key default gen_random_uuid(),
  user_id         uuid not null references public.users (id) on delete cascade,
  prompt          text not null check (char_length(prompt) between 1 and 1000),
  -- Dedup key: one row per (user, exact prompt text); upsert on (user_id, prompt_md5).
  -- md5 keeps the unique index small (a 1000-char prompt can exceed a btree entry).
  prompt_md5      text generated always as (md5(prompt)) stored,
  -- Settings of the most recent use of this prompt, so "reuse" restores them.
  negative_prompt text check (char_length(negative_prompt) <= 1000),
  template_id     uuid references public.style_templates (id) on delete set null,
  aspect_ratio    public.aspect_ratio not null default '1:1',
  quality         public.image_quality not null default 'standard',
  seed            bigint,
  variations      smallint not null default 1 check (variations between 1 and 4),
  -- Pinned prompts are listed before the others.
  is_pinned       boolean not null default false,
  -- How many generate requests used this prompt.
  use_count       integer not null default 1 check (use_count >= 1),
  last_used_at    timestamptz not null default now(),
  created_at      timestamptz not null default now(),
  constraint prompt_history_user_prompt_key unique (user_id, prompt_md5)
);
alter table public.prompt_history enable row level security;
-- no policies: service role only
revoke all on table public.prompt_history from anon, authenticated;

create index prompt_history_user_last_used_idx
  on public.prompt_history (user_id, last_used_at desc);
create index prompt_history_prompt_trgm_idx
  on public.prompt_history using gin (prompt extensions.gin_trgm_ops);
create index prompt_history_template_id_idx
  on public.prompt_history (template_id) where template_id is not null;
