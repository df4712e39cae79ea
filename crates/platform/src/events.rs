//! Events: a transactional outbox in every emitting service, a relay that publishes it, and an
//! inbox in every consumer that applies each event at most once.
//!
//! A service writes an event into its own `outbox` table in the same transaction as the change it
//! announces ([`Publisher::emit`]). The relay ([`relay`]) publishes pending rows through the
//! configured [`Transport`] and marks them sent only once the transport acknowledged them. A
//! consumer ([`Consumer`]) records each event id in its `inbox` table in the same transaction as
//! the effect, so redelivered or duplicated events change nothing.
//!
//! Two transports sit behind one interface: `direct` (the zero-setup default: gRPC delivery to each
//! subscriber's `EventSinkService`, retried with backoff until acknowledged) and `nats` (JetStream:
//! one stream per emitting service, `Nats-Msg-Id` = event id, a durable pull consumer per
//! subscriber and event type, explicit acks, poison messages parked after N deliveries).

mod consumer;
mod direct;
mod nats;
mod relay;

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
pub use bazaar_contracts::{Event, events::Envelope};
use prost::Message as _;
use sqlx::AnyConnection;
use tokio::sync::Notify;

pub use consumer::{Consumer, HandleError, Handler, Outcome};
pub use direct::DirectTransport;
pub use nats::NatsTransport;

use crate::{
    config::{EventArgs, TransportKind},
    db::Db,
    shutdown::CancellationToken,
};

/// Content type of envelope payloads.
pub const PROTOBUF: &str = "application/protobuf";

/// Builds the envelope of an event about `subject`, carrying the current trace context.
pub fn envelope<E: Event>(subject: &str, event: &E) -> Envelope {
    let (traceparent, tracestate) = crate::telemetry::current_traceparent();
    Envelope {
        id: uuid::Uuid::now_v7().to_string(),
        source: format!("/bazaar/{}", E::SOURCE),
        r#type: E::TYPE.to_owned(),
        subject: subject.to_owned(),
        time_ms: bazaar_types::now_ms(),
        data_content_type: PROTOBUF.to_owned(),
        data: event.encode_to_vec(),
        traceparent,
        tracestate,
    }
}

/// Decodes an envelope's payload as `E`.
///
/// # Errors
/// When the type does not match or the payload is malformed: a poison event.
pub fn decode<E: Event>(envelope: &Envelope) -> Result<E, HandleError> {
    if envelope.r#type != E::TYPE {
        return Err(HandleError::Permanent(anyhow::anyhow!(
            "expected {}, got {}",
            E::TYPE,
            envelope.r#type
        )));
    }
    E::decode(envelope.data.as_slice()).map_err(|error| {
        HandleError::Permanent(anyhow::Error::new(error).context("decoding event payload"))
    })
}

/// Writes events into the outbox of the service's database and wakes the relay.
#[derive(Debug, Clone, Default)]
pub struct Publisher {
    wake: Arc<Notify>,
}

