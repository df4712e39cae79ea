use bazaar_contracts::{
    common::Money,
    payment::{self as pb, PaymentStatus, payment_service_client::PaymentServiceClient},
};
use bazaar_platform::shutdown::CancellationToken;
use bazaar_testkit::{FakeIdentity, TestDb};
use clap::Parser as _;
use tokio_util::sync::DropGuard;
use tonic::{Code, transport::Channel};

struct TestApp {
    client: PaymentServiceClient<Channel>,
    db: TestDb,
    _identity: FakeIdentity,
    _stop: DropGuard,
}

async fn spawn_app(db: TestDb) -> TestApp {
    let identity = FakeIdentity::spawn().await;
    let config = bazaar_payment::Config::try_parse_from([
        "bazaar-payment".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--database-url={}", db.url()),
        format!("--identity-url={}", identity.url()),
    ])
    .unwrap();
    let stop = CancellationToken::new();
    let app = bazaar_payment::Application::build(config, stop.clone()).await.unwrap();
    let url = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        client: PaymentServiceClient::connect(url).await.unwrap(),
        db,
        _identity: identity,
        _stop: stop.drop_guard(),
    }
}

fn card(number: &str) -> pb::Card {
    pb::Card { number: number.into(), exp_month: 12, exp_year: 2031, cvc: "123".into() }
}

impl TestApp {
    async fn method(&mut self, number: &str) -> String {
        self.client
            .create_payment_method(pb::CreatePaymentMethodRequest { card: Some(card(number)) })
            .await
            .unwrap()
            .into_inner()
            .payment_method
            .unwrap()
            .id
    }

    async fn charge(&mut self, key: &str, method: &str) -> Result<pb::Payment, tonic::Status> {
        self.client
            .charge(pb::ChargeRequest {
                idempotency_key: key.into(),
                payment_method_id: method.into(),
                amount: Some(Money { amount_minor: 4_999, currency: "USD".into() }),
                order_id: key.into(),
                receipt_email: "ada@example.com".into(),
            })
            .await
            .map(|response| response.into_inner().payment.unwrap())
    }
}

fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn cards_are_checked_and_never_stored(db: TestDb) {
    let mut app = spawn_app(db).await;
    let status = app
        .client
        .create_payment_method(pb::CreatePaymentMethodRequest {
            card: Some(pb::Card {
                number: "4242 4242 4242 4241".into(),
                exp_month: 13,
                exp_year: 2020,
                cvc: "1".into(),
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let fields = bazaar_platform::grpc::field_errors(&status);
    for field in ["card.number", "card.exp_month", "card.cvc"] {
        assert!(fields.message_for(field).is_some(), "{field}: {fields}");
    }
    let method = app
        .client
        .create_payment_method(pb::CreatePaymentMethodRequest {
            card: Some(card("4242 4242 4242 4242")),
        })
        .await
        .unwrap()
        .into_inner()
        .payment_method
        .unwrap();
    assert_eq!((method.brand.as_str(), method.last4.as_str()), ("visa", "4242"));
    let pool = sqlx::AnyPool::connect(app.db.url()).await.unwrap();
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT brand, last4 FROM payment_methods").fetch_all(&pool).await.unwrap();
    assert_eq!(stored, vec![("visa".to_owned(), "4242".to_owned())]);
}

async fn the_same_key_never_charges_twice(db: TestDb) {
    let mut app = spawn_app(db).await;
    let method = app.method("4242424242424242").await;
    let key = key();
    let attempts = (0..8).map(|_| {
        let mut app_client = app.client.clone();
        let (key, method) = (key.clone(), method.clone());
        tokio::spawn(async move {
            app_client
                .charge(pb::ChargeRequest {
                    idempotency_key: key.clone(),
                    payment_method_id: method,
                    amount: Some(Money { amount_minor: 4_999, currency: "USD".into() }),
                    order_id: key,
                    receipt_email: String::new(),
                })
                .await
                .unwrap()
                .into_inner()
                .payment
                .unwrap()
        })
    });
    let payments: Vec<pb::Payment> =
        futures::future::join_all(attempts).await.into_iter().map(Result::unwrap).collect();
    assert!(
        payments
            .iter()
            .all(|payment| payment.id == payments[0].id
                && payment.status() == PaymentStatus::Captured)
    );
    let pool = sqlx::AnyPool::connect(app.db.url()).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM payments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
    let events: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE event_type = 'bazaar.payment.payment_captured.v1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(events, 1);
}

async fn declines_are_final_outcomes(db: TestDb) {
    let mut app = spawn_app(db).await;
    for (number, code) in
        [("4000000000000002", "card_declined"), ("4000000000009995", "insufficient_funds")]
    {
        let method = app.method(number).await;
        let key = key();
        let payment = app.charge(&key, &method).await.unwrap();
        assert_eq!(payment.status(), PaymentStatus::Declined);
        assert_eq!(payment.decline_code, code);
        assert_eq!(
            app.charge(&key, &method).await.unwrap().id,
            payment.id,
            "the same answer again"
        );
    }
}

async fn a_processing_error_is_retryable(db: TestDb) {
    let mut app = spawn_app(db).await;
    let method = app.method("4000000000000119").await;
    let key = key();
    let status = app.charge(&key, &method).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    let payment = app.charge(&key, &method).await.unwrap();
    assert_eq!(payment.status(), PaymentStatus::Captured);
}

async fn refunds_are_full_and_idempotent(db: TestDb) {
    let mut app = spawn_app(db).await;
    let method = app.method("4242424242424242").await;
    let payment = app.charge(&key(), &method).await.unwrap();
    for _ in 0..2 {
        let refunded = app
            .client
            .refund(pb::RefundRequest {
                payment_id: payment.id.clone(),
                reason: "cancelled".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .payment
            .unwrap();
        assert_eq!(refunded.status(), PaymentStatus::Refunded);
    }
    let declined_method = app.method("4000000000000002").await;
    let declined = app.charge(&key(), &declined_method).await.unwrap();
    let status = app
        .client
        .refund(pb::RefundRequest { payment_id: declined.id, reason: String::new() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    let pool = sqlx::AnyPool::connect(app.db.url()).await.unwrap();
    let events: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE event_type = 'bazaar.payment.payment_refunded.v1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(events, 1);
}

async fn unknown_methods_and_bad_amounts_are_refused(db: TestDb) {
    let mut app = spawn_app(db).await;
    assert_eq!(app.charge(&key(), &key()).await.unwrap_err().code(), Code::NotFound);
    let method = app.method("4242424242424242").await;
    let status = app
        .client
        .charge(pb::ChargeRequest {
            idempotency_key: key(),
            payment_method_id: method,
            amount: Some(Money { amount_minor: -5, currency: "USD".into() }),
            order_id: key(),
            receipt_email: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

bazaar_testkit::backend_tests!(
    cards_are_checked_and_never_stored,
    the_same_key_never_charges_twice,
    declines_are_final_outcomes,
    a_processing_error_is_retryable,
    refunds_are_full_and_idempotent,
    unknown_methods_and_bad_amounts_are_refused,
);
