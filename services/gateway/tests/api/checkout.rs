//! Checkout through the API: every outcome of the order saga, on the direct transport and, when
//! `BAZAAR_TEST_NATS_URL` is set, on NATS JetStream; idempotency; cancellation with a refund; the
//! parcel's progress; and the e-mails each step sends.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Events, TestShop, eventually, spawn_shop, spawn_shop_with, unique_email};

const SUCCEEDS: &str = "4242 4242 4242 4242";
const DECLINED: &str = "4000 0000 0000 0002";
const INSUFFICIENT_FUNDS: &str = "4000 0000 0000 9995";
const PROCESSING_ERROR: &str = "4000 0000 0000 0119";

fn checkout(card_number: &str) -> Value {
    json!({
        "address": {
            "name": "Ada Lovelace",
            "line1": "12 St James's Square",
            "city": "London",
            "postal_code": "SW1Y 4JH",
            "country": "GB"
        },
        "shipping_option": "standard",
        "card": {"number": card_number, "exp_month": 12, "exp_year": 2039, "cvc": "123"}
    })
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A new customer with `quantity` kites in the cart; returns the token and the e-mail.
async fn shopper_with_kites(shop: &TestShop, quantity: i64) -> (String, String) {
    let email = unique_email();
    let token = shop.sign_up(&email).await;
    shop.add_to_cart(&token, "kite", quantity).await;
    (token, email)
}

async fn order(shop: &TestShop, token: &str, id: &str) -> Value {
    let (status, order) =
        shop.call(Method::GET, &format!("/api/v1/orders/{id}"), Some(token), None).await;
    assert_eq!(status, 200, "{order}");
    order
}

async fn cart_count(shop: &TestShop, token: &str) -> i64 {
    let (_, cart) = shop.call(Method::GET, "/api/v1/cart", Some(token), None).await;
    cart["item_count"].as_i64().unwrap()
}

/// Plays every outcome of the saga against one shop.
async fn every_outcome(shop: &TestShop) {
    shop.set_stock("kite", 10).await;
    let (_, kite) = shop.get_json("/api/v1/products/kite").await;
    let unit_price = kite["price"]["amount_minor"].as_i64().unwrap();

    // Success: priced from the catalogue, stock committed, cart emptied, e-mail sent.
    let (token, email) = shopper_with_kites(shop, 2).await;
    let (status, placed) = shop.place_order(&token, &key(), checkout(SUCCEEDS)).await;
    assert_eq!(status, 201, "{placed}");
    assert_eq!(placed["status"], "confirmed", "{placed}");
    assert_eq!(placed["items"][0]["unit_price"]["amount_minor"], unit_price);
    assert_eq!(placed["items_total"]["amount_minor"], 2 * unit_price);
    let shipping = placed["shipping_total"]["amount_minor"].as_i64().unwrap();
    assert!(shipping >= 0);
    assert_eq!(placed["total"]["amount_minor"], 2 * unit_price + shipping);
    assert_eq!(placed["card"]["last4"], "4242");
    assert!(!placed["tracking_number"].as_str().unwrap().is_empty());
    assert_eq!(shop.stock("kite").await, (8, 0, 8));
    eventually(10, "the cart to be emptied", || async {
        (cart_count(shop, &token).await == 0).then_some(())
    })
    .await;
    eventually(10, "the confirmation e-mail", || async {
        shop.mail_subjects(&email).await.iter().any(|s| s.contains("is confirmed")).then_some(())
    })
    .await;
    let (_, history) = shop.call(Method::GET, "/api/v1/orders", Some(&token), None).await;
    assert_eq!(history["items"][0]["id"], placed["id"]);

    // Declined: nothing charged, stock released.
    let (token, _) = shopper_with_kites(shop, 1).await;
    let (status, declined) = shop.place_order(&token, &key(), checkout(DECLINED)).await;
    assert_eq!(status, 201, "{declined}");
    assert_eq!(declined["status"], "payment_failed");
    assert!(declined["status_reason"].as_str().unwrap().contains("declined"));
    assert_eq!(shop.stock("kite").await, (8, 0, 8));
    assert_eq!(cart_count(shop, &token).await, 1, "a failed order leaves the cart alone");

    // Insufficient funds.
    let (status, poor) = shop.place_order(&token, &key(), checkout(INSUFFICIENT_FUNDS)).await;
    assert_eq!(status, 201, "{poor}");
    assert_eq!(poor["status"], "payment_failed");
    assert!(poor["status_reason"].as_str().unwrap().contains("insufficient funds"));
    assert_eq!(shop.stock("kite").await, (8, 0, 8));

    // A processing error is retried, and the retry succeeds.
    let (status, retried) = shop.place_order(&token, &key(), checkout(PROCESSING_ERROR)).await;
    assert_eq!(status, 201, "{retried}");
    assert_eq!(retried["status"], "confirmed", "{retried}");
    assert_eq!(shop.stock("kite").await, (7, 0, 7));

    // Out of stock: rejected, nothing charged.
    let (token, _) = shopper_with_kites(shop, 3).await;
    shop.set_stock("kite", 2).await;
    let (status, rejected) = shop.place_order(&token, &key(), checkout(SUCCEEDS)).await;
    assert_eq!(status, 201, "{rejected}");
    assert_eq!(rejected["status"], "rejected");
    assert!(rejected["status_reason"].as_str().unwrap().contains("Kite"), "{rejected}");
    assert_eq!(shop.stock("kite").await, (2, 0, 2));

    // Cancel before shipping: refunded, stock back, e-mails sent.
    let (token, email) = shopper_with_kites(shop, 1).await;
    let (_, confirmed) = shop.place_order(&token, &key(), checkout(SUCCEEDS)).await;
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["cancellable"], true);
    assert_eq!(shop.stock("kite").await, (1, 0, 1));
    let id = confirmed["id"].as_str().unwrap();
    let (status, cancelled) =
        shop.call(Method::POST, &format!("/api/v1/orders/{id}/cancel"), Some(&token), None).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["status_reason"].as_str().unwrap().contains("refunded"));
    assert_eq!(shop.stock("kite").await, (2, 0, 2));
    let payments = shop.payments().await;
    let payment = payments.iter().find(|payment| payment.order_id == id).unwrap();
    assert_eq!(payment.status(), bazaar_contracts::payment::PaymentStatus::Refunded);
    eventually(10, "the cancellation and refund e-mails", || async {
        let subjects = shop.mail_subjects(&email).await;
        (subjects.iter().any(|s| s.contains("was cancelled"))
            && subjects.iter().any(|s| s.starts_with("Refund of")))
        .then_some(())
    })
    .await;
    // Cancelling again answers the same; no second refund.
    let (status, again) =
        shop.call(Method::POST, &format!("/api/v1/orders/{id}/cancel"), Some(&token), None).await;
    assert_eq!((status, &again["status"]), (200, &json!("cancelled")));
}

