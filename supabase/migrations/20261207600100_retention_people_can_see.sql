-- Retention people can see. Favourites and images in a collection are kept however old; every other
-- private image goes after RETENTION_IMAGE_DAYS, as before, and published images stay while published.
-- Owners are told: the gallery shows each image's due date (computed from the row alone, hence the
-- collection count kept on the row by trigger), and the cron e-mails each owner once, days before,
-- about the images that are due (retention_notified_at marks the images a notice covered).

alter table public.generated_images
  add column collection_count integer not null default 0 check (collection_count >= 0),
  add column retention_notified_at timestamptz;

comment on column public.generated_images.collection_count is
  'How many collections hold the image, kept by trigger on collection_images; retention keeps those above 0.';
comment on column public.generated_images.retention_notified_at is
  'When the cron e-mailed the owner that this image is due for deletion; null until then.';

update public.generated_images i
   set collection_count = c.n
  from (select image_id, count(*)::integer as n from public.collection_images group by image_id) c
 where c.image_id = i.id;

-- Security definer (owner: the migration role): whoever may add an image to a collection moves its
-- count, and nothing else of the image row. The row of an image being deleted is already gone.
create function public.collection_images_count()
returns trigger
language plpgsql volatile
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update public.generated_images set collection_count = collection_count + 1 where id = new.image_id;
  elsif tg_op = 'DELETE' then
    update public.generated_images set collection_count = greatest(collection_count - 1, 0) where id = old.image_id;
  end if;
  return null;
end;
$$;
revoke execute on function public.collection_images_count() from public, anon, authenticated;

create trigger collection_images_count
after insert or delete on public.collection_images
for each row execute function public.collection_images_count();

-- What retention may delete, oldest first.
create index generated_images_retention_idx on public.generated_images (created_at)
  where not is_public and not is_favorite and collection_count = 0;

-- As in 20261126008000, keeping favourites and collection members.
create or replace function public.maintenance_claim_expired_images(p_now timestamptz, p_keep_days integer, p_limit integer)
returns table (id uuid, storage_path text, derivative_paths jsonb, public_paths jsonb)
language plpgsql volatile
set search_path = ''
as $$
begin
  return query
  with due as (
    select i.id from public.generated_images i
     where not i.is_public and not i.is_favorite and i.collection_count = 0
       and i.created_at < p_now - make_interval(days => p_keep_days)
       and not exists (select 1 from public.retention_claims c
                        where c.image_id = i.id and c.claimed_at > p_now - interval '15 minutes')
     order by i.created_at, i.id
     limit p_limit
     for update of i skip locked),
  claimed as (
    insert into public.retention_claims (image_id, claimed_at)
    select due.id, p_now from due
    on conflict (image_id) do update set claimed_at = excluded.claimed_at
    returning image_id)
  select i.id, i.storage_path, i.derivative_paths, i.public_paths
    from public.generated_images i
    join claimed c on c.image_id = i.id;
end;
$$;

-- =============================================================================================
-- maintenance_claim_retention_notices: up to p_limit owners (with a confirmed address) of images
-- that retention deletes within p_notice_days and no notice covered yet. Marks those images as
-- notified at p_now in the same statement, so two runs at once cannot both claim them (the second
-- waits on the row locks, then sees them marked). Returns per owner the address, locale, how many
-- images and the earliest deletion time.
-- =============================================================================================
create function public.maintenance_claim_retention_notices(
  p_now timestamptz, p_keep_days integer, p_notice_days integer, p_limit integer)
returns table (user_id uuid, email text, locale text, images integer, first_deletion timestamptz)
language plpgsql volatile
set search_path = ''
as $$
declare
  cutoff timestamptz := p_now - make_interval(days => greatest(p_keep_days - p_notice_days, 0));
