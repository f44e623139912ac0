-- Accounts: users, their settings, refresh-token sessions, e-mail tokens and developer API keys.
--
-- The app runs its own e-mail + password auth (not Supabase Auth): the API talks to PostgREST
-- with the service-role key and scopes every query to the acting user itself (DESIGN §4).
-- Every table here is private: no grants and no policies for anon/authenticated, so a leaked
-- anon key reads nothing. Deleting a user cascades to every row that belongs to them.

-- =============================================================================================
-- users
-- Read/write: service_role only (the API). No policies: service role only.
-- =============================================================================================
create table public.users (
  id                    uuid primary key default gen_random_uuid(),
  -- Stored normalised (trimmed, lower-case) so the unique constraint is case-insensitive.
  email                 text not null unique
                        constraint users_email_normalised
                        check (email = lower(btrim(email))
                               and position('@' in email) > 1
                               and char_length(email) <= 254),
  -- Set when the user follows the verification link; null = unverified.
  email_verified_at     timestamptz,
  -- argon2id PHC string: $argon2id$v=19$m=...,t=...,p=...$salt$hash
  password_hash         text not null
                        constraint users_password_hash_argon2id
                        check (password_hash like '$argon2id$%'),
  name                  text check (char_length(name) between 1 and 100),
  avatar_url            text check (char_length(avatar_url) <= 2048),
  -- UI language: Indonesian (default) or English.
  locale                text not null default 'id' check (locale in ('id', 'en')),
  -- Generation allowances (one unit per variation); configurable per account by the operator.
  daily_quota           integer not null default 50 check (daily_quota >= 0),
  monthly_quota         integer not null default 1500 check (monthly_quota >= 0),
  -- Units consumed in the current day/month windows below. Deliberately no CHECK against the
  -- quota: the operator may lower a quota mid-window; the consuming code enforces the limit.
  daily_used            integer not null default 0 check (daily_used >= 0),
  monthly_used          integer not null default 0 check (monthly_used >= 0),
  -- UTC date daily_used belongs to; a row whose date is older than today counts as 0 used.
  daily_reset_on        date not null default (now() at time zone 'utc')::date,
  -- First day (UTC) of the month monthly_used belongs to; older = 0 used.
  monthly_reset_on      date not null default date_trunc('month', now() at time zone 'utc')::date
                        constraint users_monthly_reset_on_first_day
                        check (extract(day from monthly_reset_on) = 1),
  -- Bring-your-own Gemini key, AES-256-GCM encrypted by the app (key from config, never here).
  -- ciphertext includes the 16-byte GCM tag; nonce is the 96-bit GCM nonce; last4 is shown in
  -- the settings page so the user can recognise the key. All three set, or none.
  gemini_key_ciphertext bytea,
  gemini_key_nonce      bytea check (octet_length(gemini_key_nonce) = 12),
  gemini_key_last4      text check (char_length(gemini_key_last4) = 4),
  -- Operator kill switch: a disabled user cannot log in, refresh or use API keys.
  is_disabled           boolean not null default false,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  constraint users_gemini_key_complete check (
    num_nonnulls(gemini_key_ciphertext, gemini_key_nonce, gemini_key_last4) in (0, 3)
  )
);
alter table public.users enable row level security;
-- no policies: service role only
revoke all on table public.users from anon, authenticated;

create trigger users_set_updated_at
  before update on public.users
  for each row execute function public.set_updated_at();

-- =============================================================================================
-- user_settings: one row per user (created on first save; absent row = defaults below).
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.user_settings (
  user_id              uuid primary key references public.users (id) on delete cascade,
  default_quality      public.image_quality not null default 'standard',
  default_aspect_ratio public.aspect_ratio not null default '1:1',
  -- Template preselected in the generator; cleared if the template is deleted.
  default_template_id  uuid references public.style_templates (id) on delete set null,
  email_notifications  boolean not null default true,
  -- Whether the PWA keeps the gallery (metadata + images) available offline.
  offline_cache        boolean not null default true,
  -- Default for images.show_prompt when the user publishes an image or creates a share.
  show_prompt_publicly boolean not null default false,
  updated_at           timestamptz not null default now()
);
alter table public.user_settings enable row level security;
-- no policies: service role only
revoke all on table public.user_settings from anon, authenticated;

