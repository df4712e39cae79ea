//! `bazaar serve <service>`: one service in this process, exactly as its own binary would run it.

use std::process::ExitCode;

use bazaar_platform::service::launch;
use clap::Subcommand;

/// The services `bazaar serve` can run, each with its own flags.
#[derive(Debug, Subcommand)]
pub enum Service {
    /// The storefront and REST API.
    Gateway(bazaar_gateway::Config),
    /// Accounts, sessions, tokens, profiles and addresses.
    Identity(bazaar_identity::Config),
    /// Products, categories and search.
    Catalog(bazaar_catalog::Config),
    /// Stock and reservations.
    Inventory(bazaar_inventory::Config),
    /// Carts of users and anonymous visitors.
    Cart(bazaar_cart::Config),
}

/// Runs the chosen service until it is stopped.
pub fn main(service: Service) -> ExitCode {
    match service {
        Service::Gateway(config) => launch(bazaar_gateway::SERVICE, config, bazaar_gateway::run),
        Service::Identity(config) => launch(bazaar_identity::SERVICE, config, bazaar_identity::run),
        Service::Catalog(config) => launch(bazaar_catalog::SERVICE, config, bazaar_catalog::run),
        Service::Inventory(config) => {
            launch(bazaar_inventory::SERVICE, config, bazaar_inventory::run)
        }
        Service::Cart(config) => launch(bazaar_cart::SERVICE, config, bazaar_cart::run),
    }
}