begin
  return query
  with owners as (
    select distinct i.user_id from public.generated_images i
      join public.users u on u.id = i.user_id and u.email_verified_at is not null
     where not i.is_public and not i.is_favorite and i.collection_count = 0
       and i.retention_notified_at is null and i.created_at < cutoff
     order by i.user_id
     limit p_limit),
  marked as (
    update public.generated_images i set retention_notified_at = p_now
      from owners o
     where i.user_id = o.user_id
       and not i.is_public and not i.is_favorite and i.collection_count = 0
       and i.retention_notified_at is null and i.created_at < cutoff
    returning i.user_id, i.created_at)
  select m.user_id, u.email::text, u.locale::text, count(*)::integer,
         min(m.created_at) + make_interval(days => p_keep_days)
    from marked m join public.users u on u.id = m.user_id
   group by m.user_id, u.email, u.locale
   order by m.user_id;
end;
$$;

-- A notice that could not be sent gives its images back to the next run.
create function public.maintenance_release_retention_notice(p_user uuid, p_now timestamptz)
returns void
language sql volatile
set search_path = ''
as $$
  update public.generated_images set retention_notified_at = null
   where user_id = p_user and retention_notified_at = p_now;
$$;

revoke execute on function public.maintenance_claim_retention_notices(timestamptz, integer, integer, integer)
  from public, anon, authenticated;
revoke execute on function public.maintenance_release_retention_notice(uuid, timestamptz)
  from public, anon, authenticated;
grant execute on function public.maintenance_claim_retention_notices(timestamptz, integer, integer, integer)
  to service_role;
grant execute on function public.maintenance_release_retention_notice(uuid, timestamptz) to service_role;

-- =============================================================================================
-- maintenance_pass, as in 20261207300100, with the first claim of retention notices too (up to
-- p_notice_limit owners; `notices` in the answer), so that a quiet day's run stays one call.
-- =============================================================================================
drop function public.maintenance_pass(timestamptz, date, jsonb, integer, integer, text, timestamptz, integer, text);

create function public.maintenance_pass(
  p_now timestamptz, p_day date, p_report jsonb, p_usage_log_days integer, p_image_days integer,
  p_bucket text, p_orphans_before timestamptz, p_limit integer, p_public_bucket text,
  p_notice_days integer, p_notice_limit integer)
returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  figures jsonb := public.maintenance_day_figures(p_day, p_now) || p_report;
begin
  perform public.maintenance_save_report(p_day, figures, p_now);
  return jsonb_build_object(
    'figures', figures,
    'counts', jsonb_build_object(
      'quotas', public.maintenance_reset_quotas(p_now, p_limit),
      'usage_logs', public.maintenance_purge_usage_logs(p_now, p_usage_log_days, p_limit),
      'sessions', public.maintenance_purge_sessions(p_now, p_limit),
      'email_tokens', public.maintenance_purge_email_tokens(p_now, p_limit),
      'idempotency_keys', public.maintenance_purge_idempotency_keys(p_now, p_limit),
      'shares', public.maintenance_purge_shares(p_now, p_limit),
      'quota_holds', public.maintenance_release_quota_holds(p_now, p_limit)),
    'expired', (select coalesce(jsonb_agg(to_jsonb(e)), '[]')
                  from public.maintenance_claim_expired_images(p_now, p_image_days, p_limit) e),
    'orphans', (select coalesce(jsonb_agg(o), '[]')
                  from public.maintenance_orphans(p_bucket, p_orphans_before, '', p_limit) o),
    'public_orphans', (select coalesce(jsonb_agg(o), '[]')
                         from public.maintenance_public_orphans(p_public_bucket, p_orphans_before, '', p_limit) o),
    'notices', (select coalesce(jsonb_agg(to_jsonb(n)), '[]')
                  from public.maintenance_claim_retention_notices(p_now, p_image_days, p_notice_days,
                                                                  p_notice_limit) n));
end;
$$;

revoke execute on function public.maintenance_pass(timestamptz, date, jsonb, integer, integer, text, timestamptz, integer, text, integer, integer)
  from public, anon, authenticated;
grant execute on function public.maintenance_pass(timestamptz, date, jsonb, integer, integer, text, timestamptz, integer, text, integer, integer)
  to service_role;
