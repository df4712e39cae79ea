//! The direct transport: the relay delivers each event to every configured subscriber's
//! `EventSinkService` over gRPC, and retries (from the outbox) until all of them acknowledged.

use std::{sync::Arc, time::Duration};

use bazaar_contracts::events::{DeliverRequest, event_sink_service_client::EventSinkServiceClient};
use tonic::Code;

use super::{Envelope, PublishError};
use crate::{config::EventSink, grpc::Channel};

/// Delivers events to subscribers over gRPC.
#[derive(Debug, Clone)]
pub struct DirectTransport {
    sinks: Arc<Vec<(String, EventSinkServiceClient<Channel>)>>,
}

impl DirectTransport {
    /// Builds lazily connected clients for every sink.
    ///
    /// # Errors
    /// When a sink URL does not parse.
    pub fn new(sinks: &[EventSink], request_timeout: Duration) -> anyhow::Result<Self> {
        let sinks = sinks
            .iter()
            .map(|sink| {
                Ok((
                    sink.name.clone(),
                    EventSinkServiceClient::new(crate::grpc::connect(&sink.url, request_timeout)?),
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self { sinks: Arc::new(sinks) })
    }

    /// Delivers to every sink at once. Sinks that already applied the event answer OK again (their
    /// inbox de-duplicates), so a partial failure is simply retried for all.
    ///
    /// # Errors
    /// Transient when a sink is unreachable or busy, permanent when one refused the event.
    pub async fn publish(&self, envelope: &Envelope) -> Result<(), PublishError> {
        let deliveries = self.sinks.iter().map(|(name, client)| {
            let mut client = client.clone();
            let request = DeliverRequest { event: Some(envelope.clone()) };
            async move { (name, client.deliver(request).await) }
        });
        let mut transient = None;
        for (name, result) in futures::future::join_all(deliveries).await {
            match result {
                Ok(_) => {}
                Err(status) if status.code() == Code::InvalidArgument => {
                    return Err(PublishError::Permanent(anyhow::anyhow!(
                        "{name} refused the event: {}",
                        status.message()
                    )));
                }
                Err(status) => {
                    transient =
                        Some(anyhow::anyhow!("{name}: {} {}", status.code(), status.message()));
                }
            }
        }
        transient.map_or(Ok(()), |error| Err(PublishError::Transient(error)))
    }
}
