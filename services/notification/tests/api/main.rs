//! Notification API tests: events in, messages out (mailbox and SMTP), on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

mod mail;
mod smtp;
