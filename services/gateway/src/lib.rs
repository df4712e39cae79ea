//! The gateway: the only HTTP surface of the shop. It serves the storefront (server-rendered
//! HTML with a little htmx) and the REST API under `/api/v1` with its OpenAPI document, and
//! delegates every job to the services over gRPC. It keeps nothing durable: sessions live in
//! signed, encrypted cookies.
//!
//! # Layout
//! - [`config`]: flags and environment;
//! - [`startup`]: builds the router with its layers and serves it;
//! - [`state`]: the shared state handlers get (clients, caches, cookie key);
//! - [`clients`]: typed calls to the services, with retries for idempotent reads;
//! - [`session`]: who is calling (token or session cookie, anonymous cart id);
//! - [`routes`]: storefront pages, each with its template and view model;
//! - [`api`]: the REST API and its OpenAPI document;
//! - [`params`]: query-string parameters shared by pages and the API;
//! - [`view`]: view models and formatting shared by pages and the API;
//! - [`error`]: how upstream failures become HTML pages or JSON problems;
//! - [`middleware`]: the request span and human error bodies for layer-level failures.

pub mod api;
pub mod clients;
pub mod config;
pub mod error;
pub mod middleware;
pub mod params;
pub mod routes;
pub mod session;
pub mod startup;
pub mod state;
pub mod view;

pub use config::Config;
pub use startup::{Application, run};

/// The service's name.
pub const SERVICE: &str = "gateway";
