//! Cart configuration.

use bazaar_platform::config::{CommonArgs, DatabaseArgs, EventArgs, parse_upstream};
use clap::Parser;

/// Flags of the cart service; each has a `BAZAAR_*` environment twin.
#[derive(Debug, Clone, Parser)]
#[command(name = "bazaar-cart", version, about = "Bazaar cart service")]
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

    /// URL of the identity service, whose keys verify tokens.
    #[arg(long, env = "BAZAAR_IDENTITY_URL", value_name = "URL", value_parser = parse_upstream)]
    pub identity_url: String,

    /// URL of the catalog service, which prices carts.
    #[arg(long, env = "BAZAAR_CATALOG_URL", value_name = "URL", value_parser = parse_upstream)]
    pub catalog_url: String,

    /// URL of the inventory service, which tells what is in stock.
    #[arg(long, env = "BAZAAR_INVENTORY_URL", value_name = "URL", value_parser = parse_upstream)]
    pub inventory_url: String,
}

impl bazaar_platform::ServiceConfig for Config {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn validate(&self) -> Result<(), String> {
        self.events.validate()
    }
}
