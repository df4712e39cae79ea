//! Generated gRPC and event contracts of every Bazaar service.
//!
//! The code is generated at build time from `proto/bazaar/<service>/v1/*.proto` by protox, so
//! nothing generated is committed and no `protoc` is needed. Wire types stay here: services convert
//! them to their domain types in their `grpc` module.

/// The generated packages, nested as their proto package names require
/// (`bazaar.orders.v1` refers to `bazaar.common.v1` as `super::super::common::v1`).
#[allow(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    rust_2018_idioms
)]
pub mod bazaar {
    macro_rules! package {
        ($name:ident, $package:literal) => {
            pub mod $name {
                pub mod v1 {
                    tonic::include_proto!($package);
                }
            }
        };
    }
    package!(common, "bazaar.common.v1");
    package!(catalog, "bazaar.catalog.v1");
    package!(identity, "bazaar.identity.v1");
    package!(inventory, "bazaar.inventory.v1");
    package!(cart, "bazaar.cart.v1");
    package!(orders, "bazaar.orders.v1");
    package!(payment, "bazaar.payment.v1");
    package!(shipping, "bazaar.shipping.v1");
    package!(notification, "bazaar.notification.v1");
    package!(recommendation, "bazaar.recommendation.v1");
    package!(events, "bazaar.events.v1");
}

pub mod convert;

pub use bazaar::cart::v1 as cart;
pub use bazaar::catalog::v1 as catalog;
pub use bazaar::common::v1 as common;
pub use bazaar::events::v1 as events;
pub use bazaar::identity::v1 as identity;
pub use bazaar::inventory::v1 as inventory;
pub use bazaar::notification::v1 as notification;
pub use bazaar::orders::v1 as orders;
pub use bazaar::payment::v1 as payment;
pub use bazaar::recommendation::v1 as recommendation;
pub use bazaar::shipping::v1 as shipping;

/// The encoded `FileDescriptorSet` of every contract, for gRPC reflection and tooling.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("bazaar_descriptor");

/// A payload message that travels as an event.
///
/// Its `TYPE` is the CloudEvents `type` and names the emitting service, the event and its version.
pub trait Event: prost::Message + Default {
    /// CloudEvents `type`, e.g. `bazaar.orders.order_confirmed.v1`.
    const TYPE: &'static str;
    /// Name of the service that emits it, e.g. `orders`.
    const SOURCE: &'static str;
}

macro_rules! event {
    ($ty:ty, $source:literal, $name:literal) => {
        impl Event for $ty {
            const TYPE: &'static str = concat!("bazaar.", $source, ".", $name, ".v1");
            const SOURCE: &'static str = $source;
        }
    };
}

event!(events::UserRegistered, "identity", "user_registered");
event!(events::ProductChanged, "catalog", "product_changed");
event!(events::OrderConfirmed, "orders", "order_confirmed");
event!(events::OrderCancelled, "orders", "order_cancelled");
event!(events::PaymentCaptured, "payment", "payment_captured");
event!(events::PaymentRefunded, "payment", "payment_refunded");
event!(events::ShipmentDispatched, "shipping", "shipment_dispatched");
event!(events::ShipmentInTransit, "shipping", "shipment_in_transit");
event!(events::ShipmentDelivered, "shipping", "shipment_delivered");

/// Every event type, so tools can derive who emits what (the source is part of the type).
pub const EVENT_TYPES: &[&str] = &[
    <events::UserRegistered as Event>::TYPE,
    <events::ProductChanged as Event>::TYPE,
    <events::OrderConfirmed as Event>::TYPE,
    <events::OrderCancelled as Event>::TYPE,
    <events::PaymentCaptured as Event>::TYPE,
    <events::PaymentRefunded as Event>::TYPE,
    <events::ShipmentDispatched as Event>::TYPE,
    <events::ShipmentInTransit as Event>::TYPE,
    <events::ShipmentDelivered as Event>::TYPE,
];

/// Returns the emitting service named in an event type such as `bazaar.orders.order_confirmed.v1`.
pub fn source_of(event_type: &str) -> Option<&str> {
    event_type.strip_prefix("bazaar.")?.split('.').next().filter(|source| !source.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_name_their_source_and_version() {
        assert_eq!(events::OrderConfirmed::TYPE, "bazaar.orders.order_confirmed.v1");
        assert_eq!(source_of(events::OrderConfirmed::TYPE), Some("orders"));
        assert_eq!(source_of("nonsense"), None);
    }

    #[test]
    fn descriptor_set_is_embedded() {
        assert!(FILE_DESCRIPTOR_SET.len() > 1000);
    }
}
