-- Account operations that must be atomic: each is one SQL function, so one PostgREST call is one
-- transaction. All run as the caller (security invoker) and are executable by service_role only.
-- Every function takes the current time as a parameter, so tests control the clock.

-- =============================================================================================
-- auth_rotate_session: exchange a refresh token for a new one.
-- Outcomes: 'rotated' (new session row in the same family), 'invalid' (unknown token), 'expired',
-- 'revoked' (logged out), 'reused' (a token already rotated away was presented again: someone
-- holds a copy, so the whole family is revoked), 'disabled' (account disabled).
-- The row lock makes two concurrent rotations of one token see each other: the second is 'reused'.
-- =============================================================================================
create function public.auth_rotate_session(
  p_token_hash bytea, p_new_token_hash bytea, p_now timestamptz, p_lifetime interval,
  p_user_agent text default null, p_ip inet default null)
returns table (outcome text, user_id uuid, family_id uuid, expires_at timestamptz)
language plpgsql volatile
set search_path = ''
as $$
declare
  s public.sessions;
  new_id uuid;
begin
  select * into s from public.sessions where token_hash = p_token_hash for update;
  if not found then
    return query select 'invalid'::text, null::uuid, null::uuid, null::timestamptz;
    return;
  end if;
  if s.replaced_by is not null then
    update public.sessions set revoked_at = p_now, revoked_reason = 'reuse_detected'
     where sessions.family_id = s.family_id and revoked_at is null;
    return query select 'reused'::text, s.user_id, s.family_id, null::timestamptz;
    return;
  end if;
  if s.revoked_at is not null then
    return query select 'revoked'::text, s.user_id, s.family_id, null::timestamptz;
    return;
  end if;
  if s.expires_at <= p_now then
    return query select 'expired'::text, s.user_id, s.family_id, null::timestamptz;
    return;
  end if;
  if exists (select 1 from public.users u where u.id = s.user_id and u.is_disabled) then
    return query select 'disabled'::text, s.user_id, s.family_id, null::timestamptz;
    return;
  end if;
  insert into public.sessions (user_id, family_id, token_hash, user_agent, ip, created_at, last_used_at, expires_at)
  values (s.user_id, s.family_id, p_new_token_hash, coalesce(p_user_agent, s.user_agent), coalesce(p_ip, s.ip),
          p_now, p_now, p_now + p_lifetime)
  returning id into new_id;
  update public.sessions set replaced_by = new_id, revoked_at = p_now, revoked_reason = 'rotated', last_used_at = p_now
   where id = s.id;
  return query select 'rotated'::text, s.user_id, s.family_id, p_now + p_lifetime;
end $$;

-- =============================================================================================
-- auth_session_user: the account behind an access token, if its login (family) is still live.
-- Checked on every authenticated request so that logout and logout-all take effect at once.
-- =============================================================================================
create function public.auth_session_user(p_user uuid, p_family uuid, p_now timestamptz)
returns table (id uuid, email text, email_verified boolean, name text, locale text, has_gemini_key boolean)
language sql stable
set search_path = ''
as $$
  select u.id, u.email, u.email_verified_at is not null, u.name, u.locale, u.gemini_key_ciphertext is not null
    from public.users u
   where u.id = p_user and not u.is_disabled
     and exists (select 1 from public.sessions s
                  where s.user_id = p_user and s.family_id = p_family
                    and s.revoked_at is null and s.expires_at > p_now)
$$;

-- =============================================================================================
-- auth_api_key_user: the account and scopes behind an API key, if the key is live. Records use at
-- most once a minute, so a busy key does not write on every request.
-- =============================================================================================
create function public.auth_api_key_user(p_key_hash bytea, p_now timestamptz)
returns table (key_id uuid, user_id uuid, scopes text[], email_verified boolean, has_gemini_key boolean)
language plpgsql volatile
set search_path = ''
as $$
declare
  k public.api_keys;
begin
  select * into k from public.api_keys
   where key_hash = p_key_hash and revoked_at is null and (expires_at is null or expires_at > p_now);
  if not found then
    return;
  end if;
  update public.api_keys set last_used_at = p_now
   where id = k.id and (last_used_at is null or last_used_at < p_now - interval '1 minute');
  return query
    select k.id, u.id, k.scopes, u.email_verified_at is not null, u.gemini_key_ciphertext is not null
      from public.users u where u.id = k.user_id and not u.is_disabled;
