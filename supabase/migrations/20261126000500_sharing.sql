-- Share links: unguessable, revocable, optionally expiring links to one image or one collection.
--
-- Visitors never touch this table directly: the API (service_role) looks the token up, checks
-- revoked_at / expires_at, and serves the target with signed URLs.

-- =============================================================================================
-- shares
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.shares (
  id            uuid primary key default gen_random_uuid(),
  -- Owner of the link (and of its target, enforced below).
  user_id       uuid not null references public.users (id) on delete cascade,
  -- The URL token, stored in clear because the owner can copy the link again later. At least 22
  -- base64url characters (>= 128 random bits), so it cannot be guessed or enumerated.
  token         text not null unique
                constraint shares_token_format
                check (char_length(token) between 22 and 128 and token ~ '^[A-Za-z0-9_-]+$'),
  -- Exactly one target: an image or a collection. Deleting the target deletes its links.
  image_id      uuid references public.generated_images (id) on delete cascade,
  collection_id uuid references public.collections (id) on delete cascade,
  -- Whether visitors of this link see the prompt(s); independent of the image's own flag.
  show_prompt   boolean not null default false,
  -- Null = never expires.
  expires_at    timestamptz,
  -- Set when the owner revokes the link; the token then resolves to 404.
  revoked_at    timestamptz,
  view_count    integer not null default 0 check (view_count >= 0),
  created_at    timestamptz not null default now(),
  constraint shares_exactly_one_target check (num_nonnulls(image_id, collection_id) = 1),
  constraint shares_expiry_after_creation check (expires_at is null or expires_at > created_at)
);
alter table public.shares enable row level security;
-- no policies: service role only
revoke all on table public.shares from anon, authenticated;

create index shares_user_id_idx on public.shares (user_id, created_at desc);
create index shares_image_id_idx on public.shares (image_id) where image_id is not null;
create index shares_collection_id_idx on public.shares (collection_id) where collection_id is not null;
-- Retention: the daily cron deletes expired links.
create index shares_expires_at_idx on public.shares (expires_at) where expires_at is not null;

-- A link may only point at its owner's image or collection.
create function public.shares_check_target_owner()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.image_id is not null and not exists (
    select 1 from public.generated_images i where i.id = new.image_id and i.user_id = new.user_id
  ) then
    raise exception 'image % does not belong to user %', new.image_id, new.user_id
      using errcode = 'foreign_key_violation';
  end if;
  if new.collection_id is not null and not exists (
    select 1 from public.collections c where c.id = new.collection_id and c.user_id = new.user_id
  ) then
    raise exception 'collection % does not belong to user %', new.collection_id, new.user_id
      using errcode = 'foreign_key_violation';
  end if;
  return new;
end;
$$;
revoke execute on function public.shares_check_target_owner() from public, anon, authenticated;

create trigger shares_target_owner
  before insert or update of image_id, collection_id, user_id on public.shares
  for each row execute function public.shares_check_target_owner();
