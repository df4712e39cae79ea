//! Storefront pages. Each module holds its handlers, its templates and their view models.

pub mod assets;
pub mod media;
pub mod shop;

use axum::{
    Router,
    http::Uri,
    response::{IntoResponse, Response},
    routing::get,
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
