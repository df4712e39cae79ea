//! Events delivered twice or out of order change things once, and end in the right state.

use bazaar_contracts::events::{
    DeliverRequest, Envelope, OrderConfirmed, ShipmentDelivered, ShipmentDispatched,
    event_sink_service_client::EventSinkServiceClient,
};
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestShop, eventually, spawn_shop, unique_email};

async fn deliver(shop: &TestShop, service: &str, envelope: &Envelope) {
    let mut sink = EventSinkServiceClient::new(shop.channel(service).await);
    sink.deliver(DeliverRequest { event: Some(envelope.clone()) }).await.unwrap();
}

#[tokio::test]
async fn shipping_events_twice_and_out_of_order_end_delivered() {
    let shop = spawn_shop().await;
    let token = shop.sign_up(&unique_email()).await;
    shop.add_to_cart(&token, "kite", 1).await;
    let body = json!({
        "address": {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
        "shipping_option": "express",
        "card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2040, "cvc": "999"}
    });
    let (_, order) = shop.place_order(&token, "events-1", body).await;
    assert_eq!(order["status"], "confirmed", "{order}");
    let id = order["id"].as_str().unwrap();
    let tracking = order["tracking_number"].as_str().unwrap();

    // Delivered arrives before dispatched, and each arrives twice.
    let delivered = bazaar_platform::events::envelope(
        id,
        &ShipmentDelivered {
            order_id: id.to_owned(),
            tracking_number: tracking.to_owned(),
            ..ShipmentDelivered::default()
        },
    );
    let dispatched = bazaar_platform::events::envelope(
        id,
        &ShipmentDispatched {
            order_id: id.to_owned(),
            tracking_number: tracking.to_owned(),
            ..ShipmentDispatched::default()
        },
    );
    for envelope in [&delivered, &delivered, &dispatched, &dispatched] {
        deliver(&shop, "orders", envelope).await;
    }
    let (_, now) =
        shop.call(Method::GET, &format!("/api/v1/orders/{id}"), Some(&token), None).await;
    assert_eq!(now["status"], "delivered", "delivered never goes back to shipped");
}

#[tokio::test]
async fn a_duplicated_confirmation_sends_one_email() {
    let shop = spawn_shop().await;
    let email = unique_email();
    let confirmed = bazaar_platform::events::envelope(
        "0190a0b0-0000-7000-8000-000000000001",
        &OrderConfirmed {
            order_id: "0190a0b0-0000-7000-8000-000000000001".to_owned(),
            email: email.clone(),
            customer_name: "Ada Lovelace".to_owned(),
            ..OrderConfirmed::default()
        },
    );
    for _ in 0..3 {
        deliver(&shop, "notification", &confirmed).await;
    }
    // The same event through another path (a redelivery after a lost acknowledgement).
    let mut redelivered = confirmed.clone();
    redelivered.traceparent.clear();
    deliver(&shop, "notification", &redelivered).await;
    let subjects = eventually(10, "the e-mail", || async {
        let subjects = shop.mail_subjects(&email).await;
        (!subjects.is_empty()).then_some(subjects)
    })
    .await;
    assert_eq!(subjects.len(), 1, "{subjects:?}");
}
