//! The payment service: a simulated card processor.
//!
//! A card is checked (Luhn, expiry, CVC) and kept as a payment method holding only its brand and
//! last four digits. A charge is captured once per idempotency key: the same key always returns
//! the same payment and never charges twice, even when two calls race. Test cards behave like a
//! real processor's: `4242 4242 4242 4242` succeeds, `4000 0000 0000 0002` is declined,
//! `4000 0000 0000 9995` is declined for insufficient funds, and `4000 0000 0000 0119` fails
//! once with a retryable processing error, then succeeds. Captured payments can be refunded in
//! full. It owns `payment_methods`, `payments` and `failed_attempts`, and emits `PaymentCaptured`
//! and `PaymentRefunded`.
//!
//! # Layout
//! - [`config`]: flags and environment;
//! - [`startup`]: builds the service and runs it;
//! - [`grpc`]: the RPC handlers;
//! - [`domain`]: card checks, brands and the test cards (no I/O);
//! - [`store`]: the SQL of payment methods and payments;
//! - [`error`]: errors and their gRPC statuses.

pub mod config;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod startup;
pub mod store;

pub use config::Config;
pub use startup::{Application, run};

/// The service's name.
pub const SERVICE: &str = "payment";
