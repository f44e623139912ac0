//! Integration tests of the local stack: the PostgreSQL manager and migrations, and the stand-ins
//! over real HTTP. One test binary for the crate (linking is the slow part on two cores).

mod clients;
mod function_env;
mod gemini;
mod limiter;
mod migrations;
mod migrations_push;
mod migrations_shape;
mod openapi;
mod outage;
mod postgrest;
mod postgrest_auth;
mod postgrest_columns;
mod postgrest_head;
mod postgrest_prefer;
mod postgrest_read;
mod postgrest_rpc;
mod postgrest_write;
mod resend;
mod storage;
mod storage_standin;
mod streams;
mod upstash;
