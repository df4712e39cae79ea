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
