-- An Idempotency-Key claimed by a request that died (the database or the function gone before it
-- finished or released the key) used to stay "in progress" for the key's whole 24 hours, so every
-- retry with it was a 409. A claim now expires like a quota hold, after twice the function's
-- maxDuration (600 s), and a finished key keeps its answer for 24 hours from the claim.

create or replace function public.idempotency_begin(p_user uuid, p_key text, p_request_hash bytea, p_now timestamptz)
returns table (state text, status_code integer, response jsonb)
language plpgsql volatile
set search_path = ''
as $$
declare
  k public.idempotency_keys;
begin
  delete from public.idempotency_keys where user_id = p_user and key = p_key and expires_at <= p_now;
  insert into public.idempotency_keys (user_id, key, request_hash, created_at, expires_at)
  values (p_user, p_key, p_request_hash, p_now, p_now + interval '600 seconds')
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

create or replace function public.idempotency_finish(p_user uuid, p_key text, p_status_code integer, p_response jsonb)
returns void
language sql volatile
set search_path = ''
as $$
  update public.idempotency_keys
     set status = 'done', status_code = p_status_code, response = p_response,
         expires_at = created_at + interval '24 hours'
   where user_id = p_user and key = p_key and status = 'pending';
$$;