#[tokio::test]
async fn every_saga_outcome_on_the_direct_transport() {
    let shop = spawn_shop().await;
    every_outcome(&shop).await;
}

#[tokio::test]
async fn every_saga_outcome_on_nats() {
    let Some(url) = bazaar_testkit::nats_url("every_saga_outcome") else {
        return;
    };
    let shop = spawn_shop_with(Events::Nats(url)).await;
    every_outcome(&shop).await;
}

#[tokio::test]
async fn a_confirmed_order_ships_then_arrives_and_can_no_longer_be_cancelled() {
    let shop = spawn_shop().await;
    let (token, email) = shopper_with_kites(&shop, 1).await;
    let (_, placed) = shop.place_order(&token, &key(), checkout(SUCCEEDS)).await;
    assert_eq!(placed["status"], "confirmed", "{placed}");
    let id = placed["id"].as_str().unwrap().to_owned();
    eventually(30, "the order to ship", || async {
        let status = order(&shop, &token, &id).await["status"].clone();
        (status == "shipped" || status == "delivered").then_some(())
    })
    .await;
    let (status, refused) =
        shop.call(Method::POST, &format!("/api/v1/orders/{id}/cancel"), Some(&token), None).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(order(&shop, &token, &id).await["cancellable"], false);
    eventually(30, "the order to arrive", || async {
        (order(&shop, &token, &id).await["status"] == "delivered").then_some(())
    })
    .await;
    eventually(10, "the dispatch e-mail", || async {
        shop.mail_subjects(&email).await.iter().any(|s| s.contains("on its way")).then_some(())
    })
    .await;
    let payments = shop.payments().await;
    let payment = payments.iter().find(|payment| payment.order_id == id).unwrap();
    assert_eq!(payment.status(), bazaar_contracts::payment::PaymentStatus::Captured);
}

#[tokio::test]
async fn the_same_key_at_once_places_one_order_and_charges_once() {
    let shop = spawn_shop().await;
    let (token, _) = shopper_with_kites(&shop, 1).await;
    let key = key();
    let attempts = (0..4).map(|_| shop.place_order(&token, &key, checkout(SUCCEEDS)));
    let results = futures::future::join_all(attempts).await;
    let ids: Vec<&Value> = results.iter().map(|(_, order)| &order["id"]).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one order: {results:?}");
    let created = results.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(created, 1, "{results:?}");
    assert!(results.iter().all(|(status, _)| *status == 201 || *status == 200));
    let id = ids[0].as_str().unwrap();
    eventually(10, "the order to be confirmed", || async {
        (order(&shop, &token, id).await["status"] == "confirmed").then_some(())
    })
    .await;
    let charged = shop.payments().await.into_iter().filter(|p| p.order_id == id).count();
    assert_eq!(charged, 1);
    let (_, history) = shop.call(Method::GET, "/api/v1/orders", Some(&token), None).await;
    assert_eq!(history["total_items"], 1);
    // Later, the same key still answers with the same order.
    let (status, again) = shop.place_order(&token, &key, checkout(SUCCEEDS)).await;
    assert_eq!((status, &again["id"]), (200, ids[0]));
}

