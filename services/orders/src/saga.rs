//! The checkout saga, orchestrated here (design §6).
//!
//! An order moves through persisted steps: created → reserved (inventory) → charged (payment) →
//! done (reservation committed in inventory, shipment created, confirmed, `OrderConfirmed`
//! emitted).
//! Each call is idempotent by the order id, so running a step twice (after a crash, or by two
//! runners) changes nothing. A step that fails for now is retried, first in-process, then by the
//! recovery worker with backoff. Past the saga deadline a pending order is compensated: a captured
//! payment is refunded, the reservation released, and the order ends cancelled (or payment failed
//! when it was never charged). Cancellation of a confirmed order runs the same way from the
//! `cancelling` step: cancel the shipment, refund, release.

use std::time::Duration;

use bazaar_contracts::{
    common,
    events::{self as event_pb, OrderCancelled, OrderConfirmed},
    inventory::{self as inventory_pb, ReservationState},
    payment::{self as payment_pb, PaymentStatus},
    shipping::{self as shipping_pb},
};
use bazaar_platform::{db::Db, events::Publisher, shutdown::CancellationToken};
use bazaar_types::{Currency, Money, OrderId};
use tonic::Code;

use crate::{
    domain::{Order, Status, Step, out_of_stock_reason},
    error::Error,
    store::{self, Changes},
    upstream::{Upstream, is_transient},
};

/// How long a runner owns an order before another may take over (renewed at every step).
pub const LEASE_MS: i64 = 5_000;
/// How long inventory holds the stock of an order in progress.
const RESERVATION_TTL_MS: i64 = 10 * 60 * 1000;
/// Failures retried in-process before the recovery worker takes over.
const INLINE_RETRIES: i64 = 3;

/// Drives orders through the saga.
#[derive(Debug, Clone)]
pub struct Saga {
    db: Db,
    publisher: Publisher,
    upstream: Upstream,
}

/// How a step went.
enum StepError {
    /// It may succeed later.
    Transient(String),
    /// It cannot succeed (a bug or corrupt data).
    Fatal(Error),
}

impl From<Error> for StepError {
    fn from(error: Error) -> Self {
        Self::Fatal(error)
    }
}

impl From<sqlx::Error> for StepError {
    fn from(error: sqlx::Error) -> Self {
        if bazaar_platform::db::is_unavailable(&error) {
            Self::Transient(format!("database: {error}"))
        } else {
            Self::Fatal(error.into())
        }
    }
}

fn upstream_error(what: &str, status: &tonic::Status) -> StepError {
    if is_transient(status) {
        StepError::Transient(format!("{what}: {} {}", status.code(), status.message()))
    } else {
        StepError::Fatal(Error::Upstream(status.clone()))
    }
}

fn money(amount_minor: i64) -> common::Money {
    Money::new(amount_minor, Currency::USD).into()
}

impl Saga {
    /// Builds the saga runner.
    pub fn new(db: Db, publisher: Publisher, upstream: Upstream) -> Self {
        Self { db, publisher, upstream }
    }

    /// Drives an order as far as it can go now and returns it. A step that keeps failing leaves
    /// the order for the recovery worker (still pending).
    ///
    /// # Errors
    /// [`Error::OrderNotFound`], or an unexpected failure.
    pub async fn drive(&self, id: &OrderId) -> Result<Order, Error> {
        let order = store::by_id(&self.db, id).await?.ok_or(Error::OrderNotFound)?;
        self.run(order).await
    }

