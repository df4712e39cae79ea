//! A shopper's journey through the storefront, as a browser would do it (forms and cookies).

use crate::helpers::{product_id, spawn_shop, unique_email};

#[tokio::test]
async fn an_anonymous_cart_follows_the_shopper_through_sign_up_sign_out_and_sign_in() {
    let shop = spawn_shop().await;
    let skillet = product_id("cast-iron-skillet");
    let response =
        shop.post_form("/cart/items", &[("product_id", &skillet), ("quantity", "2")]).await;
    assert_eq!(response.status(), 303);
    let (_, cart) = shop.get_text("/cart").await;
    assert!(cart.contains("Cast Iron Skillet") && cart.contains("$90.00"), "anonymous cart");

    let email = unique_email();
    let response = shop
        .post_form(
            "/sign-up",
            &[("name", "Ada"), ("email", &email), ("password", "correct horse battery")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (_, cart) = shop.get_text("/cart").await;
    assert!(cart.contains("Cast Iron Skillet"), "merged into the new account");
    assert!(cart.contains(">Ada<"), "the header shows who is signed in");

    assert_eq!(shop.post_form("/sign-out", &[]).await.status(), 303);
    let (_, cart) = shop.get_text("/cart").await;
    assert!(cart.contains("Your cart is empty"), "signed out, the cart is the account's");

    let response = shop
        .post_form("/sign-in", &[("email", &email), ("password", "correct horse battery")])
        .await;
    assert_eq!(response.status(), 303);
    let (_, cart) = shop.get_text("/cart").await;
    assert!(
        cart.contains("Cast Iron Skillet") && cart.contains("$90.00"),
        "the cart is still there"
    );
}

#[tokio::test]
async fn forms_keep_what_was_typed_and_show_each_error() {
    let shop = spawn_shop().await;
    let response = shop
        .post_form("/sign-up", &[("name", "Ada"), ("email", "ada@"), ("password", "short")])
        .await;
    assert_eq!(response.status(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("value=\"Ada\""), "typed values are kept");
    assert!(page.contains("must be at least 10 characters"));
    assert!(page.contains("aria-invalid=\"true\""));
    let response = shop
        .post_form("/sign-in", &[("email", "nobody@example.com"), ("password", "whatever!!")])
        .await;
    assert_eq!(response.status(), 401);
    assert!(response.text().await.unwrap().contains("do not match an account"));
}

#[tokio::test]
async fn a_tampered_session_cookie_is_refused_and_cleared() {
    let shop = spawn_shop().await;
    let response = shop
        .client
        .get(format!("{}/cart", shop.url))
        .header("cookie", "bazaar_session=forged-value")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let cleared = response.headers().get_all("set-cookie").iter().any(|value| {
        let value = value.to_str().unwrap();
        value.starts_with("bazaar_session=") && value.contains("Max-Age=0")
    });
    assert!(cleared, "the cookie is cleared");
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let shop = spawn_shop().await;
    let response = shop
        .client
        .post(format!("{}/cart/items", shop.url))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("product_id", product_id("kite").as_str()), ("quantity", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn pages_that_need_an_account_send_visitors_to_sign_in() {
    let shop = spawn_shop().await;
    let response = shop.get("/account").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/sign-in?next=%2Faccount");
    let customer_email = unique_email();
    shop.post_form(
        "/sign-up",
        &[("name", "Bo"), ("email", &customer_email), ("password", "correct horse battery")],
    )
    .await;
    assert_eq!(shop.get("/admin").await.status(), 403, "customers cannot see admin pages");
    let response = shop
        .post_form(
            "/account/addresses",
            &[
                ("name", "Bo"),
                ("line1", ""),
                ("city", "Paris"),
                ("postal_code", "75001"),
                ("country", "FR"),
            ],
        )
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("must not be empty"));
}

/// Finds `name="idempotency_key" value="…"` in the checkout form.
fn idempotency_key(page: &str) -> String {
    let start = page.find("name=\"idempotency_key\" value=\"").unwrap() + 30;
    page[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_shopper_checks_out_sees_the_order_and_cancels_it_in_the_browser() {
    let shop = spawn_shop().await;
    let email = unique_email();
    shop.post_form(
        "/sign-up",
        &[("name", "Grace Hopper"), ("email", &email), ("password", "correct horse battery")],
    )
    .await;
    let response = shop
        .post_form("/cart/items", &[("product_id", &product_id("kite")), ("quantity", "1")])
        .await;
    assert_eq!(response.status(), 303);
    let (status, page) = shop.get_text("/checkout").await;
    assert_eq!(status, 200);
    assert!(page.contains("Standard") && page.contains("Express"), "shipping options with prices");
    let key = idempotency_key(&page);
    let mut form = vec![
        ("idempotency_key", key.as_str()),
        ("address_id", "new"),
        ("name", "Grace Hopper"),
        ("line1", "1 Navy Yard"),
        ("city", "Arlington"),
        ("postal_code", "22202"),
        ("country", "US"),
        ("shipping_option", "express"),
        ("card_number", "4242 4242 4242 4241"),
        ("exp_month", "12"),
        ("exp_year", "2039"),
        ("cvc", "123"),
    ];

    // A mistyped card number: the form again, with the message, the rest kept.
    let response = shop.post_form("/checkout", &form).await;
    assert_eq!(response.status(), 400);
    let page = response.text().await.unwrap();
    assert!(page.contains("value=\"1 Navy Yard\""), "typed values are kept");
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(!page.contains("4242 4242 4242 4241"), "the card number is never echoed");

    form[8].1 = "4242 4242 4242 4242";
    let response = shop.post_form("/checkout", &form).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/orders/"), "{location}");
    let (status, page) = shop.get_text(&location).await;
    assert_eq!(status, 200);
    assert!(page.contains("Confirmed") && page.contains("Kite"), "the order page");
    assert!(page.contains("1 Navy Yard") && page.contains("4242"));

    // Submitting the same form again (a double click) shows the same order.
    let again = shop.post_form("/checkout", &form).await;
    assert_eq!(again.headers()["location"].to_str().unwrap(), location);
    let (_, history) = shop.get_text("/orders").await;
    assert_eq!(history.matches("href=\"/orders/").count(), 1, "one order in the history");

    let order_path = location.split('?').next().unwrap();
    let response = shop.post_form(&format!("{order_path}/cancel"), &[]).await;
    assert_eq!(response.status(), 303);
    let (_, page) = shop.get_text(order_path).await;
    assert!(page.contains("Cancelled") && page.contains("refunded"));
    let (_, mailbox) = shop.get_text("/dev/mailbox").await;
    assert!(mailbox.contains("is confirmed") || mailbox.contains("Welcome"), "the dev mailbox");
}

#[tokio::test]
async fn shipping_prices_follow_the_address_before_anything_is_charged() {
    let shop = spawn_shop().await;
    shop.post_form(
        "/sign-up",
        &[("name", "Ada"), ("email", &unique_email()), ("password", "correct horse battery")],
    )
    .await;
    shop.post_form("/cart/items", &[("product_id", &product_id("kite")), ("quantity", "1")]).await;
    let (_, page) = shop.get_text("/checkout").await;
    assert!(page.contains("name=\"quoted_country\" value=\"US\""));
    // What htmx swaps in when the country changes.
    let (status, delivery) = shop.get_text("/checkout/delivery?country=JP").await;
    assert_eq!(status, 200);
    assert!(delivery.contains("delivery to Japan") && delivery.contains("value=\"JP\""));
    // Without JavaScript the page still showed US prices: nothing is charged, the page updates.
    let key = idempotency_key(&page);
    let form = [
        ("idempotency_key", key.as_str()),
        ("quoted_country", "US"),
        ("address_id", "new"),
        ("name", "Ada"),
        ("line1", "1 Chome"),
        ("city", "Tokyo"),
        ("postal_code", "100-0001"),
        ("country", "JP"),
        ("shipping_option", "standard"),
        ("card_number", "4242 4242 4242 4242"),
        ("exp_month", "12"),
        ("exp_year", "2039"),
        ("cvc", "123"),
    ];
    let response = shop.post_form("/checkout", &form).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("Shipping prices changed") && page.contains("delivery to Japan"));
    let (_, history) = shop.get_text("/orders").await;
    assert!(!history.contains("href=\"/orders/"), "no order was placed");
    let mut form = form;
    form[1].1 = "JP";
    let response = shop.post_form("/checkout", &form).await;
    assert_eq!(response.status(), 303);
}
