//! Gateway configuration.

use bazaar_platform::config::{CommonArgs, parse_upstream};
use clap::{ArgAction, Parser};

/// Flags of the gateway; each has a `BAZAAR_*` environment twin. `--listen` is the HTTP address.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "bazaar-gateway",
    version,
    about = "Bazaar gateway: storefront, REST API and OpenAPI document"
)]
pub struct Config {
    /// Flags every service takes (`--listen` is the address browsers and API clients use).
    #[command(flatten)]
    pub common: CommonArgs,

    /// URL of the catalog service.
    #[arg(long, env = "BAZAAR_CATALOG_URL", value_name = "URL", value_parser = parse_upstream)]
    pub catalog_url: String,

    /// URL of the identity service.
    #[arg(long, env = "BAZAAR_IDENTITY_URL", value_name = "URL", value_parser = parse_upstream)]
    pub identity_url: String,

    /// URL of the cart service.
    #[arg(long, env = "BAZAAR_CART_URL", value_name = "URL", value_parser = parse_upstream)]
    pub cart_url: String,

    /// URL of the inventory service.
    #[arg(long, env = "BAZAAR_INVENTORY_URL", value_name = "URL", value_parser = parse_upstream)]
    pub inventory_url: String,

    /// URL of the orders service.
    #[arg(long, env = "BAZAAR_ORDERS_URL", value_name = "URL", value_parser = parse_upstream)]
    pub orders_url: String,

    /// URL of the shipping service (quotes).
    #[arg(long, env = "BAZAAR_SHIPPING_URL", value_name = "URL", value_parser = parse_upstream)]
    pub shipping_url: String,

    /// URL of the recommendation service (optional parts of pages).
    #[arg(long, env = "BAZAAR_RECOMMENDATION_URL", value_name = "URL", value_parser = parse_upstream)]
    pub recommendation_url: String,

    /// URL of the notification service (the dev mailbox).
    #[arg(long, env = "BAZAAR_NOTIFICATION_URL", value_name = "URL", value_parser = parse_upstream)]
    pub notification_url: String,

    /// Show every e-mail the shop sent at `/dev/mailbox`. For development only: turn it off in production.
    #[arg(long, env = "BAZAAR_DEV_MAILBOX", default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub dev_mailbox: bool,

    /// Secret that signs and encrypts cookies: at least 64 characters. Default: generated once and
    /// kept in `<data-dir>/gateway-cookie.key`.
    #[arg(long, env = "BAZAAR_COOKIE_SECRET", value_name = "SECRET", hide_env_values = true)]
    pub cookie_secret: Option<String>,

    /// Mark cookies `Secure` (browsers then send them over HTTPS only). Turn on behind TLS.
    #[arg(long, env = "BAZAAR_SECURE_COOKIES", default_value_t = false, action = ArgAction::Set, value_name = "BOOL")]
    pub secure_cookies: bool,

    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, env = "BAZAAR_MAX_BODY_BYTES", default_value_t = 64 * 1024, value_name = "BYTES")]
    pub max_body_bytes: usize,

    /// Requests served at once; beyond it new ones get 503 with `Retry-After` (load shedding).
    #[arg(long, env = "BAZAAR_MAX_CONCURRENT_REQUESTS", default_value_t = 2048, value_name = "N")]
    pub max_concurrent_requests: usize,
}

impl bazaar_platform::ServiceConfig for Config {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn validate(&self) -> Result<(), String> {
        if let Some(secret) = &self.cookie_secret
            && secret.len() < 64
        {
            return Err(
                "--cookie-secret (BAZAAR_COOKIE_SECRET) must be at least 64 characters".to_owned()
            );
        }
        if self.max_body_bytes < 1024 {
            return Err("--max-body-bytes must be at least 1024".to_owned());
        }
        Ok(())
    }
}