    /// Drives an order just read or stored. Between steps the order is kept in memory: a step
    /// that finds the order moved by another runner reads it again.
    ///
    /// # Errors
    /// [`Error::OrderNotFound`], or an unexpected failure.
    pub async fn run(&self, mut order: Order) -> Result<Order, Error> {
        let mut inline_attempts = 0;
        loop {
            let result = match order.step {
                Step::Done => return Ok(order),
                Step::Cancelling => self.cancel_step(&mut order).await,
                _ if order.status != Status::Pending => return Ok(order),
                // Past the deadline a pending order is wound back, unless only its confirmation is left.
                step if step != Step::Shipped && bazaar_types::now_ms() > order.deadline_at_ms => {
                    self.compensate(
                        &mut order,
                        "We could not complete your order in time; your payment was refunded.",
                        "We could not complete your order in time; you were not charged.",
                    )
                    .await
                }
                Step::Created => self.reserve(&mut order).await,
                Step::Reserved => self.charge(&mut order).await,
                Step::Charged | Step::Committed => self.fulfil(&mut order).await,
                Step::Shipped => self.confirm(&mut order, None).await,
            };
            match result {
                Ok(()) => inline_attempts = 0,
                Err(StepError::Fatal(error)) => return Err(error),
                Err(StepError::Transient(detail)) => {
                    tracing::warn!(order_id = %order.id, step = order.step.as_str(), %detail, "saga step failed for now");
                    inline_attempts += 1;
                    if inline_attempts < INLINE_RETRIES {
                        tokio::time::sleep(Duration::from_millis(100 << inline_attempts)).await;
                        order = self.reload(&order.id).await?;
                        continue;
                    }
                    let attempts = order.attempts + 1;
                    let backoff = (250_i64 << attempts.min(5)).min(5_000);
                    store::retry_later(
                        &self.db,
                        &order.id,
                        order.step,
                        attempts,
                        bazaar_types::now_ms() + backoff,
                        &detail,
                    )
                    .await?;
                    return self.reload(&order.id).await;
                }
            }
        }
    }

    async fn reload(&self, id: &OrderId) -> Result<Order, Error> {
        store::by_id(&self.db, id).await?.ok_or(Error::OrderNotFound)
    }

    /// Brings the order in memory up to date after a transition: applies it when it was made,
    /// or reads the order again when another runner moved it first.
    async fn settle(
        &self,
        order: &mut Order,
        moved: bool,
        to: Step,
        changes: &Changes<'_>,
    ) -> Result<(), StepError> {
        if moved {
            if to == Step::Done
                && let Some(status) = changes.status
            {
                record_outcome(order, status);
            }
            changes.apply_to(order, to);
        } else {
            *order = self.reload(&order.id).await?;
        }
        Ok(())
    }

    /// Moves the order to step `to`: one statement, committed by itself.
    async fn advance(
        &self,
        order: &mut Order,
        to: Step,
        changes: Changes<'_>,
    ) -> Result<(), StepError> {
        let moved = store::transition(
            &mut *self.db.writer().await?,
            &order.id,
            order.step,
            to,
            &changes,
            LEASE_MS,
        )
        .await?;
        self.db.durable().await?;
        self.settle(order, moved, to, &changes).await
    }

    async fn reserve(&self, order: &mut Order) -> Result<(), StepError> {
        let request = inventory_pb::ReserveRequest {
            reservation_id: order.id.to_string(),
            lines: order
                .lines
                .iter()
                .map(|line| inventory_pb::ReservationLine {
                    product_id: line.product_id.to_string(),
                    quantity: line.quantity,
                })
                .collect(),
            ttl_ms: RESERVATION_TTL_MS,
        };
        let reservation = match self.upstream.inventory.clone().reserve(request).await {
            Ok(response) => response.into_inner().reservation.unwrap_or_default(),
            Err(status) if status.code() == Code::InvalidArgument => {
                return self.end(order, Status::Rejected, "These items cannot be ordered.").await;
            }
            Err(status) => return Err(upstream_error("reserving stock", &status)),
        };
        match reservation.state() {
            ReservationState::Held | ReservationState::Committed => {
                self.advance(order, Step::Reserved, Changes::default()).await
            }
            ReservationState::Rejected => {
                let names: Vec<String> = order
                    .lines
                    .iter()
                    .filter(|line| {
                        reservation.short_product_ids.contains(&line.product_id.to_string())
                    })
                    .map(|line| line.name.clone())
                    .collect();
                self.end(order, Status::Rejected, &out_of_stock_reason(&names)).await
            }
            // Released before it was ever held: a compensation already wound this order back.
            _ => {
                self.end(order, Status::Cancelled, "We could not complete your order in time.")
                    .await
            }
        }
    }

    async fn charge(&self, order: &mut Order) -> Result<(), StepError> {
        let request = payment_pb::ChargeRequest {
            idempotency_key: order.id.to_string(),
            payment_method_id: order.payment_method_id.clone(),
            amount: Some(money(order.total)),
            order_id: order.id.to_string(),
            receipt_email: order.email.clone(),
        };
        let payment = match self.upstream.payment.clone().charge(request).await {
            Ok(response) => response.into_inner().payment.unwrap_or_default(),
            Err(status) if !is_transient(&status) => {
                self.release(order).await?;
                return self
                    .end(order, Status::PaymentFailed, "Your payment could not be processed.")
                    .await;
            }
            Err(status) => return Err(upstream_error("charging the card", &status)),
        };
        match payment.status() {
            PaymentStatus::Captured => {
                self.advance(
                    order,
                    Step::Charged,
                    Changes { payment_id: Some(&payment.id), ..Changes::default() },
                )
                .await
            }
            _ => {
                self.release(order).await?;
                let reason = match payment.decline_code.as_str() {
                    "insufficient_funds" => {
                        "Your card was declined: insufficient funds. You were not charged."
                    }
                    _ => "Your card was declined. You were not charged.",
                };
                self.end(order, Status::PaymentFailed, reason).await
            }
        }
    }

