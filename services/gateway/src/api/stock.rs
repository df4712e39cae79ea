//! Stock over the API: what shoppers see, and what admins set.

use axum::{
    Json,
    extract::{Path, State},
};
use bazaar_types::{ProductId, StockStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::{
    error::{ApiError, AppError, Problem},
    session::{Admin, Visitor},
    state::AppState,
};

/// The stock of a product. `on_hand` and `reserved` are shown to admins only.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockDto {
    /// Product UUID.
    pub product_id: String,
    /// Units a shopper can buy now.
    pub available: i64,
    /// `in_stock`, `low_stock` (5 or fewer) or `sold_out`.
    pub status: &'static str,
    /// Units in the warehouse (admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_hand: Option<i64>,
    /// Units held by orders in progress (admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved: Option<i64>,
}

fn stock_dto(level: &bazaar_contracts::inventory::StockLevel, admin: bool) -> StockDto {
    StockDto {
        product_id: level.product_id.clone(),
        available: level.available,
        status: StockStatus::from_available(level.available).code(),
        on_hand: admin.then_some(level.on_hand),
        reserved: admin.then_some(level.reserved),
    }
}

/// Returns a product's stock.
///
/// # Errors
/// 404 for an unknown product, 503 when inventory is down.
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/stock",
    tag = "catalog",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "The product's UUID or slug")),
    responses(
        (status = 200, description = "The stock", body = StockDto),
        (status = 404, description = "No such product", body = Problem),
        (status = 503, description = "Inventory is unavailable", body = Problem),
    )
)]
pub async fn product_stock(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Json<StockDto>, ApiError> {
    // Ask the catalog first, so unknown products (and slugs) are told apart from sold-out ones.
    let product = state.clients.product(&id).await.map_err(|status| match status.code() {
        tonic::Code::NotFound | tonic::Code::InvalidArgument => {
            AppError::NotFound(format!("no product {id}"))
        }
        _ => status.into(),
    })?;
    let levels = state.clients.stock(vec![product.id.clone()]).await?;
    let level = levels.get(&product.id).cloned().ok_or(AppError::Internal)?;
    Ok(Json(stock_dto(&level, visitor.is_admin())))
}

/// New stock on hand.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SetStockBody {
    /// Units in the warehouse, at least what is reserved.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub on_hand: i64,
}

/// Sets a product's stock on hand (admin).
///
/// # Errors
/// 400 for a bad number, 401 without a token, 403 for a customer, 404 for an unknown product,
/// 409 when below what is reserved.
#[utoipa::path(
    put,
    path = "/api/v1/admin/stock/{product_id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("product_id" = String, Path, description = "The product's UUID")),
    request_body = SetStockBody,
    responses(
        (status = 200, description = "The new stock", body = StockDto),
        (status = 400, description = "Invalid number", body = Problem),
        (status = 401, description = "No valid token", body = Problem),
        (status = 403, description = "Not an admin", body = Problem),
        (status = 404, description = "No such product", body = Problem),
        (status = 409, description = "Below what is reserved", body = Problem),
    )
)]
pub async fn set_stock(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(product_id): Path<String>,
    ApiJson(body): ApiJson<SetStockBody>,
) -> Result<Json<StockDto>, ApiError> {
    let not_found = || ApiError(AppError::NotFound(format!("no product {product_id}")));
    ProductId::parse(&product_id).map_err(|_| not_found())?;
    let product = state.clients.product(&product_id).await.map_err(|status| {
        if status.code() == tonic::Code::NotFound { not_found() } else { ApiError::from(status) }
    })?;
    let level = state.clients.set_stock(&admin.token, &product.id, body.on_hand).await?;
    Ok(Json(stock_dto(&level, true)))
}
