//! What every Bazaar service needs, in one place (the "service defaults").
//!
//! This crate knows nothing about the shop: no products, carts or orders, only mechanisms.
//!
//! # Layout
//! - [`config`]: flags with `BAZAAR_*` environment twins, checked before any port is bound;
//! - [`service`]: process start-up shared by every binary (runtime, telemetry, metrics, signals);
//! - [`telemetry`]: `tracing` logs, OpenTelemetry traces and W3C context propagation;
//! - [`metrics`]: the Prometheus recorder and per-route, per-RPC request metrics;
//! - [`health`]: `/healthz`, `/readyz`, `/metrics` and `grpc.health.v1`;
//! - [`shutdown`]: stop signals and graceful draining;
//! - [`grpc`]: server and client builders, deadlines, balancing, retries, error mapping;
//! - [`faults`]: latency and errors injected into named RPCs, for `bazaar chaos`;
//! - [`db`]: SQLite or PostgreSQL through sqlx `Any`, with embedded migrations;
//! - [`events`]: transactional outbox, relay, inbox, and the `direct` and `nats` transports;
//! - [`auth`]: access-token claims and the verifier every service uses.

pub mod auth;
pub mod config;
pub mod db;
pub mod events;
pub mod faults;
pub mod grpc;
pub mod health;
pub mod metrics;
pub mod service;
pub mod shutdown;
pub mod telemetry;

pub use service::ServiceConfig;
