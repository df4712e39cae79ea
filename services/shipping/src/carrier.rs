//! The simulated carrier: on its clock, each parcel moves from label created to dispatched, in
//! transit and delivered. Every move and its event commit together.

use std::time::Duration;

use bazaar_contracts::events::{ShipmentDelivered, ShipmentDispatched, ShipmentInTransit};
use bazaar_platform::{db::Db, events::Publisher, shutdown::CancellationToken};

use crate::store::{self, Shipment};

/// How long each step takes.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// From creation to dispatch.
    pub dispatch_after: Duration,
    /// From dispatch to in transit.
    pub transit_after: Duration,
    /// From in transit to delivered.
    pub deliver_after: Duration,
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 4)
}

/// Moves parcels along until `shutdown`.
pub async fn run(db: Db, publisher: Publisher, clock: Clock, shutdown: CancellationToken) {
    loop {
        if let Err(error) = tick(&db, &publisher, clock).await {
            tracing::warn!(error = format!("{error:#}"), "carrier round failed");
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(250)) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

async fn tick(db: &Db, publisher: &Publisher, clock: Clock) -> anyhow::Result<()> {
    let now = bazaar_types::now_ms();
    let steps = [
        ("label_created", "dispatched", clock.dispatch_after),
        ("dispatched", "in_transit", clock.transit_after),
        ("in_transit", "delivered", clock.deliver_after),
    ];
    let mut moved = false;
    for (from, to, after) in steps {
        for shipment in store::due(db, from, now - millis(after), 100).await? {
            let mut tx = db.begin().await?;
            if !store::advance(&mut tx, &shipment.id, from, to, now).await? {
                continue;
            }
            emit(publisher, &mut tx, &shipment, to).await?;
            tx.commit().await?;
            moved = true;
            tracing::info!(order_id = %shipment.order_id, status = to, "shipment moved");
        }
    }
    if moved {
        publisher.wake();
    }
    Ok(())
}

async fn emit(
    publisher: &Publisher,
    connection: &mut sqlx::AnyConnection,
    shipment: &Shipment,
    status: &str,
) -> Result<(), sqlx::Error> {
    let subject = shipment.order_id.as_str();
    match status {
        "dispatched" => {
            let event = ShipmentDispatched {
                shipment_id: shipment.id.clone(),
                order_id: shipment.order_id.clone(),
                tracking_number: shipment.tracking_number.clone(),
                recipient_email: shipment.recipient_email.clone(),
                recipient_name: shipment.name.clone(),
                option: shipment.option.clone(),
            };
            publisher.emit(connection, subject, &event).await?;
        }
        "in_transit" => {
            let event = ShipmentInTransit {
                shipment_id: shipment.id.clone(),
                order_id: shipment.order_id.clone(),
                tracking_number: shipment.tracking_number.clone(),
            };
            publisher.emit(connection, subject, &event).await?;
        }
        _ => {
            let event = ShipmentDelivered {
                shipment_id: shipment.id.clone(),
                order_id: shipment.order_id.clone(),
                tracking_number: shipment.tracking_number.clone(),
                recipient_email: shipment.recipient_email.clone(),
            };
            publisher.emit(connection, subject, &event).await?;
        }
    }
    Ok(())
}
