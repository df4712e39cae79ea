//! Applies `OrderConfirmed`: the ordered units leave the buyer's cart. Lines added since stay.

use bazaar_contracts::events::OrderConfirmed;
use bazaar_platform::events::{Envelope, HandleError, Handler, decode};
use bazaar_types::{ProductId, UserId};
use sqlx::AnyConnection;

use crate::domain::{Line, Owner};

/// The cart's event handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderEvents;

fn poison(what: &str, error: impl std::fmt::Display) -> HandleError {
    HandleError::Permanent(anyhow::anyhow!("{what}: {error}"))
}

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
        let owner = Owner::User(
            UserId::parse(&confirmed.user_id).map_err(|error| poison("user id", error))?,
        );
        let ordered = confirmed
            .lines
            .iter()
            .map(|line| {
                Ok(Line {
                    product_id: ProductId::parse(&line.product_id)
                        .map_err(|error| poison("product id", error))?,
                    quantity: line.quantity,
                })
            })
            .collect::<Result<Vec<_>, HandleError>>()?;
        crate::store::remove_ordered(connection, &owner, &ordered).await?;
        Ok(())
    }
}
