//! Gateway tests: the real gateway over HTTP in front of real services on free ports.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

mod accounts;
mod api;
mod authorization;
mod carts;
mod checkout;
mod errors;
mod events;
mod helpers;
mod journey;
mod pages;
mod stock;
