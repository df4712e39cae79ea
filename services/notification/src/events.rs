//! Turns consumed events into messages, inside the inbox transaction.

use std::sync::Arc;

use bazaar_contracts::{
    Event as _,
    events::{OrderCancelled, OrderConfirmed, PaymentRefunded, ShipmentDispatched, UserRegistered},
};
use bazaar_platform::events::{Envelope, HandleError, Handler, decode};
use sqlx::AnyConnection;
use tokio::sync::Notify;

use crate::{compose, store};

/// The notification service's event handler.
#[derive(Debug, Clone)]
pub struct MailEvents {
    smtp: bool,
    wake_sender: Arc<Notify>,
}

impl MailEvents {
    /// Builds the handler; with `smtp`, messages wait for the sender, which `wake_sender` nudges.
    pub fn new(smtp: bool, wake_sender: Arc<Notify>) -> Self {
        Self { smtp, wake_sender }
    }
}

impl Handler for MailEvents {
    fn event_types(&self) -> &'static [&'static str] {
        crate::CONSUMES
    }

    async fn handle(
        &self,
        connection: &mut AnyConnection,
        event: &Envelope,
    ) -> Result<(), HandleError> {
        let draft = match event.r#type.as_str() {
            t if t == UserRegistered::TYPE => compose::welcome(&decode(event)?),
            t if t == OrderConfirmed::TYPE => compose::order_confirmed(&decode(event)?),
            t if t == OrderCancelled::TYPE => compose::order_cancelled(&decode(event)?),
            t if t == ShipmentDispatched::TYPE => compose::shipment_dispatched(&decode(event)?),
            t if t == PaymentRefunded::TYPE => compose::payment_refunded(&decode(event)?),
            other => {
                return Err(HandleError::Permanent(anyhow::anyhow!(
                    "unexpected event type {other}"
                )));
            }
        };
        if draft.recipient.is_empty() {
            // Nobody to write to (e.g. a refund without a receipt address): nothing to do.
            return Ok(());
        }
        store::insert(connection, &event.id, &draft, self.smtp).await?;
        Ok(())
    }

    fn after_commit(&self, _event: &Envelope) {
        if self.smtp {
            self.wake_sender.notify_one();
        }
    }
}
