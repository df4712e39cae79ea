//! Clients of the services the checkout and the saga call. Every call carries a deadline; the
//! saga's calls are idempotent by the order id, so retrying them is always safe.

use bazaar_contracts::{
    cart::cart_service_client::CartServiceClient,
    catalog::catalog_service_client::CatalogServiceClient,
    identity::identity_service_client::IdentityServiceClient,
    inventory::inventory_service_client::InventoryServiceClient,
    payment::payment_service_client::PaymentServiceClient,
    shipping::shipping_service_client::ShippingServiceClient,
};
use bazaar_platform::grpc::{Channel, connect};

use crate::Config;

/// Clients of every service orders calls.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// Identity (saved addresses).
    pub identity: IdentityServiceClient<Channel>,
    /// Cart.
    pub cart: CartServiceClient<Channel>,
    /// Catalog (prices).
    pub catalog: CatalogServiceClient<Channel>,
    /// Inventory (reservations).
    pub inventory: InventoryServiceClient<Channel>,
    /// Payment.
    pub payment: PaymentServiceClient<Channel>,
    /// Shipping.
    pub shipping: ShippingServiceClient<Channel>,
}

impl Upstream {
    /// Builds lazily connected clients.
    ///
    /// # Errors
    /// When a URL does not parse.
    pub fn connect(config: &Config) -> anyhow::Result<Self> {
        let timeout = config.common.request_timeout;
        Ok(Self {
            identity: IdentityServiceClient::new(connect(&config.identity_url, timeout)?),
            cart: CartServiceClient::new(connect(&config.cart_url, timeout)?),
            catalog: CatalogServiceClient::new(connect(&config.catalog_url, timeout)?),
            inventory: InventoryServiceClient::new(connect(&config.inventory_url, timeout)?),
            payment: PaymentServiceClient::new(connect(&config.payment_url, timeout)?),
            shipping: ShippingServiceClient::new(connect(&config.shipping_url, timeout)?),
        })
    }
}

/// Tells whether a failed call may succeed if tried again later.
pub fn is_transient(status: &tonic::Status) -> bool {
    use tonic::Code;
    matches!(
        status.code(),
        Code::Unavailable
            | Code::DeadlineExceeded
            | Code::Aborted
            | Code::ResourceExhausted
            | Code::Cancelled
            | Code::Unknown
            | Code::Internal
    )
}
