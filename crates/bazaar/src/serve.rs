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
    /// Checkout (the order saga), order history and cancellation.
    Orders(bazaar_orders::Config),
    /// A simulated card processor.
    Payment(bazaar_payment::Config),
    /// Shipping quotes, shipments and tracking.
    Shipping(bazaar_shipping::Config),
    /// E-mails and the dev mailbox.
    Notification(bazaar_notification::Config),
    /// "Bought together" recommendations.
    Recommendation(bazaar_recommendation::Config),
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
        Service::Orders(config) => launch(bazaar_orders::SERVICE, config, bazaar_orders::run),
        Service::Payment(config) => launch(bazaar_payment::SERVICE, config, bazaar_payment::run),
        Service::Shipping(config) => launch(bazaar_shipping::SERVICE, config, bazaar_shipping::run),
        Service::Notification(config) => {
            launch(bazaar_notification::SERVICE, config, bazaar_notification::run)
        }
        Service::Recommendation(config) => {
            launch(bazaar_recommendation::SERVICE, config, bazaar_recommendation::run)
        }
    }
}
