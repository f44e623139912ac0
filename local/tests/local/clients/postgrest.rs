//! The official postgrest client against its stand-in (tests/clients/postgrest.mjs).
