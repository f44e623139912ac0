//! The local stack: everything production reaches over HTTP, served on this machine over real
//! engines, so that `cargo run -p studio-local` is the whole product and tests exercise real HTTP.
//!
//! Layout:
//! - [`apidocs`]: docs/openapi.yaml served as YAML and JSON, and its reference page `/docs/api`.
//! - [`edge`]: what Vercel's proxy adds to a request for a function: the client-address headers.
//! - [`faults`]: fault injection for the stand-ins, and its control endpoint.
//! - [`gemini`]: a Gemini-compatible `generateContent` server that renders offline preview images.
//! - [`outage`]: a stand-in killed mid-request and restored; the stack's accept loop that can cut
//!   a connection.
//! - [`pg`]: a private PostgreSQL cluster (created, started as an unprivileged user, stopped on
//!   exit), bootstrapped like Supabase, with `supabase/migrations` and `seed.sql` applied.
//! - [`postgrest`]: a PostgREST-compatible server for `/rest/v1`, with Supabase's API-key gateway.
//! - [`resend`]: a Resend-compatible server for `/resend` and its outbox (`/__outbox`).
//! - [`stack`]: the dev server: stand-ins, the library's route handlers on `/api/*`, `public/`.
//! - [`storage`]: a Supabase-Storage-compatible server for `/storage/v1`, objects on a directory.
//! - [`testing`]: the test harness: one cluster per test binary, one database per test.
//! - [`upstash`]: an Upstash-REST-compatible server at `/upstash`, over a private `redis-server` when
//!   installed (one database per stand-in), else over an in-process engine.

pub mod apidocs;
pub mod edge;
pub mod faults;
pub mod gemini;
pub mod outage;
pub mod pg;
pub mod postgrest;
pub mod resend;
pub mod stack;
pub mod storage;
pub mod testing;
pub mod upstash;
