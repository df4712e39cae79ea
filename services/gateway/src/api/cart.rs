//! The cart over the API: the caller's cart (bearer token), or the anonymous cart of the
//! `bazaar_cart` cookie, created on the first item added.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use axum_extra::extract::PrivateCookieJar;
use bazaar_contracts::cart as cart_pb;
use bazaar_types::StockStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{dto::MoneyDto, json::ApiJson};
use crate::{
    error::{ApiError, Problem},
    session::{self, CART_COOKIE, Visitor},
    state::AppState,
};

/// A line of a cart.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartLineDto {
    /// Product UUID.
    pub product_id: String,
    /// Product slug.
    pub slug: String,
    /// Product name.
    pub name: String,
    /// Current unit price from the catalog.
    pub unit_price: MoneyDto,
    /// Units, 1 to 99.
    #[schema(minimum = 1, maximum = 99)]
    pub quantity: i64,
    /// unit_price × quantity.
    pub line_total: MoneyDto,
    /// Units available now; absent when inventory could not be asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
    /// `in_stock`, `low_stock` or `sold_out`; absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock_status: Option<&'static str>,
}

/// A priced cart.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartDto {
    /// Lines, oldest first.
    pub items: Vec<CartLineDto>,
    /// Sum of the line totals.
    pub subtotal: MoneyDto,
    /// Units in the cart.
    pub item_count: i64,
}

impl From<&cart_pb::Cart> for CartDto {
    fn from(cart: &cart_pb::Cart) -> Self {
        Self {
            items: cart
                .lines
                .iter()
                .map(|line| CartLineDto {
                    product_id: line.product_id.clone(),
                    slug: line.slug.clone(),
                    name: line.name.clone(),
                    unit_price: MoneyDto::from(line.unit_price.as_ref()),
                    quantity: line.quantity,
                    line_total: MoneyDto::from(line.line_total.as_ref()),
                    available: line.available,
                    stock_status: line
                        .available
                        .map(|available| StockStatus::from_available(available).code()),
                })
                .collect(),
            subtotal: MoneyDto::from(cart.subtotal.as_ref()),
            item_count: cart.item_count,
        }
    }
}

/// Returns the caller's cart.
///
/// # Errors
/// 503 when the cart service is down.
#[utoipa::path(
    get,
    path = "/api/v1/cart",
    tag = "cart",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The cart (empty when there is none yet)", body = CartDto),
        (status = 503, description = "The cart is unavailable", body = Problem),
    )
)]
pub async fn get_cart(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Json<CartDto>, ApiError> {
    let cart = if visitor.has_cart() { state.clients.cart(&visitor).await? } else { empty_cart() };
    Ok(Json(CartDto::from(&cart)))
}

fn empty_cart() -> cart_pb::Cart {
    cart_pb::Cart {
        lines: Vec::new(),
        subtotal: Some(bazaar_types::Money::zero(bazaar_types::Currency::USD).into()),
        item_count: 0,
    }
}

/// A product and quantity to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddItemBody {
    /// Product UUID.
    #[serde(default)]
    pub product_id: String,
    /// Units to add, 1 to 99 (a line holds at most 99).
    #[schema(minimum = 1, maximum = 99)]
    pub quantity: i64,
}

/// Adds units of a product to the cart.
///
/// # Errors
/// 400 for a bad quantity or a full cart, 404 for an unknown product.
#[utoipa::path(
    post,
    path = "/api/v1/cart/items",
    tag = "cart",
    security((), ("bearer" = [])),
    request_body = AddItemBody,
    responses(
        (status = 201, description = "The updated cart", body = CartDto),
        (status = 400, description = "Invalid quantity or product id, or a full cart", body = Problem),
        (status = 404, description = "No such product", body = Problem),
    )
)]
pub async fn add_item(
    State(state): State<AppState>,
    mut visitor: Visitor,
    jar: PrivateCookieJar,
    ApiJson(body): ApiJson<AddItemBody>,
) -> Result<(StatusCode, PrivateCookieJar, Json<CartDto>), ApiError> {
    let jar = if visitor.user.is_none() && visitor.anonymous_id.is_none() {
        let id = uuid::Uuid::new_v4().to_string();
        visitor.anonymous_id = Some(id.clone());
        jar.add(session::cookie(CART_COOKIE, id, state.secure_cookies))
    } else {
        jar
    };
    let cart = state.clients.add_to_cart(&visitor, &body.product_id, body.quantity).await?;
    Ok((StatusCode::CREATED, jar, Json(CartDto::from(&cart))))
}

/// A new quantity.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QuantityBody {
    /// Units, 1 to 99.
    #[schema(minimum = 1, maximum = 99)]
    pub quantity: i64,
}

/// Sets the quantity of a product in the cart.
///
/// # Errors
/// 400 for a bad quantity, 404 when the product is not in the cart.
#[utoipa::path(
    patch,
    path = "/api/v1/cart/items/{product_id}",
    tag = "cart",
    security((), ("bearer" = [])),
    params(("product_id" = String, Path, description = "The product's UUID")),
    request_body = QuantityBody,
    responses(
        (status = 200, description = "The updated cart", body = CartDto),
        (status = 400, description = "Invalid quantity", body = Problem),
        (status = 404, description = "The product is not in the cart", body = Problem),
    )
)]
pub async fn set_quantity(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(product_id): Path<String>,
    ApiJson(body): ApiJson<QuantityBody>,
) -> Result<Json<CartDto>, ApiError> {
    if !visitor.has_cart() {
        return Err(not_in_cart());
    }
    let cart = state
        .clients
        .set_cart_quantity(&visitor, &product_id, body.quantity)
        .await
        .map_err(not_found_if_invalid_id)?;
    Ok(Json(CartDto::from(&cart)))
}

/// Removes a product from the cart.
///
/// # Errors
/// 404 when the product is not in the cart.
#[utoipa::path(
    delete,
    path = "/api/v1/cart/items/{product_id}",
    tag = "cart",
    security((), ("bearer" = [])),
    params(("product_id" = String, Path, description = "The product's UUID")),
    responses(
        (status = 200, description = "The updated cart", body = CartDto),
        (status = 404, description = "The product is not in the cart", body = Problem),
    )
)]
pub async fn remove_item(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(product_id): Path<String>,
) -> Result<Json<CartDto>, ApiError> {
    if !visitor.has_cart() {
        return Err(not_in_cart());
    }
    let cart = state
        .clients
        .remove_from_cart(&visitor, &product_id)
        .await
        .map_err(not_found_if_invalid_id)?;
    Ok(Json(CartDto::from(&cart)))
}

fn not_in_cart() -> ApiError {
    ApiError(crate::error::AppError::NotFound("that product is not in the cart".to_owned()))
}

/// A malformed product id in a path cannot name a line of the cart: 404, like any other.
fn not_found_if_invalid_id(status: tonic::Status) -> ApiError {
    let fields = bazaar_platform::grpc::field_errors(&status);
    if status.code() == tonic::Code::InvalidArgument && fields.message_for("product_id").is_some() {
        not_in_cart()
    } else {
        ApiError::from(status)
    }
}
