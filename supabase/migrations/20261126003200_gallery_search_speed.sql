-- Search in one user's gallery at 10,000 images and more (docs/BENCHMARKS.md, "Gallery pages").
--
-- 1. Indexes that start with the owner: the full-text and trigram indexes of the images migration
--    cover every user's rows, so a rare word still walks other users' matches, and a common one
--    all of them. btree_gin lets a GIN index lead with user_id.
-- 2. gallery_page planned with the call's values: see its definition in
--    20261126003400_public_feed_and_shares.sql.

create extension if not exists btree_gin with schema extensions;

create index generated_images_user_search_idx
  on public.generated_images using gin (user_id, search_vector);
create index generated_images_user_prompt_trgm_idx
  on public.generated_images using gin (user_id, prompt extensions.gin_trgm_ops);
create index generated_images_user_title_trgm_idx
  on public.generated_images using gin (user_id, title extensions.gin_trgm_ops);
