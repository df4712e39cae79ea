//! The notification service: e-mails for sign-ups, confirmed and cancelled orders, dispatched
//! parcels and refunds.
//!
//! Each consumed event becomes one message, written in the same transaction as the inbox record,
//! so an event never sends twice. By default messages are kept in a dev mailbox (shown by the
//! storefront at `/dev/mailbox`); with `--smtp-url` a sender delivers them over SMTP, retrying with
//! backoff. It owns `messages` and consumes `UserRegistered`, `OrderConfirmed`, `OrderCancelled`,
//! `ShipmentDispatched` and `PaymentRefunded`.
//!
//! # Layout
//! - [`config`]: flags and environment;
//! - [`startup`]: builds the service, its event consumer and SMTP sender;
//! - [`grpc`]: the mailbox RPCs;
//! - [`compose`]: the text of each message (no I/O);
//! - [`events`]: turns events into messages;
//! - [`sender`]: delivers pending messages over SMTP;
//! - [`store`]: the SQL of messages;
//! - [`error`]: errors and their gRPC statuses.

pub mod compose;
pub mod config;
pub mod error;
pub mod events;
pub mod grpc;
pub mod sender;
pub mod startup;
pub mod store;

pub use config::Config;
pub use startup::{Application, run};

/// The service's name.
pub const SERVICE: &str = "notification";

/// Event types this service consumes.
pub const CONSUMES: &[&str] = &[
    <bazaar_contracts::events::UserRegistered as bazaar_contracts::Event>::TYPE,
    <bazaar_contracts::events::OrderConfirmed as bazaar_contracts::Event>::TYPE,
    <bazaar_contracts::events::OrderCancelled as bazaar_contracts::Event>::TYPE,
    <bazaar_contracts::events::ShipmentDispatched as bazaar_contracts::Event>::TYPE,
    <bazaar_contracts::events::PaymentRefunded as bazaar_contracts::Event>::TYPE,
];
