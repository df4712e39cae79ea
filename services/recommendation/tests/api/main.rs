//! Recommendation API tests, in front of a real catalog, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

mod recommendations;
