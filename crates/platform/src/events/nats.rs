//! The NATS JetStream transport: one stream per emitting service (`<NAMESPACE>_<SERVICE>`, subjects
//! `<namespace>.<event type>`, e.g. `bazaar.bazaar.orders.v1.OrderConfirmed`), `Nats-Msg-Id` = event id (the server drops
//! duplicates within two minutes), and per consuming service one durable pull consumer per event
//! type with explicit acks. An event that keeps failing is parked after N deliveries.
//!
//! One consumer per event type (rather than one with several filter subjects) keeps this working on
//! NATS servers older than 2.10.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::Context as _;
use async_nats::jetstream::{
    self, AckKind,
    consumer::{AckPolicy, DeliverPolicy, pull},
    message::PublishMessage,
    stream,
};
use futures::StreamExt as _;
use prost::Message as _;

use super::{Consumer, Envelope, HandleError, Handler, PublishError};
use crate::shutdown::CancellationToken;

/// A JetStream connection shared by the relay and the consumers of one service.
#[derive(Debug, Clone)]
pub struct NatsTransport {
    jetstream: jetstream::Context,
    /// Prefix of every subject and stream name.
    namespace: String,
    /// Streams known to exist, so publishing does not ask the server every time.
    streams: Arc<Mutex<HashSet<String>>>,
}

