use std::time::Duration;

use bazaar_contracts::{
    common::Money,
    events::{
        DeliverRequest, OrderCancelled, OrderConfirmed, PaymentRefunded, ShipmentDispatched,
        UserRegistered, event_sink_service_client::EventSinkServiceClient,
    },
    notification::{self as pb, notification_service_client::NotificationServiceClient},
};
use bazaar_platform::shutdown::CancellationToken;
use bazaar_testkit::TestDb;
use clap::Parser as _;
use tokio_util::sync::DropGuard;
use tonic::transport::Channel;

struct TestApp {
    client: NotificationServiceClient<Channel>,
    sink: EventSinkServiceClient<Channel>,
    _stop: DropGuard,
}

async fn spawn_app(db: &TestDb, smtp_url: Option<&str>) -> TestApp {
    let mut args = vec![
        "bazaar-notification".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--database-url={}", db.url()),
    ];
    if let Some(url) = smtp_url {
        args.push(format!("--smtp-url={url}"));
    }
    let config = bazaar_notification::Config::try_parse_from(args).unwrap();
    let stop = CancellationToken::new();
    let app = bazaar_notification::Application::build(config, stop.clone()).await.unwrap();
    let url = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        client: NotificationServiceClient::connect(url.clone()).await.unwrap(),
        sink: EventSinkServiceClient::connect(url).await.unwrap(),
        _stop: stop.drop_guard(),
    }
}

fn usd(cents: i64) -> Option<Money> {
    Some(Money { amount_minor: cents, currency: "USD".into() })
}

impl TestApp {
    async fn deliver<E: bazaar_contracts::Event>(&mut self, event: &E) -> String {
        let envelope = bazaar_platform::events::envelope("subject", event);
        self.sink.deliver(DeliverRequest { event: Some(envelope.clone()) }).await.unwrap();
        envelope.id
    }

    async fn inbox(&mut self, recipient: &str) -> Vec<pb::EmailMessage> {
        self.client
            .list_messages(pb::ListMessagesRequest { page: None, recipient: recipient.into() })
            .await
            .unwrap()
            .into_inner()
            .messages
    }
}

async fn every_event_writes_one_message(db: TestDb) {
    let mut app = spawn_app(&db, None).await;
    let email = "ada@example.com";
    app.deliver(&UserRegistered { user_id: "u".into(), email: email.into(), name: "Ada".into() })
        .await;
    app.deliver(&OrderConfirmed {
        order_id: "0190a5c4-0e2b-7c3d-8e4f-5a6b7c8d9e0f".into(),
        email: email.into(),
        customer_name: "Ada".into(),
        total: usd(1_000),
        ..Default::default()
    })
    .await;
    app.deliver(&ShipmentDispatched {
        order_id: "0190a5c4-0e2b-7c3d-8e4f-5a6b7c8d9e0f".into(),
        tracking_number: "BZ1".into(),
        recipient_email: email.into(),
        recipient_name: "Ada".into(),
        option: "standard".into(),
        ..Default::default()
    })
    .await;
    app.deliver(&OrderCancelled {
        order_id: "x".into(),
        email: email.into(),
        refunded: true,
        total: usd(1_000),
        ..Default::default()
    })
    .await;
    app.deliver(&PaymentRefunded {
        order_id: "x".into(),
        receipt_email: email.into(),
        amount: usd(1_000),
        ..Default::default()
    })
    .await;
    let kinds: Vec<String> =
        app.inbox(email).await.into_iter().map(|message| message.kind).collect();
    assert_eq!(kinds.len(), 5);
    for kind in [
        "user_registered",
        "order_confirmed",
        "shipment_dispatched",
        "order_cancelled",
        "payment_refunded",
    ] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} in {kinds:?}");
    }
    assert!(app.inbox("someone-else@example.com").await.is_empty());
}

async fn a_redelivered_event_sends_nothing_more(db: TestDb) {
    let mut app = spawn_app(&db, None).await;
    let envelope = bazaar_platform::events::envelope(
        "u",
        &UserRegistered { user_id: "u".into(), email: "bo@example.com".into(), name: "Bo".into() },
    );
    for _ in 0..3 {
        app.sink.deliver(DeliverRequest { event: Some(envelope.clone()) }).await.unwrap();
    }
    assert_eq!(app.inbox("bo@example.com").await.len(), 1);
}

async fn with_smtp_messages_are_delivered_over_smtp(db: TestDb) {
    let (url, mut received) = crate::smtp::spawn().await;
    let mut app = spawn_app(&db, Some(&url)).await;
    app.deliver(&UserRegistered {
        user_id: "u".into(),
        email: "cy@example.com".into(),
        name: "Cy".into(),
    })
    .await;
    let message =
        tokio::time::timeout(Duration::from_secs(10), received.recv()).await.unwrap().unwrap();
    assert!(message.contains("Subject: Welcome to Bazaar"), "{message}");
    assert!(message.contains("To: cy@example.com"), "{message}");
    let stored = app.inbox("cy@example.com").await;
    assert_eq!(stored[0].transport, "smtp");
}

bazaar_testkit::backend_tests!(
    every_event_writes_one_message,
    a_redelivered_event_sends_nothing_more,
    with_smtp_messages_are_delivered_over_smtp,
);
