//! Integration tests of the API through HTTP against the local stack: real PostgreSQL with the real
//! migrations, the PostgREST-compatible server, and the library's handlers mounted as on Vercel.
//! One test binary, a module per route.

mod auth_account;
mod auth_attacks;
mod auth_keys;
mod auth_sessions;
mod auth_smoke;
mod chaos;
mod cold_start;
mod contract;
mod cron;
mod functions;
mod gallery;
mod generate_faults;
mod generate_requests;
mod generate_smoke;
mod helpers;
mod operator;
mod storage_usage;
mod templates;
