//! Storefront pages. Each module holds its handlers, its templates and their view models.

pub mod account;
pub mod admin;
pub mod assets;
pub mod cart;
pub mod checkout;
pub mod mailbox;
pub mod media;
pub mod orders;
pub mod shop;

use axum::{
    Router,
    http::Uri,
    response::{IntoResponse, Response},
    routing::{get, post},
};

use crate::{
    error::{ApiError, AppError, PageError},
    state::AppState,
};

/// Returns every storefront route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(shop::home))
        .route("/c/{category}", get(shop::category))
        .route("/search", get(shop::search))
        .route("/products/{key}", get(shop::product))
        .route("/sign-up", get(account::sign_up_form).post(account::sign_up))
        .route("/sign-in", get(account::sign_in_form).post(account::sign_in))
        .route("/sign-out", post(account::sign_out))
        .route("/account", get(account::account))
        .route("/account/profile", post(account::update_profile))
        .route("/account/addresses", post(account::add_address))
        .route("/account/addresses/{id}/delete", post(account::delete_address))
        .route("/cart", get(cart::cart))
        .route("/cart/items", post(cart::add))
        .route("/cart/items/{product_id}", post(cart::update))
        .route("/cart/items/{product_id}/remove", post(cart::remove))
        .route("/checkout", get(checkout::form).post(checkout::submit))
        .route("/checkout/delivery", get(checkout::delivery))
        .route("/orders", get(orders::history))
        .route("/orders/{id}", get(orders::detail))
        .route("/orders/{id}/cancel", post(orders::cancel))
        .route("/dev/mailbox", get(mailbox::list))
        .route("/dev/mailbox/{id}", get(mailbox::message))
        .route("/admin", get(admin::dashboard))
        .route("/admin/orders", get(admin::orders))
        .route("/admin/stock", get(admin::stock))
        .route("/admin/stock/{product_id}", post(admin::set_stock))
        .route("/media/products/{file}", get(media::product_image))
        .route("/static/{file}", get(assets::asset))
}

/// The answer to any unknown URL: a 404 JSON problem under `/api/`, a 404 page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError(AppError::NotFound(format!("no such endpoint: {}", uri.path()))).into_response()
    } else {
        PageError(AppError::NotFound("no such page".to_owned())).into_response()
    }
}
