//! Learns from `OrderConfirmed`: every pair of products in an order counts once more.

use bazaar_contracts::events::OrderConfirmed;
use bazaar_platform::events::{Envelope, HandleError, Handler, decode};
use bazaar_types::ProductId;
use sqlx::AnyConnection;

/// The recommendation service's event handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderEvents;

impl Handler for OrderEvents {
    fn event_types(&self) -> &'static [&'static str] {
        crate::CONSUMES
    }

    async fn handle(
        &self,
        connection: &mut AnyConnection,
        event: &Envelope,
    ) -> Result<(), HandleError> {
        let confirmed: OrderConfirmed = decode(event)?;
        let mut products = Vec::with_capacity(confirmed.lines.len());
        for line in &confirmed.lines {
            let id = ProductId::parse(&line.product_id).map_err(|error| {
                HandleError::Permanent(anyhow::anyhow!("product id {}: {error}", line.product_id))
            })?;
            if !products.contains(&id) {
                products.push(id);
            }
        }
        crate::store::record_order(connection, &products).await?;
        Ok(())
    }
}
