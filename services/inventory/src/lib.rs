//! The inventory service: stock on hand per product, and reservations that never oversell.
//!
//! A reservation holds every line or none (all-or-nothing), is idempotent by its id (the order
//! id), and ends committed (a sale), released (stock given back, also after a commit when an
//! order is cancelled) or expired (released by itself after its time-to-live). Reservations are
//! single conditional updates inside one transaction, correct on SQLite and PostgreSQL alike.
//! It owns `stock`, `stock_adjustments`, `reservations` and `reservation_lines`, and consumes
//! `ProductChanged` to give new products a stock row.
//!
//! # Layout
//! - [`config`]: flags and environment;
//! - [`startup`]: builds the service (seed, expiry sweeper, event consumer) and runs it;
//! - [`grpc`]: the RPC handlers;
//! - [`domain`]: reservation lines and states (no I/O);
//! - [`store`]: the SQL of stock and reservations;
//! - [`events`]: the `ProductChanged` handler;
//! - [`error`]: errors and their gRPC statuses.

pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod grpc;
pub mod startup;
pub mod store;

pub use config::Config;
pub use startup::{Application, run};

/// The service's name.
pub const SERVICE: &str = "inventory";

/// Event types this service consumes.
pub const CONSUMES: &[&str] =
    &[<bazaar_contracts::events::ProductChanged as bazaar_contracts::Event>::TYPE];