    /// Step 5 of design §6: commits the reservation, creates the shipment and confirms the order.
    /// Both calls are idempotent by the order id, so only the confirmation is persisted: a runner
    /// stopped half-way runs the whole step again. (Orders stored at the intermediate steps
    /// `committed` and `shipped` by earlier versions resume here too.)
    async fn fulfil(&self, order: &mut Order) -> Result<(), StepError> {
        let request =
            inventory_pb::CommitReservationRequest { reservation_id: order.id.to_string() };
        match self.upstream.inventory.clone().commit_reservation(request).await {
            Ok(_) => {}
            Err(status) if status.code() == Code::FailedPrecondition => {
                return self
                    .compensate(
                        order,
                        "The items were no longer held for you; your payment was refunded.",
                        "The items were no longer held for you; you were not charged.",
                    )
                    .await;
            }
            Err(status) => return Err(upstream_error("committing the reservation", &status)),
        }
        let request = shipping_pb::CreateShipmentRequest {
            order_id: order.id.to_string(),
            option: if order.shipping_option == "express" {
                shipping_pb::ShippingOption::Express
            } else {
                shipping_pb::ShippingOption::Standard
            }
            .into(),
            address: Some(common::Address::from(&order.address)),
            item_count: order.item_count(),
            recipient_email: order.email.clone(),
        };
        let tracking = match self.upstream.shipping.clone().create_shipment(request).await {
            Ok(response) => response
                .into_inner()
                .shipment
                .map(|shipment| shipment.tracking_number)
                .unwrap_or_default(),
            Err(status) if !is_transient(&status) => {
                return self
                    .compensate(
                        order,
                        "We could not ship to this address; your payment was refunded.",
                        "We could not ship to this address; you were not charged.",
                    )
                    .await;
            }
            Err(status) => return Err(upstream_error("creating the shipment", &status)),
        };
        self.confirm(order, Some(&tracking)).await
    }

    /// Confirms an order whose parcel has already left: nothing is left to undo.
    async fn confirm_shipped(&self, order: &mut Order) -> Result<(), StepError> {
        let request = shipping_pb::GetShipmentRequest { order_id: order.id.to_string() };
        let shipment = self
            .upstream
            .shipping
            .clone()
            .get_shipment(request)
            .await
            .map_err(|status| upstream_error("reading the shipment", &status))?
            .into_inner()
            .shipment
            .unwrap_or_default();
        self.confirm(order, Some(&shipment.tracking_number)).await
    }

    /// Confirms the order (with the shipment's tracking number, when just created) and announces
    /// it, in one transaction.
    async fn confirm(&self, order: &mut Order, tracking: Option<&str>) -> Result<(), StepError> {
        if let Some(tracking) = tracking {
            tracking.clone_into(&mut order.tracking_number);
        }
        let mut tx = self.db.begin().await?;
        let changes = Changes {
            status: Some(Status::Confirmed),
            tracking_number: tracking,
            ..Changes::default()
        };
        let moved =
            store::transition(&mut *tx, &order.id, order.step, Step::Done, &changes, LEASE_MS)
                .await?;
        if moved {
            self.publisher.emit(&mut tx, order.id.as_str(), &confirmed_event(order)).await?;
        }
        tx.commit().await?;
        self.publisher.wake();
        self.settle(order, moved, Step::Done, &changes).await?;
        tracing::info!(order_id = %order.id, total = order.total, "order confirmed");
        Ok(())
    }

    /// Ends an order without anything to undo (nothing held, nothing charged).
    async fn end(&self, order: &mut Order, status: Status, reason: &str) -> Result<(), StepError> {
        tracing::info!(order_id = %order.id, status = status.as_str(), reason, "order ended");
        self.advance(
            order,
            Step::Done,
            Changes { status: Some(status), reason: Some(reason), ..Changes::default() },
        )
        .await
    }

