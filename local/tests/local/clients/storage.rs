//! The official storage client against its stand-in (tests/clients/storage.mjs).
