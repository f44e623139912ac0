-- Quota holds are the server's bookkeeping, like idempotency_keys: the API roles get no access at
-- all (row level security alone would let them query the table and see nothing).
revoke all on table public.quota_holds from anon, authenticated;
