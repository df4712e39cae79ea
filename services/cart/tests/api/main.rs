//! Cart API tests: the cart over real gRPC in front of a real catalog and inventory, a fresh
//! database each, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

mod carts;
mod helpers;
