-- Storage buckets (DESIGN §4): 'images' (private: originals and derivatives, served through
-- signed URLs) and 'public-images' (copies of published images, stable public URLs).
--
-- `supabase start` also creates them from config.toml; this migration makes `supabase db push`
-- and the local stand-in agree. It is skipped where the storage schema does not exist.
-- No policies on storage.objects: only service_role (the API) uploads, lists or deletes.
do $$
begin
  if pg_catalog.to_regclass('storage.buckets') is not null then
    insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
    values
      ('images', 'images', false, 10485760, array['image/png', 'image/webp', 'image/jpeg']),
      ('public-images', 'public-images', true, 10485760, array['image/png', 'image/webp', 'image/jpeg'])
    on conflict (id) do nothing;
  end if;
end
$$;