    async fn release(&self, order: &Order) -> Result<(), StepError> {
        let request =
            inventory_pb::ReleaseReservationRequest { reservation_id: order.id.to_string() };
        self.upstream
            .inventory
            .clone()
            .release_reservation(request)
            .await
            .map(|_| ())
            .map_err(|status| upstream_error("releasing the reservation", &status))
    }

    /// Refunds the order's payment if one was captured (found by the order id, so a charge whose
    /// answer was lost in a crash is found too). Returns whether money went back.
    async fn refund(&self, order: &Order, reason: &str) -> Result<bool, StepError> {
        let request = payment_pb::GetPaymentRequest {
            key: Some(payment_pb::get_payment_request::Key::IdempotencyKey(order.id.to_string())),
        };
        let payment = match self.upstream.payment.clone().get_payment(request).await {
            Ok(response) => response.into_inner().payment.unwrap_or_default(),
            Err(status) if status.code() == Code::NotFound => return Ok(false),
            Err(status) => return Err(upstream_error("looking up the payment", &status)),
        };
        match payment.status() {
            PaymentStatus::Captured => {
                let request =
                    payment_pb::RefundRequest { payment_id: payment.id, reason: reason.to_owned() };
                self.upstream
                    .payment
                    .clone()
                    .refund(request)
                    .await
                    .map_err(|status| upstream_error("refunding the payment", &status))?;
                Ok(true)
            }
            PaymentStatus::Refunded => Ok(true),
            _ => Ok(false),
        }
    }

    /// Winds an order back: refund (if charged), release the stock, and end it cancelled, with
    /// the reason that fits whether money went back.
    async fn compensate(
        &self,
        order: &mut Order,
        if_refunded: &str,
        if_not_charged: &str,
    ) -> Result<(), StepError> {
        // A runner stopped after creating the shipment: call it off, unless it has left.
        if order.step.may_have_shipped() && !self.call_off_shipment(order).await? {
            return self.confirm_shipped(order).await;
        }
        let refunded = if order.step.may_have_charged() {
            self.refund(order, if_refunded).await?
        } else {
            false
        };
        self.release(order).await?;
        let reason = if refunded { if_refunded } else { if_not_charged };
        self.finish_cancelled(order, order.step, reason, refunded).await?;
        tracing::warn!(order_id = %order.id, refunded, reason, "order compensated");
        Ok(())
    }

    /// Ends an order cancelled from step `from` and announces it, in one transaction.
    async fn finish_cancelled(
        &self,
        order: &mut Order,
        from: Step,
        reason: &str,
        refunded: bool,
    ) -> Result<(), StepError> {
        let mut tx = self.db.begin().await?;
        let changes =
            Changes { status: Some(Status::Cancelled), reason: Some(reason), ..Changes::default() };
        let moved =
            store::transition(&mut *tx, &order.id, from, Step::Done, &changes, LEASE_MS).await?;
        if moved {
            self.publisher
                .emit(&mut tx, order.id.as_str(), &cancelled_event(order, reason, refunded))
                .await?;
        }
        tx.commit().await?;
        self.publisher.wake();
        self.settle(order, moved, Step::Done, &changes).await
    }

    /// Cancels the order's shipment, if there is one. Returns `false` when the parcel has already
    /// left and can no longer be called off.
    async fn call_off_shipment(&self, order: &Order) -> Result<bool, StepError> {
        let request = shipping_pb::CancelShipmentRequest { order_id: order.id.to_string() };
        match self.upstream.shipping.clone().cancel_shipment(request).await {
            Ok(_) => Ok(true),
            Err(status) if status.code() == Code::NotFound => Ok(true),
            Err(status) if status.code() == Code::FailedPrecondition => Ok(false),
            Err(status) => Err(upstream_error("cancelling the shipment", &status)),
        }
    }

    /// Cancels a confirmed order at the customer's request: shipment, refund, release. When the
    /// parcel has already left, the order goes back to `done` and stays as it is.
    async fn cancel_step(&self, order: &mut Order) -> Result<(), StepError> {
        if !self.call_off_shipment(order).await? {
            return self.advance(order, Step::Done, Changes::default()).await;
        }
        let reason = "Cancelled at your request; your payment was refunded.";
        let refunded = self.refund(order, reason).await?;
        self.release(order).await?;
        self.finish_cancelled(order, Step::Cancelling, reason, refunded).await?;
        tracing::info!(order_id = %order.id, "order cancelled");
        Ok(())
    }

