-- Storage that cannot run out by surprise. Each image row records the bytes of every object it
-- stores (its original and derivatives in the private bucket) and the bytes a publication copies to
-- the public bucket; triggers on the image rows keep a per-user and a studio-wide counter exact in
-- the same transaction as the rows, so a request checks the limits with one read and never scans
-- Storage. Exports are streamed, never stored: nothing else the studio writes takes space.
--
-- Lock order: every user row a statement touches (in id order), then the studio's row. The budget
-- row of 20261207500100 comes after both (record_held_generation gives units back after it records).

alter table public.generated_images
  add column stored_bytes bigint not null default 0 check (stored_bytes >= 0),
  add column publish_bytes bigint not null default 0 check (publish_bytes >= 0);

comment on column public.generated_images.stored_bytes is
  'Bytes of every object the image keeps in the private bucket (original and derivatives), written with the row.';
comment on column public.generated_images.publish_bytes is
  'Bytes a publication copies to the public bucket (every derivative); counted while public_paths is set.';

alter table public.users
  add column storage_used_bytes bigint not null default 0 check (storage_used_bytes >= 0);

comment on column public.users.storage_used_bytes is
  'Bytes the account''s images take in Storage (private objects and published copies), kept by trigger.';

-- =============================================================================================
-- storage_usage: the studio's total, one row. Read/write: service_role through the functions below.
-- No policies: service role only.
-- =============================================================================================
create table public.storage_usage (
  id         boolean primary key default true check (id),
  -- Bytes every image takes in Storage, private objects and published copies, kept by trigger.
  used_bytes bigint not null default 0 check (used_bytes >= 0)
);
alter table public.storage_usage enable row level security;
-- no policies: service role only
revoke all on table public.storage_usage from anon, authenticated;
insert into public.storage_usage (id) values (true);

-- One image's bytes in Storage: its private objects, plus its copies while published.
create function public.image_storage_bytes(p_stored bigint, p_publish bigint, p_public_paths jsonb)
returns bigint
language sql immutable
set search_path = ''
as $$
  select p_stored + case when p_public_paths is not null then p_publish else 0 end;
$$;
revoke execute on function public.image_storage_bytes(bigint, bigint, jsonb) from public, anon, authenticated;
grant execute on function public.image_storage_bytes(bigint, bigint, jsonb) to service_role;

