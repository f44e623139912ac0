//! The gallery under outages.
