-- Generation's money path, each step one SQL function so that one PostgREST call is one
-- transaction: consume quota (with the daily and monthly resets applied lazily under a row lock, so
-- concurrent requests can never overspend), refund it, hold an idempotency key, and record a whole
-- generation. Executable by service_role only; every function takes the time as a parameter.

-- =============================================================================================
-- consume_quota: take `p_units` (one per variation) if both the day and the month allow it.
-- A user with their own Gemini key (`p_byok`) is not held to the daily quota; the month still
-- counts. Counters from an earlier UTC day or month are reset first (the cron is only a backstop).
-- Returns whether the units were taken and the counters as they now stand.
-- =============================================================================================
create function public.consume_quota(p_user uuid, p_units integer, p_now timestamptz, p_byok boolean)
returns table (allowed boolean, daily_used integer, daily_quota integer, monthly_used integer,
               monthly_quota integer, day date, month date)
language plpgsql volatile
set search_path = ''
as $$
declare
  u public.users;
  today date := (p_now at time zone 'utc')::date;
  this_month date := date_trunc('month', p_now at time zone 'utc')::date;
  ok boolean;
begin
  if p_units < 1 then
    raise exception 'p_units must be positive';
  end if;
  select * into u from public.users where id = p_user and not is_disabled for update;
  if not found then
    return;
  end if;
  if u.daily_reset_on is distinct from today then
    u.daily_used := 0;
    u.daily_reset_on := today;
  end if;
  if u.monthly_reset_on is distinct from this_month then
    u.monthly_used := 0;
    u.monthly_reset_on := this_month;
  end if;
  ok := u.monthly_used + p_units <= u.monthly_quota
        and (p_byok or u.daily_used + p_units <= u.daily_quota);
  if ok then
    u.daily_used := u.daily_used + p_units;
    u.monthly_used := u.monthly_used + p_units;
  end if;
  update public.users
     set daily_used = u.daily_used, daily_reset_on = u.daily_reset_on,
         monthly_used = u.monthly_used, monthly_reset_on = u.monthly_reset_on
   where id = p_user;
  return query select ok, u.daily_used, u.daily_quota, u.monthly_used, u.monthly_quota, today, this_month;
end $$;

-- =============================================================================================
-- refund_quota: give back units taken on `p_day` for variations that failed. Units taken on an
-- earlier day or month are not given back to today's counters (those were reset already).
-- Logged as a 'quota_refund' usage row.
-- =============================================================================================
create function public.refund_quota(p_user uuid, p_units integer, p_day date, p_now timestamptz, p_reason text)
returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  if p_units < 1 then
    return;
  end if;
  update public.users
     set daily_used = case when daily_reset_on = p_day then greatest(daily_used - p_units, 0) else daily_used end,
         monthly_used = case when monthly_reset_on = date_trunc('month', p_day)::date
                             then greatest(monthly_used - p_units, 0) else monthly_used end
   where id = p_user;
  insert into public.usage_logs (user_id, action, status, units, details, created_at)
  values (p_user, 'quota_refund', 'success', p_units, jsonb_build_object('reason', p_reason), p_now);
end $$;

-- =============================================================================================
-- idempotency_begin: claim an Idempotency-Key for a request. States: 'new' (claimed: go ahead),
-- 'replay' (finished before: answer with the stored response), 'in_progress' (another attempt is
-- still running), 'conflict' (the key was used for a different request). Expired keys are reused.
-- =============================================================================================
create function public.idempotency_begin(p_user uuid, p_key text, p_request_hash bytea, p_now timestamptz)
returns table (state text, status_code integer, response jsonb)
language plpgsql volatile
set search_path = ''
as $$
declare
  k public.idempotency_keys;
begin
  delete from public.idempotency_keys where user_id = p_user and key = p_key and expires_at <= p_now;
  insert into public.idempotency_keys (user_id, key, request_hash, created_at, expires_at)
  values (p_user, p_key, p_request_hash, p_now, p_now + interval '24 hours')
  on conflict (user_id, key) do nothing;
  if found then
    return query select 'new'::text, null::integer, null::jsonb;
    return;
  end if;
  select * into k from public.idempotency_keys where user_id = p_user and key = p_key;
  if k.request_hash <> p_request_hash then
    return query select 'conflict'::text, null::integer, null::jsonb;
  elsif k.status = 'done' then
    return query select 'replay'::text, k.status_code, k.response;
  else
    return query select 'in_progress'::text, null::integer, null::jsonb;
  end if;
end $$;

-- idempotency_finish: store the response a claimed key's retries get.
create function public.idempotency_finish(p_user uuid, p_key text, p_status_code integer, p_response jsonb)
returns void
language sql volatile
set search_path = ''
as $$
  update public.idempotency_keys set status = 'done', status_code = p_status_code, response = p_response
   where user_id = p_user and key = p_key and status = 'pending';
$$;

-- idempotency_release: forget a claimed key whose request failed, so that a retry runs afresh.
create function public.idempotency_release(p_user uuid, p_key text)
returns void
language sql volatile
set search_path = ''
as $$
  delete from public.idempotency_keys where user_id = p_user and key = p_key and status = 'pending';
