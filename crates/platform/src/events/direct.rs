//! The direct transport: the relay delivers events to every configured subscriber's
//! `EventSinkService` over gRPC, a batch per request, and retries (from the outbox) until all of
//! them acknowledged.

use std::{sync::Arc, time::Duration};

use bazaar_contracts::events::{
    DeliverBatchRequest, DeliverRequest, DeliveryOutcome,
    event_sink_service_client::EventSinkServiceClient,
};
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

    /// Delivers a batch to every sink at once, one request per sink, and answers for each event:
    /// permanent if a sink refused it, transient if a sink could not take it now, else OK. A sink
    /// that does not know batches (an older build during a rolling upgrade) gets them one by one.
    pub async fn publish_batch(&self, envelopes: &[Envelope]) -> Vec<Result<(), PublishError>> {
        let deliveries =
            self.sinks.iter().map(|(name, client)| deliver_batch(name, client, envelopes));
        let mut results: Vec<Result<(), PublishError>> = envelopes.iter().map(|_| Ok(())).collect();
        for sink_results in futures::future::join_all(deliveries).await {
            for (result, sink_result) in results.iter_mut().zip(sink_results) {
                let Err(error) = sink_result else { continue };
                // A refusal outweighs a retry: the event will never apply at that sink.
                if result.is_ok() || matches!(error, PublishError::Permanent(_)) {
                    *result = Err(error);
                }
            }
        }
        results
    }
}

/// Delivers a batch to one sink and answers for each event.
async fn deliver_batch(
    name: &str,
    client: &EventSinkServiceClient<Channel>,
    envelopes: &[Envelope],
) -> Vec<Result<(), PublishError>> {
    let mut client = client.clone();
    let request = DeliverBatchRequest { events: envelopes.to_vec() };
    match client.deliver_batch(request).await {
        Ok(response) => {
            let results = response.into_inner().results;
            if results.len() != envelopes.len() {
                let error = || {
                    PublishError::Transient(anyhow::anyhow!(
                        "{name} answered {} results for {} events",
                        results.len(),
                        envelopes.len()
                    ))
                };
                return envelopes.iter().map(|_| Err(error())).collect();
            }
            results
                .into_iter()
                .map(|result| match result.outcome() {
                    DeliveryOutcome::Ok => Ok(()),
                    DeliveryOutcome::Refused => Err(PublishError::Permanent(anyhow::anyhow!(
                        "{name} refused the event: {}",
                        result.message
                    ))),
                    DeliveryOutcome::Retry | DeliveryOutcome::Unspecified => {
                        Err(PublishError::Transient(anyhow::anyhow!("{name}: {}", result.message)))
                    }
                })
                .collect()
        }
        Err(status) if matches!(status.code(), Code::Unimplemented | Code::InvalidArgument) => {
            let mut results = Vec::with_capacity(envelopes.len());
            for envelope in envelopes {
                let request = DeliverRequest { event: Some(envelope.clone()) };
                results.push(match client.deliver(request).await {
                    Ok(_) => Ok(()),
                    Err(status) => Err(classify(name, &status)),
                });
            }
            results
        }
        Err(status) => envelopes.iter().map(|_| Err(classify(name, &status))).collect(),
    }
}

/// Classifies a failed single delivery: a refusal is permanent, anything else transient.
fn classify(name: &str, status: &tonic::Status) -> PublishError {
    if status.code() == Code::InvalidArgument {
        PublishError::Permanent(anyhow::anyhow!("{name} refused the event: {}", status.message()))
    } else {
        PublishError::Transient(anyhow::anyhow!("{name}: {} {}", status.code(), status.message()))
    }
}
