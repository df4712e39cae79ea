//! Catalog API tests: real gRPC on a free port, a fresh database per test, on SQLite always and on
//! PostgreSQL when `BAZAAR_TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

mod admin;
mod helpers;
mod products;
mod search;
