//! The shipping service: quotes, one shipment per order, tracking numbers, and a simulated carrier
//! that moves each parcel from dispatched to in transit to delivered on a configurable clock,
//! announcing each step as an event.
//!
//! Quotes depend on the destination's zone (domestic US, North America, Europe, world), the
//! option (standard or express) and the number of items; standard domestic shipping is free from
//! $75. It owns `shipments`, and emits `ShipmentDispatched`, `ShipmentInTransit` and
//! `ShipmentDelivered`.
//!
//! # Layout
//! - [`config`]: flags and environment;
//! - [`startup`]: builds the service and its carrier clock, and runs it;
//! - [`grpc`]: the RPC handlers;
//! - [`domain`]: zones, rates and tracking numbers (no I/O);
//! - [`store`]: the SQL of shipments;
//! - [`carrier`]: the simulated progress of parcels;
//! - [`error`]: errors and their gRPC statuses.

pub mod carrier;
pub mod config;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod startup;
pub mod store;

pub use config::Config;
pub use startup::{Application, run};

/// The service's name.
pub const SERVICE: &str = "shipping";
