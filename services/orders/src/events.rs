//! Applies shipping events: a dispatched parcel makes its order shipped, a delivered one
//! delivered. Out of order they still end right: delivered never goes back to shipped. An event
//! about an order still being placed (its shipment exists a moment before it is confirmed) is
//! delivered again later rather than lost.

use bazaar_contracts::events::{ShipmentDelivered, ShipmentDispatched};
use bazaar_platform::events::{Envelope, HandleError, Handler, decode};
use bazaar_types::OrderId;
use sqlx::AnyConnection;

use crate::{domain::Status, store};

/// The orders service's event handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShippingEvents;

fn order_id(text: &str) -> Result<OrderId, HandleError> {
    OrderId::parse(text)
        .map_err(|error| HandleError::Permanent(anyhow::anyhow!("order id {text}: {error}")))
}

impl Handler for ShippingEvents {
    fn event_types(&self) -> &'static [&'static str] {
        crate::CONSUMES
    }

    async fn handle(
        &self,
        connection: &mut AnyConnection,
        event: &Envelope,
    ) -> Result<(), HandleError> {
        let (id, from, to) =
            if event.r#type == <ShipmentDispatched as bazaar_contracts::Event>::TYPE {
                let dispatched: ShipmentDispatched = decode(event)?;
                (order_id(&dispatched.order_id)?, &[Status::Confirmed][..], Status::Shipped)
            } else {
                let delivered: ShipmentDelivered = decode(event)?;
                (
                    order_id(&delivered.order_id)?,
                    &[Status::Confirmed, Status::Shipped][..],
                    Status::Delivered,
                )
            };
        if !store::advance_delivery(connection, &id, from, to).await? {
            match store::status_in(connection, &id).await?.as_deref() {
                Some("pending") => {
                    return Err(HandleError::Transient(anyhow::anyhow!(
                        "order {id} is not confirmed yet"
                    )));
                }
                None => return Err(HandleError::Permanent(anyhow::anyhow!("no order {id}"))),
                // Already further along, or cancelled: nothing to do.
                Some(_) => {}
            }
        }
        Ok(())
    }
}
