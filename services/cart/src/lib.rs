//! The cart service: a cart per signed-in user or anonymous visitor.
//!
//! A call carrying a verified bearer token acts on that user's cart; without one it acts on the
//! anonymous cart named by an unguessable id (kept in the visitor's encrypted cookie by the
//! gateway). Carts are priced from the catalog and show stock from inventory at read time, so a
//! cart never holds a stale price. On sign-in the anonymous cart merges into the user's. When an
//! order is confirmed, its lines leave the cart (`OrderConfirmed`). It owns `cart_lines`.
//!
//! # Layout
//! - [`config`]: flags and environment;
//! - [`startup`]: builds the service and runs it;
//! - [`grpc`]: the RPC handlers, which resolve the cart's owner;
//! - [`domain`]: owners, quantities and limits (no I/O);
//! - [`pricing`]: prices a cart from catalog and inventory;
//! - [`store`]: the SQL of cart lines;
//! - [`events`]: the `OrderConfirmed` handler;
//! - [`error`]: errors and their gRPC statuses.

pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod grpc;
pub mod pricing;
pub mod startup;
pub mod store;

pub use config::Config;
pub use startup::{Application, run};

/// The service's name.
pub const SERVICE: &str = "cart";

/// Event types this service consumes.
pub const CONSUMES: &[&str] =
    &[<bazaar_contracts::events::OrderConfirmed as bazaar_contracts::Event>::TYPE];
