-- Deleting an account disabled it, removed its stored objects, deleted its row, and enabled it
-- again if a step failed. With the database itself lost, enabling it again failed too: the account
-- stayed disabled, its owner could neither sign in nor retry, and a part of its objects was gone
-- (the chaos tests found it). The account is no longer disabled. Instead its row goes only through
-- this function, and only once every object the account owns has been removed: an image recorded
-- or published while the deletion ran is handed back to be removed first, so none is left behind.

create function public.account_delete(p_user uuid, p_removed jsonb)
returns table (bucket text, path text)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
begin
  -- The account's row and its images' rows, locked: a new image (whose foreign key needs the
  -- account's row) or a publish (which updates an image's row) waits for this transaction and then
  -- finds the account gone, instead of recording an object after the check.
  perform 1 from public.users u where u.id = p_user for update;
  perform 1 from public.generated_images i where i.user_id = p_user for update;
  return query
    select o.bucket, o.path from public.account_objects(p_user) o
     where not exists (select 1 from jsonb_to_recordset(p_removed) r(bucket text, path text)
                        where r.bucket = o.bucket and r.path = o.path);
  if not found then
    -- Every other row goes with it: foreign keys cascade, sessions and API keys included.
    delete from public.users u where u.id = p_user;
  end if;
end $$;

revoke execute on function public.account_delete(uuid, jsonb) from public, anon, authenticated;
grant execute on function public.account_delete(uuid, jsonb) to service_role;
