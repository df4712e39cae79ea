//! Inventory configuration.

use bazaar_platform::config::{CommonArgs, DatabaseArgs, EventArgs, parse_upstream};
use clap::{ArgAction, Parser};

/// Flags of the inventory service; each has a `BAZAAR_*` environment twin.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "bazaar-inventory",
    version,
    about = "Bazaar inventory service: stock and reservations"
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

    /// URL of the identity service, whose keys verify admin tokens.
    #[arg(long, env = "BAZAAR_IDENTITY_URL", value_name = "URL", value_parser = parse_upstream)]
    pub identity_url: String,

    /// Give every demo product its initial stock in an empty database.
    #[arg(long, env = "BAZAAR_SEED", default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub seed: bool,
}

impl bazaar_platform::ServiceConfig for Config {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn validate(&self) -> Result<(), String> {
        self.events.validate()
    }
}
