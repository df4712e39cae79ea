use std::time::Duration;

use bazaar_contracts::{
    cart as pb,
    catalog::{self as catalog_pb, catalog_service_client::CatalogServiceClient},
    common::Money,
    events::{
        DeliverRequest, OrderConfirmed, OrderLine,
        event_sink_service_client::EventSinkServiceClient,
    },
};
use bazaar_platform::auth::Role;
use bazaar_testkit::TestDb;
use tonic::Code;

use crate::helpers::{anonymous_id, field_of, product, spawn_app, with_token};

async fn anonymous_carts_are_priced_from_the_catalog(db: TestDb) {
    let mut app = spawn_app(db).await;
    let visitor = anonymous_id();
    app.add(&visitor, &product("cast-iron-skillet"), 2).await.unwrap();
    let cart = app.add(&visitor, &product("stoneware-mug"), 3).await.unwrap();
    assert_eq!(cart.item_count, 5);
    assert_eq!(cart.subtotal.unwrap().amount_minor, 2 * 4_500 + 3 * 1_600);
    let skillet = &cart.lines[0];
    assert_eq!((skillet.name.as_str(), skillet.quantity), ("Cast Iron Skillet", 2));
    assert_eq!(skillet.line_total.as_ref().unwrap().amount_minor, 9_000);
    assert!(skillet.available.is_some(), "stock comes from inventory");
    // Another visitor has another cart.
    assert!(app.cart(&anonymous_id()).await.lines.is_empty());
}

async fn lines_are_changed_and_removed(db: TestDb) {
    let mut app = spawn_app(db).await;
    let visitor = anonymous_id();
    let mug = product("stoneware-mug");
    app.add(&visitor, &mug, 1).await.unwrap();
    app.add(&visitor, &mug, 2).await.unwrap();
    assert_eq!(app.cart(&visitor).await.lines[0].quantity, 3, "adding again adds up");
    let cart = app
        .client
        .set_item_quantity(pb::SetItemQuantityRequest {
            anonymous_id: visitor.clone(),
            product_id: mug.clone(),
            quantity: 7,
        })
        .await
        .unwrap()
        .into_inner()
        .cart
        .unwrap();
    assert_eq!(cart.lines[0].quantity, 7);
    app.client
        .remove_item(pb::RemoveItemRequest {
            anonymous_id: visitor.clone(),
            product_id: mug.clone(),
        })
        .await
        .unwrap();
    assert!(app.cart(&visitor).await.lines.is_empty());
    let status = app
        .client
        .remove_item(pb::RemoveItemRequest { anonymous_id: visitor.clone(), product_id: mug })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    app.add(&visitor, &product("kite"), 1).await.unwrap();
    app.client.clear_cart(pb::ClearCartRequest { anonymous_id: visitor.clone() }).await.unwrap();
    assert_eq!(app.cart(&visitor).await.item_count, 0);
}

async fn quantities_and_products_are_checked(db: TestDb) {
    let mut app = spawn_app(db).await;
    let visitor = anonymous_id();
    let mug = product("stoneware-mug");
    for bad in [0, -1, 100, i64::MAX] {
        let status = app.add(&visitor, &mug, bad).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{bad}");
        assert_eq!(
            field_of(&status, "quantity").as_deref(),
            Some("must be a whole number from 1 to 99")
        );
    }
    app.add(&visitor, &mug, 90).await.unwrap();
    let status = app.add(&visitor, &mug, 10).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "a line holds at most 99");
    let status = app.add(&visitor, &uuid::Uuid::now_v7().to_string(), 1).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "an unknown product");
    let status = app.add(&visitor, "not-an-id", 1).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let status = app.add("", &mug, 1).await.unwrap_err();
    assert!(field_of(&status, "anonymous_id").is_some(), "no token and no anonymous id");
}

async fn a_cart_holds_at_most_one_hundred_lines(db: TestDb) {
    let mut app = spawn_app(db).await;
    let visitor = anonymous_id();
    let mut ids: Vec<String> = bazaar_seed::products().into_iter().map(|p| p.id).collect();
    let (_, admin) = app.identity.user(Role::Admin);
    let mut catalog = CatalogServiceClient::connect(app.catalog_url.clone()).await.unwrap();
    for index in 0..29 {
        let product = catalog_pb::ProductInput {
            slug: format!("extra-{index}"),
            name: format!("Extra {index}"),
            description: String::new(),
            category: "toys".into(),
            price: Some(Money { amount_minor: 100, currency: "USD".into() }),
            attributes: Vec::new(),
            featured: false,
        };
        let created = catalog
            .create_product(with_token(
                catalog_pb::CreateProductRequest { product: Some(product) },
                &admin,
            ))
            .await
            .unwrap();
        ids.push(created.into_inner().product.unwrap().id);
    }
    for id in &ids[..100] {
        app.add(&visitor, id, 1).await.unwrap();
    }
    let status = app.add(&visitor, &ids[100], 1).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("at most 100"));
}