#[tokio::test]
async fn bad_checkout_input_is_400_and_charges_nothing() {
    let shop = spawn_shop().await;
    let (token, _) = shopper_with_kites(&shop, 1).await;
    let card = |number: &str, month: u32, year: u32, cvc: &str| {
        let mut body = checkout(SUCCEEDS);
        body["card"] = json!({"number": number, "exp_month": month, "exp_year": year, "cvc": cvc});
        body
    };
    let cases = [
        (card("4242 4242 4242 4241", 12, 2039, "123"), "card.number"),
        (card("4242", 12, 2039, "123"), "card.number"),
        (card(SUCCEEDS, 13, 2039, "123"), "card.exp_month"),
        (card(SUCCEEDS, 1, 2020, "123"), "card.exp_year"),
        (card(SUCCEEDS, 12, 2039, "12"), "card.cvc"),
        (card(SUCCEEDS, 12, 2039, "abc"), "card.cvc"),
        (
            {
                let mut body = checkout(SUCCEEDS);
                body["address"]["city"] = json!("");
                body
            },
            "address.city",
        ),
        (
            {
                let mut body = checkout(SUCCEEDS);
                body["address"]["country"] = json!("XX");
                body
            },
            "address.country",
        ),
        (
            {
                let mut body = checkout(SUCCEEDS);
                body["shipping_option"] = json!("teleport");
                body
            },
            "shipping_option",
        ),
        (
            {
                let mut body = checkout(SUCCEEDS);
                body.as_object_mut().unwrap().remove("address");
                body
            },
            "address",
        ),
        (
            {
                let mut body = checkout(SUCCEEDS);
                body.as_object_mut().unwrap().remove("card");
                body
            },
            "card",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = shop.place_order(&token, &key(), body).await;
        assert_eq!(status, 400, "{field}: {problem}");
        let fields: Vec<&str> = problem["fields"]
            .as_array()
            .map(|fields| fields.iter().filter_map(|f| f["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(fields.contains(&field), "{field} named in {problem}");
    }
    // No Idempotency-Key.
    let (status, problem) =
        shop.call(Method::POST, "/api/v1/orders", Some(&token), Some(checkout(SUCCEEDS))).await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["message"].as_str().unwrap().contains("Idempotency-Key"), "{problem}");
    // Nothing was charged or ordered; the cart is intact.
    assert!(shop.payments().await.is_empty());
    let (_, history) = shop.call(Method::GET, "/api/v1/orders", Some(&token), None).await;
    assert_eq!(history["total_items"], 0);
    assert_eq!(cart_count(&shop, &token).await, 1);

    // An empty cart.
    let empty = shop.sign_up(&unique_email()).await;
    let (status, problem) = shop.place_order(&empty, &key(), checkout(SUCCEEDS)).await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["message"].as_str().unwrap().contains("empty"), "{problem}");
    // Another user's order, or none at all.
    let (_, mine) = shop.place_order(&token, &key(), checkout(SUCCEEDS)).await;
    let path = format!("/api/v1/orders/{}", mine["id"].as_str().unwrap());
    assert_eq!(shop.call(Method::GET, &path, Some(&empty), None).await.0, 404);
    assert_eq!(shop.call(Method::GET, "/api/v1/orders/not-an-id", Some(&token), None).await.0, 404);
}

#[tokio::test]
async fn shipping_quotes_depend_on_the_destination() {
    let shop = spawn_shop().await;
    let (status, domestic) = shop.get_json("/api/v1/shipping/quotes?country=US").await;
    assert_eq!(status, 200, "{domestic}");
    let (_, world) = shop.get_json("/api/v1/shipping/quotes?country=JP").await;
    let price =
        |quotes: &Value, i: usize| quotes["items"][i]["price"]["amount_minor"].as_i64().unwrap();
    assert_eq!(domestic["items"][0]["option"], "standard");
    assert_eq!(domestic["items"][1]["option"], "express");
    assert!(price(&domestic, 1) > price(&domestic, 0), "express costs more");
    assert!(price(&world, 0) > price(&domestic, 0), "further costs more");
    for query in ["", "?country=", "?country=XX", "?country=usa"] {
        let (status, problem) = shop.get_json(&format!("/api/v1/shipping/quotes{query}")).await;
        assert_eq!(status, 400, "{query}: {problem}");
    }
}

#[tokio::test]
async fn admins_list_every_order() {
    let shop = spawn_shop().await;
    let (token, _) = shopper_with_kites(&shop, 1).await;
    let (_, placed) = shop.place_order(&token, &key(), checkout(DECLINED)).await;
    let admin = shop.admin_token().await;
    let (status, all) = shop.call(Method::GET, "/api/v1/admin/orders", Some(&admin), None).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["items"][0]["id"], placed["id"]);
    let (_, failed) = shop
        .call(Method::GET, "/api/v1/admin/orders?status=payment_failed", Some(&admin), None)
        .await;
    assert_eq!(failed["total_items"], 1);
    let (_, confirmed) =
        shop.call(Method::GET, "/api/v1/admin/orders?status=confirmed", Some(&admin), None).await;
    assert_eq!(confirmed["total_items"], 0);
    let (status, _) =
        shop.call(Method::GET, "/api/v1/admin/orders?status=lost", Some(&admin), None).await;
    assert_eq!(status, 400);
}
