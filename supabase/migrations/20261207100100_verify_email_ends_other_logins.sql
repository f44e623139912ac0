-- Confirming an e-mail address for the first time ends whatever was set up before it was proven.
-- Until then anyone could have registered the address and signed in: the owner's first
-- verification must not leave that person a working login or key.

-- =============================================================================================
-- auth_verify_email: use a single-use verification token. The first verification of an account's
-- address ends every live login of the account except `p_keep_family` (the login that sent the
-- request, if any; null ends them all) and revokes every live API key. A later verification (a
-- second link of the same account) changes nothing else. Returns nothing when the token is
-- unknown, used, expired or for another purpose.
-- =============================================================================================
create function public.auth_verify_email(p_token_hash bytea, p_now timestamptz, p_keep_family uuid default null)
returns table (owner_id uuid, first_verification boolean, sessions_ended integer, api_keys_revoked integer)
language plpgsql volatile
set search_path = ''
as $$
declare
  owner uuid;
  first boolean;
  ended integer := 0;
  revoked integer := 0;
begin
  update public.email_tokens t set used_at = p_now
   where t.token_hash = p_token_hash and t.purpose = 'verify_email' and t.used_at is null and t.expires_at > p_now
  returning t.user_id into owner;
  if owner is null then
    return;
  end if;
  update public.users u set email_verified_at = p_now where u.id = owner and u.email_verified_at is null;
  first := found;
  if first then
    -- Counted in logins (families), as the sessions list shows them, not in refresh-token rows.
    with ended_rows as (
      update public.sessions s set revoked_at = p_now, revoked_reason = 'email_verified'
       where s.user_id = owner and s.revoked_at is null and s.expires_at > p_now
         and s.family_id is distinct from p_keep_family
      returning s.family_id)
    select count(distinct e.family_id) into ended from ended_rows e;
    with revoked_rows as (
      update public.api_keys k set revoked_at = p_now
       where k.user_id = owner and k.revoked_at is null
      returning k.id)
    select count(*) into revoked from revoked_rows;
  end if;
  return query select owner, first, ended, revoked;
end $$;

revoke execute on function public.auth_verify_email(bytea, timestamptz, uuid) from public, anon, authenticated;
grant execute on function public.auth_verify_email(bytea, timestamptz, uuid) to service_role;
