//! System tests: the real `bazaar` binary starting the whole shop as a process tree.

#![allow(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

mod chaos;
mod crash;
mod outage;
mod production;
mod replicas;
mod shop;
mod up;
