//! The official upstash client against its stand-in (tests/clients/upstash.mjs).