-- Backfill, once: the objects under each image's folder in Storage's own catalogue (public copies
-- live under random keys, never in an image's folder), and its derivatives for a publication.
-- Where the storage schema does not exist, the original's recorded size is the best figure there is.
do $$
begin
  if pg_catalog.to_regclass('storage.objects') is not null then
    execute $sql$
      update public.generated_images i
         set stored_bytes = coalesce((select sum((o.metadata ->> 'size')::bigint) from storage.objects o
                                       where o.name like i.user_id::text || '/' || i.id::text || '/%'), 0),
             publish_bytes = coalesce((select sum((o.metadata ->> 'size')::bigint) from storage.objects o
                                        where o.name in (select value from jsonb_each_text(i.derivative_paths))), 0)
    $sql$;
  else
    update public.generated_images set stored_bytes = coalesce(bytes, 0);
  end if;
end
$$;

update public.users u
   set storage_used_bytes = s.bytes
  from (select user_id, sum(public.image_storage_bytes(stored_bytes, publish_bytes, public_paths)) as bytes
          from public.generated_images group by user_id) s
 where s.user_id = u.id;
update public.storage_usage
   set used_bytes = (select coalesce(sum(public.image_storage_bytes(stored_bytes, publish_bytes, public_paths)), 0)
                       from public.generated_images);

-- Adds each user's change to their row and the sum to the studio's. The user rows are locked in id
-- order before any is changed, so two statements over several users cannot deadlock; the row of an
-- account being deleted is already gone, and only the studio's total moves. `no key update`, the
-- lock an UPDATE of a non-key column takes: it does not conflict with the key-share lock every
-- image insert's foreign key holds on its user's row, so two inserts for one user queue instead of
-- each waiting for the other's key-share lock (`for update` deadlocked them).
create function public.storage_usage_apply(p_users uuid[], p_deltas bigint[])
returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  if coalesce(cardinality(p_users), 0) = 0 then
    return;
  end if;
  perform 1 from public.users u where u.id = any (p_users) order by u.id for no key update;
  update public.users u set storage_used_bytes = u.storage_used_bytes + d.delta
    from unnest(p_users, p_deltas) as d(user_id, delta)
   where u.id = d.user_id;
  update public.storage_usage set used_bytes = used_bytes + (select sum(x) from unnest(p_deltas) x) where id;
end $$;
revoke execute on function public.storage_usage_apply(uuid[], bigint[]) from public, anon, authenticated;

-- Statement-level, with transition tables: one counter update per statement however many rows it
-- writes (a retention batch, an account's cascade), and no counter touched by an update that moves
-- no bytes (a title, a favourite, a view). Security definer (owner: the migration role): whoever may
-- write an image row moves its owner's counter and the studio's, and nothing else.
create function public.storage_usage_follow_images()
returns trigger
language plpgsql volatile
security definer
set search_path = ''
as $$
declare
  users uuid[];
  deltas bigint[];
begin
  if tg_op = 'INSERT' then
    select array_agg(c.user_id order by c.user_id), array_agg(c.delta order by c.user_id) into users, deltas
      from (select n.user_id, sum(public.image_storage_bytes(n.stored_bytes, n.publish_bytes, n.public_paths))::bigint as delta
              from new_images n group by n.user_id) c
     where c.delta <> 0;
  elsif tg_op = 'DELETE' then
    select array_agg(c.user_id order by c.user_id), array_agg(c.delta order by c.user_id) into users, deltas
      from (select o.user_id, -sum(public.image_storage_bytes(o.stored_bytes, o.publish_bytes, o.public_paths))::bigint as delta
              from old_images o group by o.user_id) c
     where c.delta <> 0;
  else
    select array_agg(c.user_id order by c.user_id), array_agg(c.delta order by c.user_id) into users, deltas
      from (select b.user_id, sum(b.bytes)::bigint as delta
              from (select n.user_id, public.image_storage_bytes(n.stored_bytes, n.publish_bytes, n.public_paths) as bytes
                      from new_images n
                    union all
                    select o.user_id, -public.image_storage_bytes(o.stored_bytes, o.publish_bytes, o.public_paths)
                      from old_images o) b
             group by b.user_id) c
     where c.delta <> 0;
  end if;
  perform public.storage_usage_apply(users, deltas);
  return null;
end $$;
revoke execute on function public.storage_usage_follow_images() from public, anon, authenticated;

create trigger storage_usage_after_insert after insert on public.generated_images
  referencing new table as new_images
  for each statement execute function public.storage_usage_follow_images();
create trigger storage_usage_after_update after update on public.generated_images
  referencing old table as old_images new table as new_images
  for each statement execute function public.storage_usage_follow_images();
create trigger storage_usage_after_delete after delete on public.generated_images
  referencing old table as old_images
  for each statement execute function public.storage_usage_follow_images();

-- =============================================================================================
-- storage_usage_of: the user's bytes and the studio's, read before anything is stored.
-- =============================================================================================
create function public.storage_usage_of(p_user uuid)
returns table (user_bytes bigint, studio_bytes bigint)
language sql stable
set search_path = ''
as $$
  select coalesce((select u.storage_used_bytes from public.users u where u.id = p_user), 0),
         (select s.used_bytes from public.storage_usage s where s.id);
$$;
revoke execute on function public.storage_usage_of(uuid) from public, anon, authenticated;
grant execute on function public.storage_usage_of(uuid) to service_role;

-- As in 20261126002000, recording each image's stored and publication bytes with its row.
create or replace function public.record_generation(p_user uuid, p_images jsonb, p_request jsonb, p_now timestamptz)
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
     stored_bytes, publish_bytes, created_at, updated_at)
  select r.id, p_user, r.prompt, r.negative_prompt, r.final_prompt, r.template_id, r.aspect_ratio, r.quality,
         r.model, r.seed, r.variation_index, r.parent_image_id, r.storage_path, r.derivative_paths, r.width,
         r.height, r.bytes, r.mime_type, coalesce(r.stored_bytes, 0), coalesce(r.publish_bytes, 0), p_now, p_now
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
