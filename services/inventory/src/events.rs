//! Applies `ProductChanged`: a new product gets a stock row with nothing on hand, so admins can
//! set its stock and shoppers see it as sold out rather than unknown.

use bazaar_contracts::events::{ProductChange, ProductChanged};
use bazaar_platform::events::{Envelope, HandleError, Handler, decode};
use bazaar_types::ProductId;
use sqlx::AnyConnection;

/// The inventory's event handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProductEvents;

impl Handler for ProductEvents {
    fn event_types(&self) -> &'static [&'static str] {
        crate::CONSUMES
    }

    async fn handle(
        &self,
        connection: &mut AnyConnection,
        event: &Envelope,
    ) -> Result<(), HandleError> {
        let changed: ProductChanged = decode(event)?;
        let product_id = ProductId::parse(&changed.product_id).map_err(|error| {
            HandleError::Permanent(anyhow::anyhow!("product id {}: {error}", changed.product_id))
        })?;
        // Deletions keep the row: its history still balances the stock ledger.
        if changed.change() == ProductChange::Created {
            crate::store::ensure_product(connection, &product_id).await?;
        }
        Ok(())
    }
}