impl Publisher {
    /// Records `event` in the outbox as part of the caller's transaction; it is published after
    /// the transaction commits. Returns the event id. Call [`Publisher::wake`] after committing.
    ///
    /// # Errors
    /// When the insert fails (the caller's transaction should then roll back).
    pub async fn emit<E: Event>(
        &self,
        connection: &mut AnyConnection,
        subject: &str,
        event: &E,
    ) -> Result<String, sqlx::Error> {
        let envelope = envelope(subject, event);
        let now = bazaar_types::now_ms();
        sqlx::query(
            "INSERT INTO outbox (id, event_type, subject, envelope, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&envelope.id)
        .bind(&envelope.r#type)
        .bind(subject)
        .bind(envelope.encode_to_vec())
        .bind(now)
        .bind(now)
        .execute(connection)
        .await?;
        Ok(envelope.id)
    }

    /// Tells the relay that new rows were committed, so it publishes them now rather than at its
    /// next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Why a publish failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The transport or a subscriber is unreachable or busy: retry later.
    #[error("transient: {0:#}")]
    Transient(anyhow::Error),
    /// A subscriber refused the event as malformed: retrying will not help.
    #[error("permanent: {0:#}")]
    Permanent(anyhow::Error),
}

/// The configured event transport.
#[derive(Debug, Clone)]
pub enum Transport {
    /// gRPC delivery to each subscriber.
    Direct(DirectTransport),
    /// NATS JetStream.
    Nats(Box<NatsTransport>),
}

impl Transport {
    /// Connects the transport chosen by `args`.
    ///
    /// # Errors
    /// When the NATS server cannot be reached (the message names its URL).
    pub async fn connect(args: &EventArgs, request_timeout: Duration) -> anyhow::Result<Self> {
        match args.transport {
            TransportKind::Direct => {
                Ok(Self::Direct(DirectTransport::new(&args.event_sinks, request_timeout)?))
            }
            TransportKind::Nats => {
                let url = args
                    .nats_url
                    .as_deref()
                    .context("--nats-url is required with --events nats")?;
                Ok(Self::Nats(Box::new(NatsTransport::connect(url, &args.nats_namespace).await?)))
            }
        }
    }

    /// Publishes a batch of envelopes and answers for each, in order, once the transport
    /// acknowledged it or gave up: the direct transport sends each sink one request for the whole
    /// batch; NATS publishes them all at once (each is its own message, de-duplicated by id).
    pub async fn publish_batch(&self, envelopes: &[Envelope]) -> Vec<Result<(), PublishError>> {
        match self {
            Self::Direct(direct) => direct.publish_batch(envelopes).await,
            Self::Nats(nats) => {
                futures::future::join_all(envelopes.iter().map(|envelope| nats.publish(envelope)))
                    .await
            }
        }
    }
}

/// The event machinery of one service: its publisher, its relay and (for consumers) its inbox.
#[derive(Debug, Clone)]
pub struct Events {
    db: Db,
    transport: Transport,
    publisher: Publisher,
    service: &'static str,
    max_attempts: u32,
}

impl Events {
    /// Connects the transport and starts the outbox relay and housekeeping until `shutdown`.
    ///
    /// # Errors
    /// When the transport cannot be connected.
    pub async fn start(
        service: &'static str,
        db: Db,
        args: &EventArgs,
        request_timeout: Duration,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let transport = Transport::connect(args, request_timeout).await?;
        let publisher = Publisher::default();
        let events =
            Self { db, transport, publisher, service, max_attempts: args.event_max_attempts };
        tokio::spawn(relay::run(events.clone(), shutdown.clone()));
        tokio::spawn(relay::housekeeping(events.db.clone(), shutdown));
        Ok(events)
    }

    /// Returns the handle that writes events into the outbox.
    pub fn publisher(&self) -> Publisher {
        self.publisher.clone()
    }

    /// Starts consuming the event types of `handler` and returns the consumer, whose
    /// [`Consumer::sink_service`] must be mounted on the service's gRPC server (direct transport).
    /// With NATS it also starts the pull loops.
    pub fn consume<H: Handler>(&self, handler: H, shutdown: &CancellationToken) -> Consumer<H> {
        let consumer = Consumer::new(self.service, self.db.clone(), handler, self.max_attempts);
        if let Transport::Nats(nats) = &self.transport {
            nats.spawn_consumers(&consumer, shutdown);
        }
        consumer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bazaar_contracts::events::UserRegistered;

    #[test]
    fn envelopes_carry_type_source_and_payload() {
        let event =
            UserRegistered { user_id: "u1".into(), email: "a@b.co".into(), name: "A".into() };
        let envelope = envelope("u1", &event);
        assert_eq!(envelope.r#type, "bazaar.identity.user_registered.v1");
        assert_eq!(envelope.source, "/bazaar/identity");
        assert_eq!(envelope.subject, "u1");
        assert_eq!(decode::<UserRegistered>(&envelope).unwrap(), event);
        assert!(matches!(
            decode::<bazaar_contracts::events::OrderConfirmed>(&envelope),
            Err(HandleError::Permanent(_))
        ));
    }
}
