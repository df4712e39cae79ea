//! The identity service: accounts, credentials, sessions, access tokens, profiles and addresses.
//!
//! Passwords are hashed with argon2id (OWASP's minimum parameters or above) on blocking threads,
//! a few at a time. Access tokens are short-lived EdDSA JWTs that every service verifies locally
//! with the public keys this service publishes; each token names a server-side session, which
//! signing out revokes. Failed sign-ins get one generic message and growing delays per account and
//! per client address. It owns the `users`, `sessions`, `addresses`, `signing_keys` and
//! `sign_in_failures` tables and emits `UserRegistered`.
//!
//! # Layout
//! - [`config`]: flags and environment;
//! - [`startup`]: builds the service (keys, first admin) and runs it;
//! - [`grpc`]: the RPC handlers;
//! - [`domain`]: passwords, the sign-in throttle policy, roles (no I/O);
//! - [`hasher`]: password hashing off the async threads, bounded;
//! - [`keys`]: the signing keys and their rotation;
//! - [`store`]: the SQL of every query;
//! - [`admin`]: the first admin account;
//! - [`error`]: errors and their gRPC statuses.

pub mod admin;
pub mod config;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod hasher;
pub mod keys;
pub mod startup;
pub mod store;

pub use config::Config;
pub use startup::{Application, run};

/// The service's name.
pub const SERVICE: &str = "identity";
