//! Payment's RPC handlers.

use bazaar_contracts::{
    common, convert,
    events::{PaymentCaptured, PaymentRefunded},
    payment::{self as pb, payment_service_server::PaymentService},
};
use bazaar_platform::{auth::TokenVerifier, db::Db, events::Publisher};
use bazaar_types::{Currency, FieldErrors, Money, PaymentId};
use tonic::{Request, Response, Status};

use crate::{
    domain::{CardInput, Outcome, check_card},
    error::Error,
    store::{self, Payment},
};

/// Largest single charge (a sanity bound: ten million dollars).
const MAX_AMOUNT_MINOR: i64 = 1_000_000_000;

/// The `PaymentService` implementation.
#[derive(Debug, Clone)]
pub struct PaymentGrpc {
    db: Db,
    verifier: TokenVerifier,
    publisher: Publisher,
}

impl PaymentGrpc {
    /// Builds the handlers.
    pub fn new(db: Db, verifier: TokenVerifier, publisher: Publisher) -> Self {
        Self { db, verifier, publisher }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> Status {
    bazaar_platform::grpc::invalid_argument(&FieldErrors::single(field, message))
}

fn today() -> (u32, u32) {
    let now = time::OffsetDateTime::now_utc();
    (u32::try_from(now.year()).unwrap_or(2026), u32::from(u8::from(now.month())))
}

fn to_proto(payment: &Payment) -> pb::Payment {
    pb::Payment {
        id: payment.id.clone(),
        idempotency_key: payment.idempotency_key.clone(),
        order_id: payment.order_id.clone(),
        status: match payment.status.as_str() {
            "captured" => pb::PaymentStatus::Captured,
            "declined" => pb::PaymentStatus::Declined,
            "refunded" => pb::PaymentStatus::Refunded,
            _ => pb::PaymentStatus::Unspecified,
        }
        .into(),
        amount: Some(common::Money {
            amount_minor: payment.amount_minor,
            currency: payment.currency.clone(),
        }),
        brand: payment.brand.clone(),
        last4: payment.last4.clone(),
        decline_code: payment.decline_code.clone(),
        created_at_ms: payment.created_at,
        refunded_at_ms: payment.refunded_at.unwrap_or(0),
    }
}

impl PaymentGrpc {
    /// Stores a final outcome for a key, or returns the outcome stored first by a racing call.
    async fn record(&self, payment: Payment) -> Result<Payment, Error> {
        let mut tx = self.db.begin().await?;
        if let Err(error) = store::insert_payment(&mut tx, &payment).await {
            if bazaar_platform::db::is_unique_violation(&error) {
                tx.rollback().await?;
                let mut connection = self.db.reader().await?;
                return store::payment_by_key(&mut connection, &payment.idempotency_key)
                    .await?
                    .ok_or(Error::PaymentNotFound);
            }
            return Err(error.into());
        }
        if payment.status == "captured" {
            let event = PaymentCaptured {
                payment_id: payment.id.clone(),
                order_id: payment.order_id.clone(),
                amount: Some(common::Money {
                    amount_minor: payment.amount_minor,
                    currency: payment.currency.clone(),
                }),
                brand: payment.brand.clone(),
                last4: payment.last4.clone(),
            };
            self.publisher.emit(&mut tx, &payment.order_id, &event).await?;
        }
        tx.commit().await?;
        self.publisher.wake();
        Ok(payment)
    }
}

#[tonic::async_trait]
impl PaymentService for PaymentGrpc {
    async fn create_payment_method(
        &self,
        request: Request<pb::CreatePaymentMethodRequest>,
    ) -> Result<Response<pb::CreatePaymentMethodResponse>, Status> {
        let card = request.into_inner().card.ok_or_else(|| invalid("card", "is required"))?;
        let input = CardInput {
            number: &card.number,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            cvc: &card.cvc,
        };
        let checked = check_card(&input, today()).map_err(Error::from)?;
        let method = store::insert_method(&self.db, &checked, PaymentId::generate().as_str())
            .await
            .map_err(Error::from)?;
        Ok(Response::new(pb::CreatePaymentMethodResponse {
            payment_method: Some(pb::PaymentMethod {
                id: method.id,
                brand: method.brand,
                last4: method.last4,
                exp_month: checked.exp_month,
                exp_year: checked.exp_year,
            }),
        }))
    }

    async fn charge(
        &self,
        request: Request<pb::ChargeRequest>,
    ) -> Result<Response<pb::ChargeResponse>, Status> {
        let request = request.into_inner();
        let key = request.idempotency_key.trim();
        if key.is_empty() || key.len() > 100 {
            return Err(invalid("idempotency_key", "must be 1 to 100 characters"));
        }
        let amount = request
            .amount
            .as_ref()
            .and_then(|amount| Money::try_from(amount).ok())
            .filter(|amount| {
                amount.currency() == Currency::USD
                    && (1..=MAX_AMOUNT_MINOR).contains(&amount.amount_minor())
            })
            .ok_or_else(|| invalid("amount", "must be a positive amount in USD"))?;
        let (method, outcome) = store::method(&self.db, &request.payment_method_id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::MethodNotFound)?;
        if outcome == Outcome::ProcessingErrorOnce
            && store::failed_attempts(&self.db, key).await.map_err(Error::from)? == 0
        {
            store::record_failed_attempt(&self.db, key).await.map_err(Error::from)?;
            tracing::info!(idempotency_key = key, "simulated processing error");
            return Err(Error::ProcessingError.into());
        }
        let (status, decline_code) = match outcome {
            Outcome::Approve | Outcome::ProcessingErrorOnce => ("captured", ""),
            Outcome::Decline => ("declined", "card_declined"),
            Outcome::InsufficientFunds => ("declined", "insufficient_funds"),
        };
        let payment = Payment {
            id: PaymentId::generate().into_string(),
            idempotency_key: key.to_owned(),
            order_id: request.order_id,
            payment_method_id: method.id,
            status: status.to_owned(),
            amount_minor: amount.amount_minor(),
            currency: amount.currency().as_str().to_owned(),
            brand: method.brand,
            last4: method.last4,
            decline_code: decline_code.to_owned(),
            receipt_email: request.receipt_email,
            created_at: bazaar_types::now_ms(),
            refunded_at: None,
        };
        // A key charged before conflicts on insert, and `record` answers with the stored outcome:
        // same key, same result, never a second charge.
        let payment = self.record(payment).await?;
        tracing::info!(payment_id = %payment.id, status = %payment.status, "charge");
        Ok(Response::new(pb::ChargeResponse { payment: Some(to_proto(&payment)) }))
    }

    async fn refund(
        &self,
        request: Request<pb::RefundRequest>,
    ) -> Result<Response<pb::RefundResponse>, Status> {
        let request = request.into_inner();
        let now = bazaar_types::now_ms();
        let mut tx = self.db.begin().await.map_err(Error::from)?;
        let mut payment = store::payment_by_id(&mut tx, &request.payment_id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::PaymentNotFound)?;
        match payment.status.as_str() {
            "refunded" => {
                return Ok(Response::new(pb::RefundResponse { payment: Some(to_proto(&payment)) }));
            }
            "captured" => {}
            other => return Err(Error::NotRefundable(other.to_owned()).into()),
        }
        store::mark_refunded(&mut tx, &payment.id, &request.reason, now)
            .await
            .map_err(Error::from)?;
        payment.status = "refunded".to_owned();
        payment.refunded_at = Some(now);
        let event = PaymentRefunded {
            payment_id: payment.id.clone(),
            order_id: payment.order_id.clone(),
            amount: Some(common::Money {
                amount_minor: payment.amount_minor,
                currency: payment.currency.clone(),
            }),
            brand: payment.brand.clone(),
            last4: payment.last4.clone(),
            receipt_email: payment.receipt_email.clone(),
        };
        self.publisher.emit(&mut tx, &payment.order_id, &event).await.map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        self.publisher.wake();
        tracing::info!(payment_id = %payment.id, "refunded");
        Ok(Response::new(pb::RefundResponse { payment: Some(to_proto(&payment)) }))
    }

    async fn get_payment(
        &self,
        request: Request<pb::GetPaymentRequest>,
    ) -> Result<Response<pb::GetPaymentResponse>, Status> {
        let mut connection = self.db.reader().await.map_err(Error::from)?;
        let payment = match request.into_inner().key {
            Some(pb::get_payment_request::Key::PaymentId(id)) => {
                store::payment_by_id(&mut connection, &id).await
            }
            Some(pb::get_payment_request::Key::IdempotencyKey(key)) => {
                store::payment_by_key(&mut connection, &key).await
            }
            None => return Err(invalid("key", "a payment id or an idempotency key is required")),
        }
        .map_err(Error::from)?
        .ok_or(Error::PaymentNotFound)?;
        Ok(Response::new(pb::GetPaymentResponse { payment: Some(to_proto(&payment)) }))
    }

    async fn list_payments(
        &self,
        request: Request<pb::ListPaymentsRequest>,
    ) -> Result<Response<pb::ListPaymentsResponse>, Status> {
        self.verifier.require_admin(&request).await?;
        let page = convert::page(request.get_ref().page.as_ref())
            .map_err(|error| invalid("page", error.to_string()))?;
        let (payments, total) = store::list(&self.db, page).await.map_err(Error::from)?;
        Ok(Response::new(pb::ListPaymentsResponse {
            payments: payments.iter().map(to_proto).collect(),
            page: Some(page.info(total).into()),
        }))
    }
}
