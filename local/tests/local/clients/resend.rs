//! The official resend client against its stand-in (tests/clients/resend.mjs).
