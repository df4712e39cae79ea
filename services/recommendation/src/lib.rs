//! The recommendation service: "bought together", learnt from confirmed orders.
//!
//! Each `OrderConfirmed` adds one to the count of every pair of products in the order. Asked
//! for products, it returns the ones most often bought with them, then fills up with products
//! of the same categories from the catalog. It owns `co_purchases`.
//!
//! # Layout
//! - [`config`]: flags and environment;
//! - [`startup`]: builds the service and its event consumer;
//! - [`grpc`]: the `RecommendFor` RPC;
//! - [`events`]: learns from `OrderConfirmed`;
//! - [`store`]: the SQL of co-purchase counts.

pub mod config;
pub mod events;
pub mod grpc;
pub mod startup;
pub mod store;

pub use config::Config;
pub use startup::{Application, run};

/// The service's name.
pub const SERVICE: &str = "recommendation";

/// Event types this service consumes.
pub const CONSUMES: &[&str] =
    &[<bazaar_contracts::events::OrderConfirmed as bazaar_contracts::Event>::TYPE];
