use std::time::Duration;

use bazaar_contracts::{
    common::{Address, Money},
    shipping::{
        self as pb, ShipmentStatus, ShippingOption, shipping_service_client::ShippingServiceClient,
    },
};
use bazaar_platform::shutdown::CancellationToken;
use bazaar_testkit::TestDb;
use clap::Parser as _;
use tokio_util::sync::DropGuard;
use tonic::{Code, transport::Channel};

struct TestApp {
    client: ShippingServiceClient<Channel>,
    db: TestDb,
    _stop: DropGuard,
}

async fn spawn_app(db: TestDb, clock: &str) -> TestApp {
    let config = bazaar_shipping::Config::try_parse_from([
        "bazaar-shipping".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--database-url={}", db.url()),
        format!("--dispatch-after={clock}"),
        format!("--transit-after={clock}"),
        format!("--deliver-after={clock}"),
    ])
    .unwrap();
    let stop = CancellationToken::new();
    let app = bazaar_shipping::Application::build(config, stop.clone()).await.unwrap();
    let url = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        client: ShippingServiceClient::connect(url).await.unwrap(),
        db,
        _stop: stop.drop_guard(),
    }
}

fn address(country: &str) -> Address {
    Address {
        name: "Ada".into(),
        line1: "1 Main St".into(),
        line2: String::new(),
        city: "Springfield".into(),
        postal_code: "12345".into(),
        country: country.into(),
    }
}

fn create(order_id: &str) -> pb::CreateShipmentRequest {
    pb::CreateShipmentRequest {
        order_id: order_id.into(),
        option: ShippingOption::Express.into(),
        address: Some(address("US")),
        item_count: 2,
        recipient_email: "ada@example.com".into(),
    }
}

async fn quotes_depend_on_zone_items_and_value(db: TestDb) {
    let mut app = spawn_app(db, "1h").await;
    let quote = |country: &str, items: i64, total: i64| pb::QuoteShippingRequest {
        country: country.into(),
        item_count: items,
        items_total: Some(Money { amount_minor: total, currency: "USD".into() }),
    };
    let quotes =
        app.client.quote_shipping(quote("us", 1, 1_000)).await.unwrap().into_inner().quotes;
    assert_eq!(quotes.len(), 2);
    assert_eq!(quotes[0].option(), ShippingOption::Standard);
    assert_eq!(quotes[0].price.as_ref().unwrap().amount_minor, 500);
    assert_eq!(quotes[0].zone, "domestic");
    let free = app.client.quote_shipping(quote("US", 3, 9_000)).await.unwrap().into_inner().quotes;
    assert_eq!(free[0].price.as_ref().unwrap().amount_minor, 0);
    let abroad =
        app.client.quote_shipping(quote("JP", 1, 9_000)).await.unwrap().into_inner().quotes;
    assert_eq!(abroad[1].zone, "world");
    for bad in [quote("XX", 1, 0), quote("US", 0, 0)] {
        assert_eq!(app.client.quote_shipping(bad).await.unwrap_err().code(), Code::InvalidArgument);
    }
}

async fn one_shipment_per_order(db: TestDb) {
    let mut app = spawn_app(db, "1h").await;
    let order = uuid::Uuid::now_v7().to_string();
    let first =
        app.client.create_shipment(create(&order)).await.unwrap().into_inner().shipment.unwrap();
    let again =
        app.client.create_shipment(create(&order)).await.unwrap().into_inner().shipment.unwrap();
    assert_eq!(first, again);
    assert!(first.tracking_number.starts_with("BZ"));
    assert_eq!(first.status(), ShipmentStatus::LabelCreated);
    let mut bad = create(&uuid::Uuid::now_v7().to_string());
    bad.address = Some(Address { city: String::new(), ..address("US") });
    let status = app.client.create_shipment(bad).await.unwrap_err();
    assert_eq!(
        bazaar_platform::grpc::field_errors(&status).message_for("address.city"),
        Some("must not be empty")
    );
}

async fn shipments_cancel_until_dispatched(db: TestDb) {
    let mut app = spawn_app(db, "1h").await;
    let order = uuid::Uuid::now_v7().to_string();
    app.client.create_shipment(create(&order)).await.unwrap();
    for _ in 0..2 {
        let cancelled = app
            .client
            .cancel_shipment(pb::CancelShipmentRequest { order_id: order.clone() })
            .await
            .unwrap();
        assert_eq!(cancelled.into_inner().shipment.unwrap().status(), ShipmentStatus::Cancelled);
    }
    let missing = app
        .client
        .cancel_shipment(pb::CancelShipmentRequest { order_id: uuid::Uuid::now_v7().to_string() })
        .await;
    assert_eq!(missing.unwrap_err().code(), Code::NotFound);
}

async fn the_carrier_moves_parcels_and_announces_each_step(db: TestDb) {
    let mut app = spawn_app(db, "100ms").await;
    let order = uuid::Uuid::now_v7().to_string();
    app.client.create_shipment(create(&order)).await.unwrap();
    let mut delivered = false;
    for _ in 0..60 {
        let shipment = app
            .client
            .get_shipment(pb::GetShipmentRequest { order_id: order.clone() })
            .await
            .unwrap()
            .into_inner()
            .shipment
            .unwrap();
        if shipment.status() == ShipmentStatus::Delivered {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(delivered);
    let status = app
        .client
        .cancel_shipment(pb::CancelShipmentRequest { order_id: order })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    let pool = sqlx::AnyPool::connect(app.db.url()).await.unwrap();
    let events: Vec<String> = sqlx::query_scalar("SELECT event_type FROM outbox ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        events,
        [
            "bazaar.shipping.shipment_dispatched.v1",
            "bazaar.shipping.shipment_in_transit.v1",
            "bazaar.shipping.shipment_delivered.v1"
        ]
    );
}

bazaar_testkit::backend_tests!(
    quotes_depend_on_zone_items_and_value,
    one_shipment_per_order,
    shipments_cancel_until_dispatched,
    the_carrier_moves_parcels_and_announces_each_step,
);
