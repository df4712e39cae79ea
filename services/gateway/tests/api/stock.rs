use reqwest::Method;
use serde_json::json;

use crate::helpers::{product_id, spawn_shop, unique_email};

#[tokio::test]
async fn shoppers_see_availability_and_admins_see_counts() {
    let shop = spawn_shop().await;
    let kite = product_id("kite");
    let (status, stock) =
        shop.call(Method::GET, &format!("/api/v1/products/{kite}/stock"), None, None).await;
    assert_eq!(status, 200);
    assert!(stock["available"].as_i64().unwrap() >= 0);
    assert!(stock.get("on_hand").is_none(), "shoppers do not see on_hand");
    let admin = shop.admin_token().await;
    let (status, stock) =
        shop.call(Method::GET, "/api/v1/products/kite/stock", Some(&admin), None).await;
    assert_eq!(status, 200);
    assert!(stock["on_hand"].is_i64() && stock["reserved"].is_i64());
    let (status, _) =
        shop.call(Method::GET, "/api/v1/products/no-such-thing/stock", None, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn admins_set_stock_and_shoppers_see_the_badge() {
    let shop = spawn_shop().await;
    let admin = shop.admin_token().await;
    let kite = product_id("kite");
    let path = format!("/api/v1/admin/stock/{kite}");
    let (status, stock) =
        shop.call(Method::PUT, &path, Some(&admin), Some(json!({"on_hand": 3}))).await;
    assert_eq!(status, 200, "{stock}");
    assert_eq!(
        (stock["available"].as_i64(), stock["status"].as_str()),
        (Some(3), Some("low_stock"))
    );
    let (_, page) = shop.get_text("/products/kite").await;
    assert!(page.contains("Only 3 left"));
    let (status, _) =
        shop.call(Method::PUT, &path, Some(&admin), Some(json!({"on_hand": 0}))).await;
    assert_eq!(status, 200);
    let (_, page) = shop.get_text("/products/kite").await;
    assert!(page.contains("Sold out"));
    assert!(!page.contains("Add to cart"), "no buy button when sold out");

    let (status, body) =
        shop.call(Method::PUT, &path, Some(&admin), Some(json!({"on_hand": -1}))).await;
    assert_eq!(status, 400, "{body}");
    let customer = shop.sign_up(&unique_email()).await;
    assert_eq!(
        shop.call(Method::PUT, &path, Some(&customer), Some(json!({"on_hand": 9}))).await.0,
        403
    );
    assert_eq!(shop.call(Method::PUT, &path, None, Some(json!({"on_hand": 9}))).await.0, 401);
    let unknown = format!("/api/v1/admin/stock/{}", uuid::Uuid::now_v7());
    assert_eq!(
        shop.call(Method::PUT, &unknown, Some(&admin), Some(json!({"on_hand": 9}))).await.0,
        404
    );
}

#[tokio::test]
async fn the_admin_stock_page_is_for_admins() {
    let shop = spawn_shop().await;
    let response = shop.get("/admin/stock").await;
    assert_eq!(response.status(), 303, "anonymous visitors are sent to sign in");
    assert!(response.headers()["location"].to_str().unwrap().starts_with("/sign-in"));
    let response = shop
        .post_form(
            "/sign-in",
            &[("email", crate::helpers::ADMIN_EMAIL), ("password", crate::helpers::ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (status, page) = shop.get_text("/admin/stock").await;
    assert_eq!(status, 200);
    assert!(page.contains("Arc Floor Lamp"));
    let lamp = product_id("arc-floor-lamp");
    let response =
        shop.post_form(&format!("/admin/stock/{lamp}"), &[("on_hand", "42"), ("page", "1")]).await;
    assert_eq!(response.status(), 303);
    let (_, stock) = shop.get_json(&format!("/api/v1/products/{lamp}/stock")).await;
    assert_eq!(stock["on_hand"], 42, "the admin's cookie session sees counts");
}
