-- A recovered account is clean: a password reset and "sign out everywhere" end every login AND
-- revoke every API key of the account, in one transaction, so that neither can report success
-- while a key minted by whoever held the account before still works.
--
-- `auth_reset_password` replaces the reset branch of `auth_consume_email_token`: the token, the new
-- hash, the logins and the keys change together or not at all. Verification has its own function
-- (`auth_verify_email`), so the older one is dropped.

-- =============================================================================================
-- auth_revoke_everything: end every login and revoke every API key of `p_user`. Answers how many
-- were live (unexpired) when revoked; rows already expired are closed too, but not counted.
-- =============================================================================================
create function public.auth_revoke_everything(p_user uuid, p_now timestamptz, p_reason text)
returns table (sessions_ended integer, api_keys_revoked integer)
language plpgsql volatile
set search_path = ''
as $$
declare
  ended integer;
  revoked integer;
begin
  with closed as (
    update public.sessions s set revoked_at = p_now, revoked_reason = p_reason
     where s.user_id = p_user and s.revoked_at is null
    returning s.family_id, s.expires_at)
  select count(distinct family_id) filter (where expires_at > p_now) into ended from closed;
  with closed as (
    update public.api_keys k set revoked_at = p_now
     where k.user_id = p_user and k.revoked_at is null
    returning k.expires_at)
  select count(*) filter (where expires_at is null or expires_at > p_now) into revoked from closed;
  return query select ended, revoked;
end $$;

-- =============================================================================================
-- auth_reset_password: use a reset token: set the new hash, void the user's other reset tokens,
-- and revoke everything (above). Nothing when the token is unknown, used or expired.
-- =============================================================================================
create function public.auth_reset_password(p_token_hash bytea, p_password_hash text, p_now timestamptz)
returns table (user_id uuid, sessions_ended integer, api_keys_revoked integer)
language plpgsql volatile
set search_path = ''
as $$
declare
  owner uuid;
begin
  update public.email_tokens t set used_at = p_now
   where t.token_hash = p_token_hash and t.purpose = 'reset_password' and t.used_at is null
     and t.expires_at > p_now
  returning t.user_id into owner;
  if owner is null then
    return;
  end if;
  -- The link came through the mailbox, so it also confirms the address.
  update public.users u set password_hash = p_password_hash, email_verified_at = coalesce(u.email_verified_at, p_now)
   where u.id = owner;
  update public.email_tokens t set used_at = p_now
   where t.user_id = owner and t.purpose = 'reset_password' and t.used_at is null;
  return query
    select owner, r.sessions_ended, r.api_keys_revoked
      from public.auth_revoke_everything(owner, p_now, 'password_reset') r;
end $$;

revoke execute on function public.auth_revoke_everything(uuid, timestamptz, text) from public, anon, authenticated;
revoke execute on function public.auth_reset_password(bytea, text, timestamptz) from public, anon, authenticated;
grant execute on function public.auth_revoke_everything(uuid, timestamptz, text) to service_role;
grant execute on function public.auth_reset_password(bytea, text, timestamptz) to service_role;

drop function public.auth_consume_email_token(bytea, text, timestamptz, text);
