-- Usage accounting and operations: the usage log, idempotency records for retried requests,
-- and the daily operator report written by the cron.
--
-- All private to the API (service_role).

-- =============================================================================================
-- usage_logs: append-only event log (quota audit, operator figures). Kept 30 days by the cron.
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.usage_logs (
  id          bigint generated always as identity primary key,
  -- Acting user; null for anonymous events (e.g. a share link viewed by a visitor).
  user_id     uuid references public.users (id) on delete cascade,
  -- Set when the request authenticated with a developer API key.
  api_key_id  uuid references public.api_keys (id) on delete set null,
  action      text not null
              check (action in ('generate', 'edit', 'download', 'share_view', 'share_create',
                                'image_view', 'export', 'login', 'quota_refund')),
  status      text not null check (status in ('success', 'failure')),
  -- Quota units the event consumed (generate/edit: one per variation) or gave back
  -- (quota_refund); 0 for events that cost nothing.
  units       integer not null default 0 check (units >= 0),
  -- Image concerned, if any. No foreign key on purpose: log rows outlive deleted images.
  image_id    uuid,
  -- Free-form context: model, latency_ms, error code, request id, … Never secrets or prompts
  -- of other users.
  details     jsonb check (details is null or jsonb_typeof(details) = 'object'),
  created_at  timestamptz not null default now()
);
alter table public.usage_logs enable row level security;
-- no policies: service role only
revoke all on table public.usage_logs from anon, authenticated;
-- The identity sequence was granted to anon/authenticated by Supabase's default privileges.
revoke all on sequence public.usage_logs_id_seq from anon, authenticated;

-- Retention and daily figures scan by time; per-user history reads newest first.
create index usage_logs_created_at_idx on public.usage_logs (created_at);
create index usage_logs_user_created_idx on public.usage_logs (user_id, created_at desc);
create index usage_logs_api_key_id_idx on public.usage_logs (api_key_id) where api_key_id is not null;

-- =============================================================================================
-- idempotency_keys: makes retried POSTs (Idempotency-Key header) safe. The first request inserts
-- a 'pending' row; on completion it stores the response; a retry with the same key replays it
-- (or gets 409 if the body differs or the first is still running).
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.idempotency_keys (
  user_id      uuid not null references public.users (id) on delete cascade,
  -- The client's Idempotency-Key header value.
  key          text not null check (char_length(key) between 1 and 255),
  -- SHA-256 of method + path + body, to detect a key reused for a different request.
  request_hash bytea not null check (octet_length(request_hash) = 32),
  status       text not null default 'pending' check (status in ('pending', 'done')),
  -- Stored response envelope and HTTP status, replayed to retries once status = 'done'.
  response     jsonb,
  status_code  integer check (status_code between 100 and 599),
  created_at   timestamptz not null default now(),
  -- After this the key may be reused; the cron deletes expired rows.
  expires_at   timestamptz not null default now() + interval '24 hours',
  primary key (user_id, key),
  constraint idempotency_keys_done_has_response
    check (status = 'pending' or (response is not null and status_code is not null))
);
alter table public.idempotency_keys enable row level security;
-- no policies: service role only
revoke all on table public.idempotency_keys from anon, authenticated;

create index idempotency_keys_expires_at_idx on public.idempotency_keys (expires_at);

-- =============================================================================================
-- daily_reports: one row per UTC day, written by the daily cron (usage figures, free-tier
-- threshold alerts already e-mailed so a rerun does not e-mail twice).
-- Read/write: service_role only. No policies: service role only.
-- =============================================================================================
create table public.daily_reports (
  day         date primary key,
  -- The day's figures: generations, failures, active users, storage bytes, rows per table, …
  figures     jsonb not null check (jsonb_typeof(figures) = 'object'),
  -- Names of the thresholds whose alert e-mail has been sent for this day.
  alerts_sent text[] not null default '{}',
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
alter table public.daily_reports enable row level security;
-- no policies: service role only
revoke all on table public.daily_reports from anon, authenticated;

create trigger daily_reports_set_updated_at
  before update on public.daily_reports
  for each row execute function public.set_updated_at();
