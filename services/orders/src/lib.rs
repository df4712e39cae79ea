//! The orders service: checkout as an orchestrated saga, order history, and cancellation.
//!
//! `PlaceOrder` prices the caller's cart from the catalog, quotes shipping, checks the card, and
//! stores a pending order; the saga then reserves stock, charges the card (idempotency key = order
//! id), commits the reservation, creates the shipment and confirms the order, emitting
//! `OrderConfirmed`. Each step is persisted before the next call, and every call is idempotent by
//! the order id, so a crash anywhere is resumed (or compensated: refund, release) by the recovery
//! worker, at start and every second. No order stays pending past the saga timeout. A confirmed
//! order can be cancelled until it ships: the shipment is cancelled, the payment refunded, the stock
//! released, and `OrderCancelled` emitted. It owns `orders`, `order_lines` and `saga_log`, and
//! consumes `ShipmentDispatched` and `ShipmentDelivered`.
//!
//! # Layout
//! - [`config`]: flags and environment;
//! - [`startup`]: builds the service, its recovery worker and event consumer;
//! - [`grpc`]: the RPC handlers (placing, reading, cancelling orders);
//! - [`checkout`]: turns a place-order request into a pending order;
//! - [`saga`]: drives an order through its steps, and compensates;
//! - [`upstream`]: clients of the services the saga calls;
//! - [`domain`]: statuses, steps and the order (no I/O);
//! - [`store`]: the SQL of orders;
//! - [`events`]: the shipping event handler;
//! - [`error`]: errors and their gRPC statuses.

pub mod checkout;
pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod grpc;
pub mod saga;
pub mod startup;
pub mod store;
pub mod upstream;

pub use config::Config;
pub use startup::{Application, run};

/// The service's name.
pub const SERVICE: &str = "orders";

/// Event types this service consumes.
pub const CONSUMES: &[&str] = &[
    <bazaar_contracts::events::ShipmentDispatched as bazaar_contracts::Event>::TYPE,
    <bazaar_contracts::events::ShipmentDelivered as bazaar_contracts::Event>::TYPE,
];
