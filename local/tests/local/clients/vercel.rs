//! Vercel's own routing (@vercel/routing-utils) over vercel.json: every documented method and path
//! reaches its function with the right `_path` (tests/clients/vercel.mjs).
