//! Payment API tests over real gRPC, a fresh database per test, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

mod payments;