async fn signed_in_users_have_their_own_cart_and_merge_the_anonymous_one(db: TestDb) {
    let mut app = spawn_app(db).await;
    let (_, alice) = app.identity.user(Role::Customer);
    let (_, bob) = app.identity.user(Role::Customer);
    let visitor = anonymous_id();
    let mug = product("stoneware-mug");
    app.add(&visitor, &mug, 2).await.unwrap();
    app.add(&visitor, &product("kite"), 1).await.unwrap();
    app.client
        .add_item(with_token(
            pb::AddItemRequest {
                anonymous_id: String::new(),
                product_id: mug.clone(),
                quantity: 1,
            },
            &alice,
        ))
        .await
        .unwrap();
    let merged = app
        .client
        .merge_cart(with_token(pb::MergeCartRequest { anonymous_id: visitor.clone() }, &alice))
        .await
        .unwrap()
        .into_inner()
        .cart
        .unwrap();
    assert_eq!(merged.item_count, 4);
    assert_eq!(merged.lines.iter().find(|line| line.product_id == mug).unwrap().quantity, 3);
    assert!(app.cart(&visitor).await.lines.is_empty(), "the anonymous cart is emptied");
    // Merging again changes nothing; Bob's cart is his own, whatever id he sends.
    app.client
        .merge_cart(with_token(pb::MergeCartRequest { anonymous_id: visitor.clone() }, &alice))
        .await
        .unwrap();
    let bobs = app
        .client
        .get_cart(with_token(pb::GetCartRequest { anonymous_id: visitor, unpriced: false }, &bob))
        .await
        .unwrap()
        .into_inner()
        .cart
        .unwrap();
    assert!(bobs.lines.is_empty());
    let status = app
        .client
        .merge_cart(pb::MergeCartRequest { anonymous_id: anonymous_id() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

async fn confirmed_orders_leave_the_cart_once(db: TestDb) {
    let mut app = spawn_app(db).await;
    let (user, token) = app.identity.user(Role::Customer);
    let (mug, kite) = (product("stoneware-mug"), product("kite"));
    for (id, quantity) in [(&mug, 3), (&kite, 1)] {
        app.client
            .add_item(with_token(
                pb::AddItemRequest {
                    anonymous_id: String::new(),
                    product_id: id.clone(),
                    quantity,
                },
                &token,
            ))
            .await
            .unwrap();
    }
    let event = OrderConfirmed {
        order_id: uuid::Uuid::now_v7().to_string(),
        user_id: user.to_string(),
        lines: vec![
            OrderLine { product_id: mug.clone(), quantity: 2, ..Default::default() },
            OrderLine { product_id: kite.clone(), quantity: 1, ..Default::default() },
        ],
        ..Default::default()
    };
    let envelope = bazaar_platform::events::envelope(&event.order_id, &event);
    let mut sink = EventSinkServiceClient::connect(app.url.clone()).await.unwrap();
    // Delivered twice (a retry): the effect happens once.
    for _ in 0..2 {
        sink.deliver(DeliverRequest { event: Some(envelope.clone()) }).await.unwrap();
    }
    let cart = app
        .client
        .get_cart(with_token(pb::GetCartRequest::default(), &token))
        .await
        .unwrap()
        .into_inner()
        .cart
        .unwrap();
    assert_eq!(cart.lines.len(), 1);
    assert_eq!((cart.lines[0].product_id.as_str(), cart.lines[0].quantity), (mug.as_str(), 1));
}

async fn a_cart_shows_without_inventory(db: TestDb) {
    let mut app = spawn_app(db).await;
    let visitor = anonymous_id();
    app.add(&visitor, &product("kite"), 1).await.unwrap();
    app.stop_inventory();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cart = app.cart(&visitor).await;
    assert_eq!(cart.lines.len(), 1);
    assert_eq!(cart.lines[0].available, None, "availability unknown, cart still priced");
}

async fn unpriced_carts_are_the_stored_lines_without_asking_the_catalog(db: TestDb) {
    let mut app = spawn_app(db).await;
    let visitor = anonymous_id();
    let (skillet, mug) = (product("cast-iron-skillet"), product("stoneware-mug"));
    app.add(&visitor, &skillet, 2).await.unwrap();
    app.add(&visitor, &mug, 1).await.unwrap();
    app.stop_catalog();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cart = app
        .client
        .get_cart(pb::GetCartRequest { anonymous_id: visitor.clone(), unpriced: true })
        .await
        .unwrap()
        .into_inner()
        .cart
        .unwrap();
    let mut lines: Vec<(String, i64)> =
        cart.lines.iter().map(|line| (line.product_id.clone(), line.quantity)).collect();
    lines.sort();
    let mut expected = vec![(skillet, 2), (mug, 1)];
    expected.sort();
    assert_eq!(lines, expected);
    assert_eq!(cart.item_count, 3);
    assert!(cart.subtotal.is_none() && cart.lines.iter().all(|line| line.unit_price.is_none()));
    // A priced cart needs the catalog.
    let status = app
        .client
        .get_cart(pb::GetCartRequest { anonymous_id: visitor, unpriced: false })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
}

bazaar_testkit::backend_tests!(
    unpriced_carts_are_the_stored_lines_without_asking_the_catalog,
    anonymous_carts_are_priced_from_the_catalog,
    lines_are_changed_and_removed,
    quantities_and_products_are_checked,
    a_cart_holds_at_most_one_hundred_lines,
    signed_in_users_have_their_own_cart_and_merge_the_anonymous_one,
    confirmed_orders_leave_the_cart_once,
    a_cart_shows_without_inventory,
);
