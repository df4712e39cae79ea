//! Recommendation configuration.

use bazaar_platform::config::{CommonArgs, DatabaseArgs, EventArgs, parse_upstream};
use clap::Parser;

/// Flags of the recommendation service; each has a `BAZAAR_*` environment twin.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "bazaar-recommendation",
    version,
    about = "Bazaar recommendation service: bought together"
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

    /// URL of the catalog service, for same-category fallbacks.
    #[arg(long, env = "BAZAAR_CATALOG_URL", value_name = "URL", value_parser = parse_upstream)]
    pub catalog_url: String,
}

impl bazaar_platform::ServiceConfig for Config {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn validate(&self) -> Result<(), String> {
        self.events.validate()
    }
}