end $$;

-- =============================================================================================
-- auth_consume_email_token: use a single-use e-mail token (verify or reset). Returns its user, or
-- nothing when the token is unknown, used, expired or for another purpose. Verifying an e-mail
-- also marks the address verified; a password reset sets the new hash, ends every session and
-- voids the user's other outstanding reset tokens.
-- =============================================================================================
create function public.auth_consume_email_token(
  p_token_hash bytea, p_purpose text, p_now timestamptz, p_password_hash text default null)
returns uuid
language plpgsql volatile
set search_path = ''
as $$
declare
  owner uuid;
begin
  update public.email_tokens set used_at = p_now
   where token_hash = p_token_hash and purpose = p_purpose and used_at is null and expires_at > p_now
  returning user_id into owner;
  if owner is null then
    return null;
  end if;
  if p_purpose = 'verify_email' then
    update public.users set email_verified_at = coalesce(email_verified_at, p_now) where id = owner;
  elsif p_purpose = 'reset_password' then
    if p_password_hash is null then
      raise exception 'a password reset needs the new password hash';
    end if;
    update public.users set password_hash = p_password_hash where id = owner;
    update public.sessions set revoked_at = p_now, revoked_reason = 'password_reset'
     where user_id = owner and revoked_at is null;
    update public.email_tokens set used_at = p_now
     where user_id = owner and purpose = 'reset_password' and used_at is null;
  end if;
  return owner;
end $$;

-- =============================================================================================
-- auth_change_password: set a new password hash and end every other login of the user.
-- =============================================================================================
create function public.auth_change_password(
  p_user uuid, p_password_hash text, p_keep_family uuid, p_now timestamptz)
returns void
language sql volatile
set search_path = ''
as $$
  update public.users set password_hash = p_password_hash where id = p_user;
  update public.sessions set revoked_at = p_now, revoked_reason = 'password_changed'
   where user_id = p_user and revoked_at is null and family_id is distinct from p_keep_family;
$$;

-- =============================================================================================
-- account_objects: every stored object an account owns (originals, derivatives, published copies),
-- listed before the account is deleted so that none is left behind. `bucket` says which of the two
-- configured buckets holds it: 'private' (originals, derivatives) or 'public' (published copies).
-- =============================================================================================
create function public.account_objects(p_user uuid)
returns table (bucket text, path text)
language sql stable
set search_path = ''
as $$
  select 'private', storage_path from public.generated_images where user_id = p_user
  union
  select 'private', d.value from public.generated_images i, jsonb_each_text(i.derivative_paths) d
   where i.user_id = p_user
  union
  select 'public', p.value from public.generated_images i, jsonb_each_text(i.public_paths) p
   where i.user_id = p_user and i.public_paths is not null
$$;

revoke execute on function public.auth_rotate_session(bytea, bytea, timestamptz, interval, text, inet) from public, anon, authenticated;
revoke execute on function public.auth_session_user(uuid, uuid, timestamptz) from public, anon, authenticated;
revoke execute on function public.auth_api_key_user(bytea, timestamptz) from public, anon, authenticated;
revoke execute on function public.auth_consume_email_token(bytea, text, timestamptz, text) from public, anon, authenticated;
revoke execute on function public.auth_change_password(uuid, text, uuid, timestamptz) from public, anon, authenticated;
revoke execute on function public.account_objects(uuid) from public, anon, authenticated;
grant execute on function public.auth_rotate_session(bytea, bytea, timestamptz, interval, text, inet) to service_role;
grant execute on function public.auth_session_user(uuid, uuid, timestamptz) to service_role;
grant execute on function public.auth_api_key_user(bytea, timestamptz) to service_role;
grant execute on function public.auth_consume_email_token(bytea, text, timestamptz, text) to service_role;
grant execute on function public.auth_change_password(uuid, text, uuid, timestamptz) to service_role;
grant execute on function public.account_objects(uuid) to service_role;
