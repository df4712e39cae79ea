//! Shipping configuration.

use std::time::Duration;

use bazaar_platform::config::{CommonArgs, DatabaseArgs, EventArgs, parse_duration};
use clap::Parser;

/// Flags of the shipping service; each has a `BAZAAR_*` environment twin.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "bazaar-shipping",
    version,
    about = "Bazaar shipping service: quotes, shipments, tracking"
)]
pub struct Config {
    /// Flags every service takes.
    #[command(flatten)]
    pub common: CommonArgs,

    /// Database flags.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Event transport flags.
    #[command(flatten)]
    pub events: EventArgs,

    /// Time from a shipment's creation to its dispatch by the simulated carrier.
    #[arg(long, env = "BAZAAR_DISPATCH_AFTER", default_value = "2m", value_name = "DURATION", value_parser = parse_duration)]
    pub dispatch_after: Duration,

    /// Time from dispatch to in transit.
    #[arg(long, env = "BAZAAR_TRANSIT_AFTER", default_value = "2m", value_name = "DURATION", value_parser = parse_duration)]
    pub transit_after: Duration,

    /// Time from in transit to delivered.
    #[arg(long, env = "BAZAAR_DELIVER_AFTER", default_value = "5m", value_name = "DURATION", value_parser = parse_duration)]
    pub deliver_after: Duration,
}

impl bazaar_platform::ServiceConfig for Config {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn validate(&self) -> Result<(), String> {
        self.events.validate()
    }
}
