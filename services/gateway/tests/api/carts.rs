use reqwest::Method;
use serde_json::json;

use crate::helpers::{product_id, spawn_shop, unique_email};

#[tokio::test]
async fn the_api_cart_adds_changes_and_removes() {
    let shop = spawn_shop().await;
    let token = shop.sign_up(&unique_email()).await;
    let mug = product_id("stoneware-mug");
    let (status, cart) = shop
        .call(
            Method::POST,
            "/api/v1/cart/items",
            Some(&token),
            Some(json!({"product_id": mug, "quantity": 2})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(cart["item_count"], 2);
    assert_eq!(cart["subtotal"]["amount_minor"], 3_200);
    assert_eq!(cart["items"][0]["stock_status"], "in_stock");
    let (status, cart) = shop
        .call(
            Method::PATCH,
            &format!("/api/v1/cart/items/{mug}"),
            Some(&token),
            Some(json!({"quantity": 5})),
        )
        .await;
    assert_eq!((status, cart["item_count"].as_i64()), (200, Some(5)));
    let (status, cart) =
        shop.call(Method::DELETE, &format!("/api/v1/cart/items/{mug}"), Some(&token), None).await;
    assert_eq!((status, cart["item_count"].as_i64()), (200, Some(0)));
    let (status, _) =
        shop.call(Method::DELETE, &format!("/api/v1/cart/items/{mug}"), Some(&token), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_quantities_and_products_are_refused() {
    let shop = spawn_shop().await;
    let token = shop.sign_up(&unique_email()).await;
    let mug = product_id("stoneware-mug");
    for quantity in
        [json!(0), json!(-3), json!(100), json!(1_000_000_000_000_i64), json!("two"), json!(1.5)]
    {
        let (status, body) = shop
            .call(
                Method::POST,
                "/api/v1/cart/items",
                Some(&token),
                Some(json!({"product_id": mug, "quantity": quantity})),
            )
            .await;
        assert_eq!(status, 400, "{quantity}: {body}");
        assert_eq!(body["fields"][0]["field"], "quantity", "{body}");
    }
    let (status, _) = shop
        .call(
            Method::POST,
            "/api/v1/cart/items",
            Some(&token),
            Some(json!({"product_id": uuid::Uuid::now_v7().to_string(), "quantity": 1})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = shop
        .call(
            Method::PATCH,
            "/api/v1/cart/items/not-a-uuid",
            Some(&token),
            Some(json!({"quantity": 1})),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn anonymous_api_carts_live_in_a_cookie() {
    let shop = spawn_shop().await;
    let mug = product_id("stoneware-mug");
    let (status, _) = shop
        .call(
            Method::POST,
            "/api/v1/cart/items",
            None,
            Some(json!({"product_id": mug, "quantity": 1})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, cart) = shop.call(Method::GET, "/api/v1/cart", None, None).await;
    assert_eq!((status, cart["item_count"].as_i64()), (200, Some(1)));
    // A new visitor (no cookie) has an empty cart.
    let stranger = reqwest::Client::new();
    let cart: serde_json::Value = stranger
        .get(format!("{}/api/v1/cart", shop.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cart["item_count"], 0);
}
