//! The `bazaar` command: runs the whole shop on one machine, or one service of it.
//!
//! - `bazaar up` starts every service as its own OS process on loopback ports, wires their
//!   addresses, waits until each is ready, prints the storefront URL, restarts a crashed service
//!   with backoff, and stops everything on Ctrl-C or SIGTERM;
//! - `bazaar verify` checks the running shop's invariants (money, orders, stock);
//! - `bazaar load` plays shoppers against a running shop and reports throughput and latency;
//! - `bazaar chaos` kills, restarts or pauses a service of a running shop, or injects latency and
//!   errors into its RPCs;
//! - `bazaar serve <service>` runs one service in this process (what a container runs).
//!
//! # Layout
//! - [`cli`]: the command line;
//! - [`topology`]: the services, who calls whom and who consumes which events, derived from each
//!   service's configuration and event handlers;
//! - [`up`]: the supervisor behind `bazaar up`;
//! - [`serve`]: `bazaar serve <service>`;
//! - [`verify`]: `bazaar verify`, the invariant checker;
//! - [`load`]: `bazaar load`, the load generator, and [`lag`], event lag from the consumers' metrics;
//! - [`chaos`]: `bazaar chaos`, fault injection into a running shop.

pub mod chaos;
pub mod cli;
pub mod lag;
pub mod load;
pub mod serve;
pub mod topology;
pub mod up;
pub mod verify;

use std::process::ExitCode;

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli: cli::Cli = bazaar_platform::config::parse("bazaar");
    match cli.command {
        cli::Command::Up(args) => up::main(*args),
        cli::Command::Serve(service) => serve::main(*service),
        cli::Command::Verify(args) => verify::main(&args),
        cli::Command::Load(args) => load::main(&args),
        cli::Command::Chaos(args) => chaos::main(&args),
    }
}
