//! Orders configuration.

use std::time::Duration;

use bazaar_platform::config::{
    CommonArgs, DatabaseArgs, EventArgs, parse_duration, parse_upstream,
};
use clap::Parser;

/// Flags of the orders service; each has a `BAZAAR_*` environment twin.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "bazaar-orders",
    version,
    about = "Bazaar orders service: the checkout saga and order history"
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

    /// URL of the identity service (token keys, saved addresses).
    #[arg(long, env = "BAZAAR_IDENTITY_URL", value_name = "URL", value_parser = parse_upstream)]
    pub identity_url: String,

    /// URL of the cart service.
    #[arg(long, env = "BAZAAR_CART_URL", value_name = "URL", value_parser = parse_upstream)]
    pub cart_url: String,

    /// URL of the catalog service.
    #[arg(long, env = "BAZAAR_CATALOG_URL", value_name = "URL", value_parser = parse_upstream)]
    pub catalog_url: String,

    /// URL of the inventory service.
    #[arg(long, env = "BAZAAR_INVENTORY_URL", value_name = "URL", value_parser = parse_upstream)]
    pub inventory_url: String,

    /// URL of the payment service.
    #[arg(long, env = "BAZAAR_PAYMENT_URL", value_name = "URL", value_parser = parse_upstream)]
    pub payment_url: String,

    /// URL of the shipping service.
    #[arg(long, env = "BAZAAR_SHIPPING_URL", value_name = "URL", value_parser = parse_upstream)]
    pub shipping_url: String,

    /// Longest an order may stay pending; past it, the saga compensates and ends it.
    #[arg(long, env = "BAZAAR_SAGA_TIMEOUT", default_value = "30s", value_name = "DURATION", value_parser = parse_duration)]
    pub saga_timeout: Duration,
}

impl bazaar_platform::ServiceConfig for Config {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn validate(&self) -> Result<(), String> {
        self.events.validate()?;
        if self.saga_timeout < Duration::from_secs(1) {
            return Err("--saga-timeout must be at least 1s".to_owned());
        }
        Ok(())
    }
}
