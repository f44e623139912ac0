//! Accounts, templates and the cron under outages.
