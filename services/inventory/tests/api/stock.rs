use bazaar_contracts::{
    Event as _,
    events::{
        self, DeliverRequest, ProductChange, ProductChanged,
        event_sink_service_client::EventSinkServiceClient,
    },
    inventory as pb,
};
use bazaar_testkit::TestDb;
use tonic::Code;

use crate::helpers::{new_id, spawn_app, spawn_app_with, with_token};

async fn the_seed_gives_every_demo_product_stock(db: TestDb) {
    let mut app = spawn_app_with(db, true).await;
    let products = bazaar_seed::products();
    let ids: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
    let levels = app
        .client
        .get_stock(pb::GetStockRequest { product_ids: ids })
        .await
        .unwrap()
        .into_inner()
        .levels;
    assert_eq!(levels.len(), products.len());
    for (level, product) in levels.iter().zip(&products) {
        assert_eq!(level.on_hand, product.stock);
        assert_eq!(level.available, product.stock);
    }
}

async fn unknown_products_have_no_stock(db: TestDb) {
    let mut app = spawn_app(db).await;
    let level = app.level(&new_id()).await;
    assert_eq!((level.on_hand, level.reserved, level.available), (0, 0, 0));
    let status = app
        .client
        .get_stock(pb::GetStockRequest { product_ids: vec!["nope".into()] })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

async fn only_admins_set_stock(db: TestDb) {
    let mut app = spawn_app(db).await;
    let product = new_id();
    let request = pb::SetStockRequest { product_id: product.clone(), on_hand: 10 };
    assert_eq!(
        app.client.set_stock(request.clone()).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    let (_, customer) = app.identity.user(bazaar_platform::auth::Role::Customer);
    assert_eq!(
        app.client.set_stock(with_token(request, &customer)).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    assert_eq!(app.set_stock(&product, 10).await.available, 10);
    let admin = app.admin();
    let status = app
        .client
        .set_stock(with_token(pb::SetStockRequest { product_id: product, on_hand: -1 }, &admin))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
}

async fn stock_cannot_drop_below_what_is_reserved(db: TestDb) {
    let mut app = spawn_app(db).await;
    let product = new_id();
    app.set_stock(&product, 10).await;
    app.reserve(&new_id(), &[(&product, 6)], 60_000).await.unwrap();
    let admin = app.admin();
    let status = app
        .client
        .set_stock(with_token(
            pb::SetStockRequest { product_id: product.clone(), on_hand: 5 },
            &admin,
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("6 units reserved"));
    assert_eq!(app.set_stock(&product, 6).await.available, 0);
}

async fn new_products_get_a_stock_row_from_events(db: TestDb) {
    let mut app = spawn_app(db).await;
    let product = new_id();
    let payload = ProductChanged {
        product_id: product.clone(),
        change: ProductChange::Created.into(),
        slug: "lamp".into(),
        name: "Lamp".into(),
        category: "home".into(),
        price: None,
    };
    let envelope = bazaar_platform::events::envelope(&product, &payload);
    let mut sink = EventSinkServiceClient::connect(app.url.clone()).await.unwrap();
    for _ in 0..2 {
        sink.deliver(DeliverRequest { event: Some(envelope.clone()) }).await.unwrap();
    }
    let admin = app.admin();
    let listed = app
        .client
        .list_stock(with_token(pb::ListStockRequest { page: None }, &admin))
        .await
        .unwrap()
        .into_inner()
        .levels;
    assert_eq!(listed.iter().filter(|level| level.product_id == product).count(), 1);
    // A garbled event is refused as poison, not retried forever.
    let mut garbled = envelope.clone();
    garbled.id = new_id();
    garbled.data = vec![0xff, 0xff, 0xff];
    let status = sink.deliver(DeliverRequest { event: Some(garbled) }).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(envelope.r#type, events::ProductChanged::TYPE);
}

bazaar_testkit::backend_tests!(
    the_seed_gives_every_demo_product_stock,
    unknown_products_have_no_stock,
    only_admins_set_stock,
    stock_cannot_drop_below_what_is_reserved,
    new_products_get_a_stock_row_from_events,
);
