//! Gateway tests: the real gateway over HTTP in front of real services on free ports.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

mod api;
mod errors;
mod helpers;
mod pages;