create index user_settings_default_template_id_idx
  on public.user_settings (default_template_id) where default_template_id is not null;

create trigger user_settings_set_updated_at
  before update on public.user_settings
  for each row execute function public.set_updated_at();

-- =============================================================================================
-- sessions: one row per refresh token. Rotation issues a new row in the same family and marks
-- the old one replaced; presenting a replaced token again (reuse) revokes the whole family.
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.sessions (
  id             uuid primary key default gen_random_uuid(),
  user_id        uuid not null references public.users (id) on delete cascade,
  -- Rotation family: the id of the first session of a login; all rotations share it.
  family_id      uuid not null,
  -- SHA-256 of the opaque refresh token; the token itself is never stored.
  token_hash     bytea not null unique check (octet_length(token_hash) = 32),
  -- The session that superseded this one on rotation; null while this token is current.
  replaced_by    uuid references public.sessions (id) on delete set null,
  user_agent     text check (char_length(user_agent) <= 512),
  ip             inet,
  created_at     timestamptz not null default now(),
  last_used_at   timestamptz not null default now(),
  expires_at     timestamptz not null,
  revoked_at     timestamptz,
  -- Why it was revoked, e.g. 'logout', 'rotated', 'reuse_detected', 'password_reset',
  -- 'account_disabled'. Free text so new reasons need no migration.
  revoked_reason text check (char_length(revoked_reason) <= 64),
  constraint sessions_expiry_after_creation check (expires_at > created_at),
  constraint sessions_revocation_has_reason check (revoked_at is not null or revoked_reason is null)
);
alter table public.sessions enable row level security;
-- no policies: service role only
revoke all on table public.sessions from anon, authenticated;

create index sessions_user_id_idx on public.sessions (user_id);
create index sessions_family_id_idx on public.sessions (family_id);
create index sessions_expires_at_idx on public.sessions (expires_at);
create index sessions_replaced_by_idx on public.sessions (replaced_by) where replaced_by is not null;

-- =============================================================================================
-- email_tokens: single-use links sent by e-mail (verify address, reset password).
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.email_tokens (
  id         uuid primary key default gen_random_uuid(),
  user_id    uuid not null references public.users (id) on delete cascade,
  purpose    text not null check (purpose in ('verify_email', 'reset_password')),
  -- SHA-256 of the token in the link; the token itself is never stored.
  token_hash bytea not null unique check (octet_length(token_hash) = 32),
  expires_at timestamptz not null,
  -- Set when redeemed; a used token is refused even before it expires.
  used_at    timestamptz,
  created_at timestamptz not null default now(),
  constraint email_tokens_expiry_after_creation check (expires_at > created_at)
);
alter table public.email_tokens enable row level security;
-- no policies: service role only
revoke all on table public.email_tokens from anon, authenticated;

create index email_tokens_user_id_purpose_idx on public.email_tokens (user_id, purpose);
create index email_tokens_expires_at_idx on public.email_tokens (expires_at);

-- =============================================================================================
-- api_keys: developer keys ("ais_…"), shown once at creation, stored hashed, scoped, revocable.
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.api_keys (
  id           uuid primary key default gen_random_uuid(),
  user_id      uuid not null references public.users (id) on delete cascade,
  -- User-chosen label ("CI bot", "laptop").
  name         text not null check (char_length(btrim(name)) between 1 and 100),
  -- Leading characters of the key (e.g. 'ais_ab12cd'), kept in clear so the user can tell keys
  -- apart in the list; too short to help guess the rest.
  prefix       text not null
               constraint api_keys_prefix_format
               check (prefix like 'ais\_%' and char_length(prefix) between 8 and 32),
  -- SHA-256 of the whole key; lookups go through this unique index.
  key_hash     bytea not null unique check (octet_length(key_hash) = 32),
  -- What the key may do; a subset of the fixed scope list, never empty.
  scopes       text[] not null
               constraint api_keys_scopes_known
               check (scopes <@ array['generate', 'gallery:read', 'gallery:write']::text[]
                      and cardinality(scopes) > 0),
  -- Null = never expires.
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz,
  created_at   timestamptz not null default now()
);
alter table public.api_keys enable row level security;
-- no policies: service role only
revoke all on table public.api_keys from anon, authenticated;

create index api_keys_user_id_idx on public.api_keys (user_id, created_at desc);