$$;

-- =============================================================================================
-- record_generation: after every object is stored, write what one generate or edit request made,
-- all or nothing: the image rows, a usage row per image, the template's usage count, the prompt
-- history (one row per prompt text, its settings refreshed and its count bumped) and, if asked,
-- the images' place in one of the user's collections. Returns the new image rows.
-- `p_images` is an array of generated_images rows as JSON (ids chosen by the caller, who named the
-- stored objects after them); `p_request` carries action, api_key_id, template_id, collection_id,
-- prompt, negative_prompt, aspect_ratio, quality, seed, variations and details.
-- =============================================================================================
create function public.record_generation(p_user uuid, p_images jsonb, p_request jsonb, p_now timestamptz)
returns setof public.generated_images
language plpgsql volatile
set search_path = ''
as $$
declare
  collection uuid := nullif(p_request ->> 'collection_id', '')::uuid;
  template uuid := nullif(p_request ->> 'template_id', '')::uuid;
begin
  if collection is not null
     and not exists (select 1 from public.collections where id = collection and user_id = p_user) then
    raise exception 'collection % is not the user''s', collection using errcode = 'P0002';
  end if;
  insert into public.generated_images
    (id, user_id, prompt, negative_prompt, final_prompt, template_id, aspect_ratio, quality, model, seed,
     variation_index, parent_image_id, storage_path, derivative_paths, width, height, bytes, mime_type,
     created_at, updated_at)
  select r.id, p_user, r.prompt, r.negative_prompt, r.final_prompt, r.template_id, r.aspect_ratio, r.quality,
         r.model, r.seed, r.variation_index, r.parent_image_id, r.storage_path, r.derivative_paths, r.width,
         r.height, r.bytes, r.mime_type, p_now, p_now
    from jsonb_populate_recordset(null::public.generated_images, p_images) r;
  insert into public.usage_logs (user_id, api_key_id, action, status, units, image_id, details, created_at)
  select p_user, nullif(p_request ->> 'api_key_id', '')::uuid, p_request ->> 'action', 'success', 1,
         (i ->> 'id')::uuid, p_request -> 'details', p_now
    from jsonb_array_elements(p_images) i;
  if template is not null then
    update public.style_templates set usage_count = usage_count + jsonb_array_length(p_images)
     where id = template;
  end if;
  insert into public.prompt_history
    (user_id, prompt, negative_prompt, template_id, aspect_ratio, quality, seed, variations, last_used_at, created_at)
  values (p_user, p_request ->> 'prompt', nullif(p_request ->> 'negative_prompt', ''), template,
          coalesce(p_request ->> 'aspect_ratio', '1:1')::public.aspect_ratio,
          coalesce(p_request ->> 'quality', 'standard')::public.image_quality,
          (p_request ->> 'seed')::bigint, coalesce((p_request ->> 'variations')::smallint, 1), p_now, p_now)
  on conflict (user_id, prompt_md5) do update
     set negative_prompt = excluded.negative_prompt, template_id = excluded.template_id,
         aspect_ratio = excluded.aspect_ratio, quality = excluded.quality, seed = excluded.seed,
         variations = excluded.variations, use_count = public.prompt_history.use_count + 1,
         last_used_at = excluded.last_used_at;
  if collection is not null then
    insert into public.collection_images (collection_id, image_id, added_at, position)
    select collection, (i ->> 'id')::uuid, p_now,
           coalesce((select max(position) + 1 from public.collection_images where collection_id = collection), 0)
           + (row_number() over () - 1)::integer
      from jsonb_array_elements(p_images) i;
  end if;
  return query select * from public.generated_images
                where id in (select (i ->> 'id')::uuid from jsonb_array_elements(p_images) i)
                order by variation_index;
end $$;

revoke execute on function public.consume_quota(uuid, integer, timestamptz, boolean) from public, anon, authenticated;
revoke execute on function public.refund_quota(uuid, integer, date, timestamptz, text) from public, anon, authenticated;
revoke execute on function public.idempotency_begin(uuid, text, bytea, timestamptz) from public, anon, authenticated;
revoke execute on function public.idempotency_finish(uuid, text, integer, jsonb) from public, anon, authenticated;
revoke execute on function public.idempotency_release(uuid, text) from public, anon, authenticated;
revoke execute on function public.record_generation(uuid, jsonb, jsonb, timestamptz) from public, anon, authenticated;
grant execute on function public.consume_quota(uuid, integer, timestamptz, boolean) to service_role;
grant execute on function public.refund_quota(uuid, integer, date, timestamptz, text) to service_role;
grant execute on function public.idempotency_begin(uuid, text, bytea, timestamptz) to service_role;
grant execute on function public.idempotency_finish(uuid, text, integer, jsonb) to service_role;
grant execute on function public.idempotency_release(uuid, text) to service_role;
grant execute on function public.record_generation(uuid, jsonb, jsonb, timestamptz) to service_role;
