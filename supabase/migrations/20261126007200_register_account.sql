-- A registration wrote the account and then, in a second call, its e-mail verification token: a
-- database lost between the two left an account no link could verify (the chaos tests found it).
-- Both rows are now written by one function, in one transaction. A taken address is still a
-- unique violation (PostgREST's 409), which the route answers like a new registration.

create or replace function public.auth_register(
  p_email text, p_password_hash text, p_name text, p_locale text,
  p_token_hash bytea, p_now timestamptz, p_expires_at timestamptz
)
returns table (id uuid, email text, locale text, password_hash text, email_verified_at timestamptz,
               is_disabled boolean)
language plpgsql volatile
set search_path = ''
as $$
declare
  u public.users;
begin
  insert into public.users (email, password_hash, name, locale)
  values (p_email, p_password_hash, p_name, p_locale)
  returning * into u;
  insert into public.email_tokens (user_id, purpose, token_hash, created_at, expires_at)
  values (u.id, 'verify_email', p_token_hash, p_now, p_expires_at);
  return query select u.id, u.email::text, u.locale, u.password_hash, u.email_verified_at, u.is_disabled;
end $$;

revoke execute on function public.auth_register(text, text, text, text, bytea, timestamptz, timestamptz)
  from public, anon, authenticated;
grant execute on function public.auth_register(text, text, text, text, bytea, timestamptz, timestamptz) to service_role;