impl NatsTransport {
    /// Connects to a NATS server. After the first connection the client reconnects by itself,
    /// forever, whenever the server goes away.
    ///
    /// # Errors
    /// When the server cannot be reached at start (the message names the URL).
    pub async fn connect(url: &str, namespace: &str) -> anyhow::Result<Self> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(3))
            .max_reconnects(None)
            .connect(url)
            .await
            .with_context(|| format!("cannot connect to NATS at {url}"))?;
        Ok(Self {
            jetstream: jetstream::new(client),
            namespace: namespace.to_owned(),
            streams: Arc::default(),
        })
    }

    /// Returns the stream of an emitting service, creating it when missing.
    async fn stream(&self, source: &str) -> anyhow::Result<stream::Stream> {
        let name = self.stream_name(source);
        let config = stream::Config {
            name: name.clone(),
            subjects: vec![format!("{}.bazaar.{source}.>", self.namespace)],
            storage: stream::StorageType::File,
            duplicate_window: Duration::from_secs(120),
            max_age: Duration::from_secs(7 * 24 * 3600),
            ..Default::default()
        };
        self.jetstream
            .get_or_create_stream(config)
            .await
            .with_context(|| format!("opening stream {name}"))
    }

    /// Publishes an envelope and waits for the server's acknowledgement.
    ///
    /// # Errors
    /// Transient on any server or network error.
    pub async fn publish(&self, envelope: &Envelope) -> Result<(), PublishError> {
        let source = bazaar_contracts::source_of(&envelope.r#type).ok_or_else(|| {
            PublishError::Permanent(anyhow::anyhow!(
                "event type {} names no source",
                envelope.r#type
            ))
        })?;
        let known = self.streams.lock().map(|streams| streams.contains(source)).unwrap_or(false);
        if !known {
            self.stream(source).await.map_err(PublishError::Transient)?;
            if let Ok(mut streams) = self.streams.lock() {
                streams.insert(source.to_owned());
            }
        }
        let mut message = PublishMessage::build()
            .payload(envelope.encode_to_vec().into())
            .message_id(&envelope.id);
        if !envelope.traceparent.is_empty() {
            message = message.header("traceparent", envelope.traceparent.as_str());
        }
        let result = async {
            self.jetstream.send_publish(self.subject(&envelope.r#type), message).await?.await?;
            anyhow::Ok(())
        }
        .await;
        result.map_err(|error| {
            // The stream may have been deleted behind our back; look it up again next time.
            if let Ok(mut streams) = self.streams.lock() {
                streams.remove(source);
            }
            PublishError::Transient(error.context("publishing to NATS"))
        })
    }

    /// Starts one pull loop per consumed event type, until `shutdown`.
    pub fn spawn_consumers<H: Handler>(
        &self,
        consumer: &Consumer<H>,
        shutdown: &CancellationToken,
    ) {
        for event_type in consumer.event_types() {
            let transport = self.clone();
            let consumer = consumer.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                let mut backoff = Duration::from_millis(250);
                loop {
                    match transport.pull(&consumer, event_type, &shutdown).await {
                        Ok(()) => return,
                        Err(error) => {
                            tracing::warn!(
                                error = format!("{error:#}"),
                                event_type,
                                "NATS consumer interrupted; reconnecting"
                            );
                        }
                    }
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        () = shutdown.cancelled() => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            });
        }
    }

    /// Pulls and applies messages of one event type until `shutdown` (`Ok`) or an error.
    async fn pull<H: Handler>(
        &self,
        consumer: &Consumer<H>,
        event_type: &str,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<()> {
        let source =
            bazaar_contracts::source_of(event_type).context("event type names no source")?;
        let stream = self.stream(source).await?;
        let durable = format!("{}__{}", consumer.service(), event_type.replace('.', "_"));
        let max_attempts = i64::from(consumer.max_attempts());
        let pull_consumer = stream
            .get_or_create_consumer(
                &durable,
                pull::Config {
                    durable_name: Some(durable.clone()),
                    filter_subject: self.subject(event_type),
                    deliver_policy: DeliverPolicy::All,
                    ack_policy: AckPolicy::Explicit,
                    ack_wait: Duration::from_secs(30),
                    // We park on the last attempt ourselves; the server's limit is a safety net.
                    max_deliver: max_attempts + 1,
                    ..Default::default()
                },
            )
            .await
            .with_context(|| format!("opening consumer {durable}"))?;
        // Short pull requests with frequent idle heartbeats: after the server restarts, a pull
        // lost with the old connection is noticed within seconds (a missed heartbeat ends this
        // loop and the caller reconnects), not after the library's 30 s default.
        let mut messages = pull_consumer
            .stream()
            .expires(Duration::from_secs(10))
            .heartbeat(Duration::from_secs(2))
            .messages()
            .await
            .context("starting to pull")?;
        loop {
            let next = tokio::select! {
                next = messages.next() => next,
                () = shutdown.cancelled() => return Ok(()),
            };
            let message = match next {
                Some(Ok(message)) => message,
                Some(Err(error)) => {
                    return Err(anyhow::Error::new(error).context("pulling messages"));
                }
                None => anyhow::bail!("message stream ended"),
            };
            let delivered = message.info().map(|info| info.delivered).unwrap_or(1);
            let envelope = match Envelope::decode(message.payload.as_ref()) {
                Ok(envelope) => envelope,
                Err(error) => {
                    tracing::error!(%error, "dropping undecodable message");
                    let _ = message.ack_with(AckKind::Term).await;
                    continue;
                }
            };
            let ack = match consumer.apply(&envelope).await {
                Ok(_) => AckKind::Ack,
                Err(HandleError::Permanent(error)) => {
                    consumer.park(&envelope, &format!("{error:#}")).await?;
                    AckKind::Term
                }
                Err(HandleError::Transient(error)) if delivered >= max_attempts => {
                    consumer
                        .park(
                            &envelope,
                            &format!("gave up after {delivered} deliveries: {error:#}"),
                        )
                        .await?;
                    AckKind::Term
                }
                Err(HandleError::Transient(error)) => {
                    tracing::warn!(error = format!("{error:#}"), event_id = %envelope.id, delivered, "cannot apply event now");
                    let delay = Duration::from_millis(
                        200 * u64::try_from(delivered.clamp(1, 50)).unwrap_or(1),
                    );
                    AckKind::Nak(Some(delay))
                }
            };
            message
                .ack_with(ack)
                .await
                .map_err(|error| anyhow::anyhow!("acknowledging: {error}"))?;
        }
    }
}

impl NatsTransport {
    /// Returns the stream of an emitting service, e.g. `BAZAAR_ORDERS`.
    fn stream_name(&self, source: &str) -> String {
        format!("{}_{}", self.namespace, source).to_ascii_uppercase()
    }

    /// Returns the subject an event type is published on.
    fn subject(&self, event_type: &str) -> String {
        format!("{}.{event_type}", self.namespace)
    }
}
