-- Retention notices at most once a week per owner. 20261207600100 claimed notices per image as each
-- became due, so an owner who generates every day was mailed every day from the 84th on. Now a
-- notice covers every image due within the next two notice periods, and an owner is mailed again
-- only once notice_days have passed since the last notice (users.retention_notice_sent_at), while
-- every image is still announced at least notice_days before it goes (proof below).

alter table public.users add column retention_notice_sent_at timestamptz;

comment on column public.users.retention_notice_sent_at is
  'When the cron last claimed a retention notice for this owner; null when none, or when the last claim''s send failed.';

-- =============================================================================================
-- maintenance_claim_retention_notices, with N = p_notice_days, K = p_keep_days, L = 25 hours (the
-- longest gap between two daily runs: Vercel starts a Hobby cron anywhere in its scheduled hour),
-- and D an image's deletion time (created_at + K). At run time t, an owner with a confirmed address
-- is claimed when
--   (a) an unnotified deletable image of theirs has D < t + N + L, and
--   (b) their last notice is null or at most t - N (so at most one notice per N days);
-- the claim marks every unnotified deletable image of theirs with D < t + 2N + L.
--
-- Guarantee (for images that are deletable throughout, of confirmed owners not held back by the run's
-- cap or time, with runs at most L apart and K >= 2N + L, which the configuration enforces):
-- after every run t, each unnotified image has D >= t + N + L. Suppose X is unnotified at run t with
-- D < t + N + L. If the owner meets (b), X is claimed at t. Otherwise their last notice was at t0 with
-- t - N < t0 <= t. X was made at D - K < t + N + L - K <= t - N < t0, so X existed at t0, unnotified
-- (a failed send gives back its marks and its time together), and D < t + N + L < t0 + 2N + L: the
-- claim at t0 marked X. Contradiction. Hence an image claimed at run t was unnotified after the run
-- before, t' >= t - L, so D >= t' + N + L >= t + N: its notice comes at least N days before it goes.
-- Images that were kept (favourite, collection) when their notice would have come, or made due by a
-- changed setting, are outside this and get the next notice the owner is eligible for.
--
-- The owner's row is stamped first, re-checking (b) under its row lock, so two runs at once cannot
-- both claim one owner (the second waits, then sees the fresh stamp); the images of the owners this
-- call stamped are marked next. An owner stamped whose images were all kept or deleted meanwhile is
-- unstamped. Their previous notice, if any, was at least N days before (b), so forgetting it changes
-- no later decision. Returns per owner the address, locale, how many images and the earliest and
-- latest deletion time.
-- =============================================================================================
drop function public.maintenance_claim_retention_notices(timestamptz, integer, integer, integer);

create function public.maintenance_claim_retention_notices(
  p_now timestamptz, p_keep_days integer, p_notice_days integer, p_limit integer)
returns table (user_id uuid, email text, locale text, images integer, first_deletion timestamptz,
               last_deletion timestamptz)
language plpgsql volatile
set search_path = ''
as $$
declare
  keep interval := make_interval(days => p_keep_days);
  run_gap interval := interval '25 hours';
  -- Images made before these are due within N + L, and within 2N + L.
  due_before timestamptz := p_now + make_interval(days => p_notice_days) + run_gap - keep;
  claim_before timestamptz := p_now + make_interval(days => 2 * p_notice_days) + run_gap - keep;
  quiet_since timestamptz := p_now - make_interval(days => p_notice_days);
  stamped uuid[];
begin
  with owners as (
    select distinct i.user_id from public.generated_images i
      join public.users u on u.id = i.user_id and u.email_verified_at is not null
     where not i.is_public and not i.is_favorite and i.collection_count = 0
       and i.retention_notified_at is null and i.created_at < due_before
       and (u.retention_notice_sent_at is null or u.retention_notice_sent_at <= quiet_since)
     order by i.user_id
     limit p_limit),
  stamp as (
    update public.users u set retention_notice_sent_at = p_now
      from owners o
     where u.id = o.user_id
       and (u.retention_notice_sent_at is null or u.retention_notice_sent_at <= quiet_since)
    returning u.id)
  select coalesce(array_agg(stamp.id), '{}') into stamped from stamp;

  return query
  with marked as (
    update public.generated_images i set retention_notified_at = p_now
     where i.user_id = any(stamped)
       and not i.is_public and not i.is_favorite and i.collection_count = 0
       and i.retention_notified_at is null and i.created_at < claim_before
    returning i.user_id, i.created_at)
  select m.user_id, u.email::text, u.locale::text, count(*)::integer,
         min(m.created_at) + keep, max(m.created_at) + keep
    from marked m join public.users u on u.id = m.user_id
   group by m.user_id, u.email, u.locale
   order by m.user_id;

  update public.users u set retention_notice_sent_at = null
   where u.id = any(stamped) and u.retention_notice_sent_at = p_now
     and not exists (select 1 from public.generated_images i
                      where i.user_id = u.id and i.retention_notified_at = p_now);
end;
$$;

-- A notice that could not be sent gives back its images and the owner's notice time (see above on
-- why null is as good as the previous time), so the next run claims them again.
create or replace function public.maintenance_release_retention_notice(p_user uuid, p_now timestamptz)
returns void
language sql volatile
set search_path = ''
as $$
  update public.generated_images set retention_notified_at = null
   where user_id = p_user and retention_notified_at = p_now;
  update public.users set retention_notice_sent_at = null
   where id = p_user and retention_notice_sent_at = p_now;
$$;

revoke execute on function public.maintenance_claim_retention_notices(timestamptz, integer, integer, integer)
  from public, anon, authenticated;
grant execute on function public.maintenance_claim_retention_notices(timestamptz, integer, integer, integer)
  to service_role;
