//! The catalog service: products, categories, prices, generated images and search.
//!
//! It owns the `categories`, `products` and `product_images` tables, serves
//! `bazaar.catalog.v1.CatalogService`, and emits `ProductChanged` when an admin edits a product.
//! Reads are public; writes need an admin token, verified locally with identity's keys.
//!
//! # Layout
//! - [`config`]: flags and environment;
//! - [`startup`]: builds the service and runs it until stopped;
//! - [`grpc`]: the RPC handlers, converting between wire and domain types;
//! - [`domain`]: products, validation, search queries and image generation (no I/O);
//! - [`store`]: SQL, one function per query, portable across SQLite and PostgreSQL;
//! - [`seed`]: the demo catalogue loaded into an empty database;
//! - [`error`]: the service's errors and their gRPC statuses.

pub mod config;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod seed;
pub mod startup;
pub mod store;

pub use config::Config;
pub use startup::{Application, run};

/// The service's name: its database file, metrics and logs use it.
pub const SERVICE: &str = "catalog";
