//! The consuming side: an inbox that applies each event at most once, and the `EventSinkService`
//! that receives events from the direct transport.

use std::sync::Arc;

use bazaar_contracts::events::{
    DeliverBatchRequest, DeliverBatchResponse, DeliverRequest, DeliverResponse, DeliveryOutcome,
    DeliveryResult, event_sink_service_server,
};
use prost::Message as _;
use sqlx::AnyConnection;
use tonic::{Request, Response, Status};
use tracing::Instrument as _;

use super::Envelope;
use crate::db::Db;

/// Applies the events a service consumes.
pub trait Handler: Send + Sync + 'static {
    /// Event types this service applies (e.g. `bazaar.orders.order_confirmed.v1`); any other type
    /// is acknowledged and ignored.
    fn event_types(&self) -> &'static [&'static str];

    /// Applies one event inside the inbox transaction: whatever it writes commits together with
    /// the record that the event was applied, or not at all.
    fn handle<'a>(
        &'a self,
        connection: &'a mut AnyConnection,
        event: &'a Envelope,
    ) -> impl Future<Output = Result<(), HandleError>> + Send + 'a;

    /// Runs after the transaction committed, e.g. to wake the service's own outbox relay.
    fn after_commit(&self, _event: &Envelope) {}
}

/// Why an event could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The event can never be applied (malformed payload, unknown entity in a way that will not
    /// change): it is parked.
    #[error("poison event: {0:#}")]
    Permanent(anyhow::Error),
    /// Applying failed for now (database busy or away): it is delivered again later.
    #[error("cannot apply event now: {0:#}")]
    Transient(anyhow::Error),
}

impl From<sqlx::Error> for HandleError {
    fn from(error: sqlx::Error) -> Self {
        Self::Transient(error.into())
    }
}

/// What happened to a delivered event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its effect is now committed.
    Applied,
    /// It was applied before; nothing changed.
    Duplicate,
    /// This service does not consume its type.
    Ignored,
}

/// A service's inbox and handler.
#[derive(Debug)]
pub struct Consumer<H> {
    inner: Arc<Inner<H>>,
}

#[derive(Debug)]
struct Inner<H> {
    service: &'static str,
    db: Db,
    handler: H,
    max_attempts: u32,
}

impl<H> Clone for Consumer<H> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<H: Handler> Consumer<H> {
    pub(super) fn new(service: &'static str, db: Db, handler: H, max_attempts: u32) -> Self {
        Self { inner: Arc::new(Inner { service, db, handler, max_attempts }) }
    }

