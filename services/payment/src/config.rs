//! Payment configuration.

use bazaar_platform::config::{CommonArgs, DatabaseArgs, EventArgs, parse_upstream};
use clap::Parser;

/// Flags of the payment service; each has a `BAZAAR_*` environment twin.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "bazaar-payment",
    version,
    about = "Bazaar payment service: a simulated card processor"
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

    /// URL of the identity service, whose keys verify admin tokens (for listing payments).
    #[arg(long, env = "BAZAAR_IDENTITY_URL", value_name = "URL", value_parser = parse_upstream)]
    pub identity_url: String,
}

impl bazaar_platform::ServiceConfig for Config {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn validate(&self) -> Result<(), String> {
        self.events.validate()
    }
}