    /// Starts cancelling a confirmed order and drives it.
    ///
    /// # Errors
    /// [`Error::NotCancellable`] when it is not confirmed or its parcel has left.
    pub async fn cancel(&self, order: &Order) -> Result<Order, Error> {
        if order.status == Status::Cancelled {
            return Ok(order.clone());
        }
        if !order.cancellable() {
            let message = match order.status {
                Status::Pending => "the order is still being placed",
                Status::Shipped | Status::Delivered => "the order has already shipped",
                _ => "the order cannot be cancelled",
            };
            return Err(Error::NotCancellable(message.to_owned()));
        }
        let started = store::transition(
            &mut *self.db.writer().await?,
            &order.id,
            Step::Done,
            Step::Cancelling,
            &Changes::default(),
            LEASE_MS,
        )
        .await?;
        self.db.durable().await?;
        if !started {
            // Someone else changed it meanwhile: report its state now.
            let order = self.reload(&order.id).await?;
            return if order.status == Status::Cancelled {
                Ok(order)
            } else {
                Err(Error::NotCancellable("the order changed; try again".to_owned()))
            };
        }
        let mut cancelling = order.clone();
        Changes::default().apply_to(&mut cancelling, Step::Cancelling);
        let order = self.run(cancelling).await?;
        match order.status {
            Status::Cancelled => Ok(order),
            _ if order.step == Step::Cancelling => Ok(order),
            _ => Err(Error::NotCancellable("the order has already shipped".to_owned())),
        }
    }

    /// Resumes every order left pending or cancelling (after a crash, or a step that failed for
    /// now), at start and then every second, until `shutdown`.
    pub async fn recover(self, shutdown: CancellationToken) {
        loop {
            match store::due(&self.db, bazaar_types::now_ms(), 50).await {
                Ok(ids) => {
                    for id in ids {
                        match store::claim(&self.db, &id, bazaar_types::now_ms(), LEASE_MS).await {
                            Ok(true) => {
                                if let Err(error) = self.drive(&id).await {
                                    tracing::error!(order_id = %id, error = %error, "recovering order failed");
                                }
                                let _ = store::release_lease(&self.db, &id).await;
                            }
                            Ok(false) => {}
                            Err(error) => {
                                tracing::warn!(order_id = %id, error = format!("{error:#}"), "claiming order failed");
                            }
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "listing orders to recover failed"
                    );
                }
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                () = shutdown.cancelled() => return,
            }
        }
    }
}

/// Counts an order that reached a terminal state (`saga_outcomes_total{outcome}`) and the time
/// from its placement (`saga_duration_seconds{outcome}`). Called with the order still at the step
/// it left, so a cancellation the customer asked for is told apart from a compensation.
fn record_outcome(order: &Order, status: Status) {
    let outcome =
        if order.step == Step::Cancelling { "cancelled_by_customer" } else { status.as_str() };
    metrics::counter!("saga_outcomes_total", "outcome" => outcome).increment(1);
    let elapsed_ms = bazaar_types::now_ms().saturating_sub(order.created_at_ms).max(0);
    metrics::histogram!("saga_duration_seconds", "outcome" => outcome)
        .record(elapsed_ms as f64 / 1000.0);
}

fn confirmed_event(order: &Order) -> OrderConfirmed {
    OrderConfirmed {
        order_id: order.id.to_string(),
        user_id: order.user_id.to_string(),
        email: order.email.clone(),
        customer_name: order.customer_name.clone(),
        lines: order
            .lines
            .iter()
            .map(|line| event_pb::OrderLine {
                product_id: line.product_id.to_string(),
                name: line.name.clone(),
                quantity: line.quantity,
                unit_price: Some(money(line.unit_price)),
                line_total: Some(money(line.line_total)),
            })
            .collect(),
        items_total: Some(money(order.items_total)),
        shipping_total: Some(money(order.shipping_total)),
        total: Some(money(order.total)),
        shipping_option: order.shipping_option.clone(),
        address: Some(common::Address::from(&order.address)),
        tracking_number: order.tracking_number.clone(),
    }
}

fn cancelled_event(order: &Order, reason: &str, refunded: bool) -> OrderCancelled {
    OrderCancelled {
        order_id: order.id.to_string(),
        user_id: order.user_id.to_string(),
        email: order.email.clone(),
        customer_name: order.customer_name.clone(),
        reason: reason.to_owned(),
        total: Some(money(order.total)),
        refunded,
    }
}