    /// Returns the name of the consuming service.
    pub fn service(&self) -> &'static str {
        self.inner.service
    }

    /// Returns the event types consumed.
    pub fn event_types(&self) -> &'static [&'static str] {
        self.inner.handler.event_types()
    }

    /// Returns how many deliveries an event gets before it is parked.
    pub fn max_attempts(&self) -> u32 {
        self.inner.max_attempts
    }

    /// Applies an event at most once: the inbox row and the handler's writes commit together.
    ///
    /// # Errors
    /// [`HandleError`] when the handler or the database failed; nothing was written.
    pub async fn apply(&self, envelope: &Envelope) -> Result<Outcome, HandleError> {
        if !self.event_types().contains(&envelope.r#type.as_str()) {
            return Ok(Outcome::Ignored);
        }
        let result = self.apply_in_transaction(envelope).instrument(event_span(envelope)).await;
        self.record(envelope, &result);
        result
    }

    /// Applies several events, in order, each at most once. All of them commit in one transaction
    /// (one write to disk for the batch); if any of them fails, that transaction is rolled back
    /// and each event is applied on its own, so one bad event costs the others nothing.
    pub async fn apply_batch(&self, envelopes: &[Envelope]) -> Vec<Result<Outcome, HandleError>> {
        match self.apply_all_in_one_transaction(envelopes).await {
            Ok(outcomes) => outcomes
                .into_iter()
                .zip(envelopes)
                .map(|(outcome, envelope)| {
                    let result = Ok(outcome);
                    if outcome != Outcome::Ignored {
                        self.record(envelope, &result);
                    }
                    result
                })
                .collect(),
            Err(error) => {
                tracing::debug!(
                    error = format!("{error:#}"),
                    "batch failed; applying its events one by one"
                );
                let mut results = Vec::with_capacity(envelopes.len());
                for envelope in envelopes {
                    results.push(self.apply(envelope).await);
                }
                results
            }
        }
    }

    async fn apply_all_in_one_transaction(
        &self,
        envelopes: &[Envelope],
    ) -> Result<Vec<Outcome>, HandleError> {
        let mut outcomes = Vec::with_capacity(envelopes.len());
        let mut tx = None;
        for envelope in envelopes {
            if !self.event_types().contains(&envelope.r#type.as_str()) {
                outcomes.push(Outcome::Ignored);
                continue;
            }
            let connection = match &mut tx {
                Some(tx) => tx,
                None => tx.insert(self.inner.db.begin().await?),
            };
            let outcome =
                self.apply_with(connection, envelope).instrument(event_span(envelope)).await?;
            outcomes.push(outcome);
        }
        if let Some(tx) = tx {
            tx.commit().await?;
        }
        Ok(outcomes)
    }

    async fn apply_in_transaction(&self, envelope: &Envelope) -> Result<Outcome, HandleError> {
        let mut tx = self.inner.db.begin().await?;
        let outcome = self.apply_with(&mut tx, envelope).await?;
        if outcome == Outcome::Duplicate {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(outcome)
    }

    /// Records the event in the inbox and, unless it was there already, applies it.
    async fn apply_with(
        &self,
        connection: &mut AnyConnection,
        envelope: &Envelope,
    ) -> Result<Outcome, HandleError> {
        let inserted = sqlx::query(
            "INSERT INTO inbox (event_id, event_type, received_at) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(&envelope.id)
        .bind(&envelope.r#type)
        .bind(bazaar_types::now_ms())
        .execute(&mut *connection)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(Outcome::Duplicate);
        }
        self.inner.handler.handle(connection, envelope).await?;
        Ok(Outcome::Applied)
    }

    /// Counts the outcome and, for an applied event, records its lag and runs the after-commit hook.
    fn record(&self, envelope: &Envelope, result: &Result<Outcome, HandleError>) {
        let outcome = match result {
            Ok(Outcome::Applied) => "applied",
            Ok(Outcome::Duplicate) => "duplicate",
            Ok(Outcome::Ignored) => "ignored",
            Err(HandleError::Permanent(_)) => "poison",
            Err(HandleError::Transient(_)) => "retry",
        };
        metrics::counter!("events_consumed_total", "type" => envelope.r#type.clone(), "outcome" => outcome).increment(1);
        if matches!(result, Ok(Outcome::Applied)) {
            let lag = (bazaar_types::now_ms() - envelope.time_ms).max(0) as f64 / 1000.0;
            metrics::histogram!("events_consume_lag_seconds", "type" => envelope.r#type.clone())
                .record(lag);
            self.inner.handler.after_commit(envelope);
        }
    }

    /// Turns the result of applying a delivered event into the answer to its sender, parking it
    /// when it can never be applied.
    async fn answer(
        &self,
        envelope: &Envelope,
        result: Result<Outcome, HandleError>,
    ) -> (DeliveryOutcome, String) {
        match result {
            Ok(_) => (DeliveryOutcome::Ok, String::new()),
            Err(HandleError::Permanent(error)) => {
                let message = format!("{error:#}");
                match self.park(envelope, &message).await {
                    Ok(()) => (DeliveryOutcome::Refused, message),
                    Err(error) => {
                        tracing::warn!(%error, event_id = %envelope.id, "cannot park event now");
                        (DeliveryOutcome::Retry, "cannot park the event now".to_owned())
                    }
                }
            }
            Err(HandleError::Transient(error)) => {
                tracing::warn!(error = format!("{error:#}"), event_id = %envelope.id, "cannot apply event now");
                (DeliveryOutcome::Retry, "cannot apply the event now".to_owned())
            }
        }
    }

    /// Records an event that will never be applied, for an operator to inspect.
    ///
    /// # Errors
    /// When the database write fails.
    pub async fn park(&self, envelope: &Envelope, error: &str) -> Result<(), sqlx::Error> {
        tracing::error!(event_id = %envelope.id, r#type = %envelope.r#type, error, "parking poison event");
        metrics::counter!("events_parked_total", "stage" => "consume").increment(1);
        sqlx::query(
            "INSERT INTO parked_events (event_id, event_type, envelope, error, parked_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(&envelope.id)
        .bind(&envelope.r#type)
        .bind(envelope.encode_to_vec())
        .bind(error)
        .bind(bazaar_types::now_ms())
        .execute(&mut *self.inner.db.writer().await?)
        .await?;
        self.inner.db.durable().await
    }

    /// Returns the `EventSinkService` that receives events from the direct transport.
    pub fn sink_service(&self) -> event_sink_service_server::EventSinkServiceServer<Self> {
        event_sink_service_server::EventSinkServiceServer::new(self.clone())
    }
}

/// Events accepted in one batch.
const MAX_BATCH: usize = 1000;

#[tonic::async_trait]
impl<H: Handler> event_sink_service_server::EventSinkService for Consumer<H> {
    async fn deliver(
        &self,
        request: Request<DeliverRequest>,
    ) -> Result<Response<DeliverResponse>, Status> {
        let envelope = request
            .into_inner()
            .event
            .ok_or_else(|| Status::invalid_argument("event: is required"))?;
        let result = self.apply(&envelope).await;
        match self.answer(&envelope, result).await {
            (DeliveryOutcome::Ok, _) => Ok(Response::new(DeliverResponse {})),
            (DeliveryOutcome::Refused, message) => Err(Status::invalid_argument(message)),
            (_, message) => Err(Status::unavailable(message)),
        }
    }

    async fn deliver_batch(
        &self,
        request: Request<DeliverBatchRequest>,
    ) -> Result<Response<DeliverBatchResponse>, Status> {
        let events = request.into_inner().events;
        if events.len() > MAX_BATCH {
            return Err(Status::invalid_argument(format!(
                "events: at most {MAX_BATCH} per batch, got {}",
                events.len()
            )));
        }
        let outcomes = self.apply_batch(&events).await;
        let mut results = Vec::with_capacity(events.len());
        for (envelope, result) in events.iter().zip(outcomes) {
            let (outcome, message) = self.answer(envelope, result).await;
            results.push(DeliveryResult {
                event_id: envelope.id.clone(),
                outcome: outcome.into(),
                message,
            });
        }
        Ok(Response::new(DeliverBatchResponse { results }))
    }
}

/// The span an event is applied in, a child of the span that emitted it.
fn event_span(envelope: &Envelope) -> tracing::Span {
    let span = tracing::info_span!("event", r#type = %envelope.r#type, event_id = %envelope.id, subject = %envelope.subject);
    crate::telemetry::set_parent_from_traceparent(
        &span,
        &envelope.traceparent,
        &envelope.tracestate,
    );
    span
}
