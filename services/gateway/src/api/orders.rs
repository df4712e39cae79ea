//! Orders over the API: checkout (with an `Idempotency-Key` header), history, detail, cancel,
//! shipping quotes, recommendations, and the admin list of all orders.

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};
use bazaar_contracts::{
    orders::{self as orders_pb, OrderStatus, place_order_request::Destination},
    payment as payment_pb,
    shipping::ShippingOption,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    accounts::AddressDto,
    dto::{MoneyDto, ProductDto, rfc3339},
    json::ApiJson,
};
use crate::{
    error::{ApiError, AppError, Problem},
    params::{ApiQuery, ListParams},
    session::{Admin, User, Visitor},
    state::AppState,
};

/// A card as typed. It goes to the payment service and is never stored by the shop.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CardDto {
    /// Card number; test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined,
    /// 4000 0000 0000 9995 is declined for insufficient funds, 4000 0000 0000 0119 fails once
    /// with a processing error and then succeeds.
    #[serde(default)]
    pub number: String,
    /// Expiry month, 1 to 12.
    pub exp_month: u32,
    /// Expiry year, e.g. 2030.
    pub exp_year: u32,
    /// Security code.
    #[serde(default)]
    pub cvc: String,
}

/// What to order: the caller's cart, shipped to an address (or a saved one) with an option,
/// paid with a card.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlaceOrderBody {
    /// A shipping address (or give `address_id`).
    pub address: Option<AddressDto>,
    /// The id of one of the caller's saved addresses.
    pub address_id: Option<String>,
    /// `standard` or `express`.
    #[serde(default)]
    #[schema(pattern = "^(standard|express)$")]
    pub shipping_option: String,
    /// The card to charge.
    pub card: Option<CardDto>,
}

/// A line of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineDto {
    /// Product UUID.
    pub product_id: String,
    /// Name at checkout.
    pub name: String,
    /// Slug at checkout.
    pub slug: String,
    /// Units.
    pub quantity: i64,
    /// Unit price at checkout.
    pub unit_price: MoneyDto,
    /// unit_price × quantity.
    pub line_total: MoneyDto,
}

/// The card an order was paid with.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardSummaryDto {
    /// e.g. `visa`.
    pub brand: String,
    /// Last four digits.
    pub last4: String,
}

/// An order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDto {
    /// UUID.
    pub id: String,
    /// `pending`, `rejected`, `payment_failed`, `confirmed`, `shipped`, `delivered` or `cancelled`.
    pub status: &'static str,
    /// Why it was rejected, failed or cancelled.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status_reason: String,
    /// Lines.
    pub items: Vec<OrderLineDto>,
    /// Sum of the lines.
    pub items_total: MoneyDto,
    /// Shipping price.
    pub shipping_total: MoneyDto,
    /// items_total + shipping_total.
    pub total: MoneyDto,
    /// `standard` or `express`.
    pub shipping_option: &'static str,
    /// Where it goes.
    pub address: AddressDto,
    /// The card.
    pub card: CardSummaryDto,
    /// The parcel's tracking number, once there is one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tracking_number: String,
    /// Whether the caller may cancel it now.
    pub cancellable: bool,
    /// RFC 3339 time it was placed.
    pub created_at: String,
    /// RFC 3339 time of its last change.
    pub updated_at: String,
}

impl From<&orders_pb::Order> for OrderDto {
    fn from(order: &orders_pb::Order) -> Self {
        Self {
            id: order.id.clone(),
            status: crate::routes::orders::status_words(order.status()).0,
            status_reason: order.status_reason.clone(),
            items: order
                .lines
                .iter()
                .map(|line| OrderLineDto {
                    product_id: line.product_id.clone(),
                    name: line.name.clone(),
                    slug: line.slug.clone(),
                    quantity: line.quantity,
                    unit_price: MoneyDto::from(line.unit_price.as_ref()),
                    line_total: MoneyDto::from(line.line_total.as_ref()),
                })
                .collect(),
            items_total: MoneyDto::from(order.items_total.as_ref()),
            shipping_total: MoneyDto::from(order.shipping_total.as_ref()),
            total: MoneyDto::from(order.total.as_ref()),
            shipping_option: if order.shipping_option() == ShippingOption::Express {
                "express"
            } else {
                "standard"
            },
            address: order.address.as_ref().map(AddressDto::from).unwrap_or_default(),
            card: CardSummaryDto {
                brand: order.card_brand.clone(),
                last4: order.card_last4.clone(),
            },
            tracking_number: order.tracking_number.clone(),
            cancellable: order.cancellable,
            created_at: rfc3339(order.created_at_ms),
            updated_at: rfc3339(order.updated_at_ms),
        }
    }
}

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderList {
    /// Newest first.
    pub items: Vec<OrderDto>,
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
    /// Orders in all.
    pub total_items: u64,
    /// Pages in all.
    pub total_pages: u32,
}

fn order_list(
    orders: &[orders_pb::Order],
    page: Option<bazaar_contracts::common::PageInfo>,
) -> OrderList {
    let page = page.unwrap_or_default();
    OrderList {
        items: orders.iter().map(OrderDto::from).collect(),
        page: page.page,
        page_size: page.page_size,
        total_items: page.total_items,
        total_pages: page.total_pages,
    }
}

/// Places an order from the caller's cart. The `Idempotency-Key` header makes retries safe: the
/// same key always returns the same order (201 the first time, 200 after), and never charges twice.
///
/// # Errors
/// 400 with field messages (address, shipping option, card, an empty cart), 401 without a token.
#[utoipa::path(
    post,
    path = "/api/v1/orders",
    tag = "orders",
    security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "A unique key per checkout, e.g. a UUID")),
    request_body = PlaceOrderBody,
    responses(
        (status = 201, description = "The order (its status says whether it was confirmed)", body = OrderDto),
        (status = 200, description = "The order this key placed before", body = OrderDto),
        (status = 400, description = "Invalid fields or an empty cart", body = Problem),
        (status = 401, description = "No valid token", body = Problem),
    )
)]
pub async fn place_order(
    State(state): State<AppState>,
    User(user): User,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PlaceOrderBody>,
) -> Result<(StatusCode, Json<OrderDto>), ApiError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .ok_or_else(|| {
            AppError::invalid(
                "Idempotency-Key",
                "header is required (a unique key per checkout, e.g. a UUID)",
            )
        })?;
    let destination = match (body.address, body.address_id) {
        (_, Some(id)) => Some(Destination::AddressId(id)),
        (Some(address), None) => Some(Destination::Address(address.to_proto())),
        (None, None) => None,
    };
    let shipping_option = match body.shipping_option.as_str() {
        "standard" => ShippingOption::Standard,
        "express" => ShippingOption::Express,
        _ => return Err(AppError::invalid("shipping_option", "must be standard or express").into()),
    };
    let card = body.card.map(|card| payment_pb::Card {
        number: card.number,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        cvc: card.cvc,
    });
    let request = orders_pb::PlaceOrderRequest {
        idempotency_key: key.to_owned(),
        destination,
        shipping_option: shipping_option.into(),
        card,
    };
    let response = state.clients.place_order(&user.token, request).await?;
    let order = response.order.ok_or(AppError::Internal)?;
    let status = if response.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(OrderDto::from(&order))))
}

/// Lists the caller's orders, newest first.
///
/// # Errors
/// 400 for bad paging, 401 without a token.
#[utoipa::path(
    get,
    path = "/api/v1/orders",
    tag = "orders",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of orders", body = OrderList),
        (status = 401, description = "No valid token", body = Problem),
    )
)]
pub async fn list_orders(
    State(state): State<AppState>,
    User(user): User,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<OrderList>, ApiError> {
    let page = params.list().page()?;
    let response = state.clients.orders(&user.token, page.into()).await?;
    Ok(Json(order_list(&response.orders, response.page)))
}

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number.
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: Option<String>,
    /// Items per page, 1 to 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub page_size: Option<String>,
}

impl PageParams {
    fn list(self) -> ListParams {
        ListParams { page: self.page, page_size: self.page_size, ..ListParams::default() }
    }
}

fn not_found(status: tonic::Status) -> ApiError {
    match status.code() {
        tonic::Code::NotFound | tonic::Code::InvalidArgument => {
            ApiError(AppError::NotFound("no such order".to_owned()))
        }
        _ => status.into(),
    }
}

/// Returns one of the caller's orders.
///
/// # Errors
/// 401 without a token, 404 for an unknown order or another user's.
#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}",
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's UUID")),
    responses(
        (status = 200, description = "The order", body = OrderDto),
        (status = 401, description = "No valid token", body = Problem),
        (status = 404, description = "No such order", body = Problem),
    )
)]
pub async fn get_order(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<OrderDto>, ApiError> {
    let order = state.clients.order(&user.token, &id).await.map_err(not_found)?;
    Ok(Json(OrderDto::from(&order)))
}

/// Cancels an order that has not shipped: the payment is refunded and the stock released.
///
/// # Errors
/// 401 without a token, 404 for another user's order, 409 when it can no longer be cancelled.
#[utoipa::path(
    post,
    path = "/api/v1/orders/{id}/cancel",
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's UUID")),
    responses(
        (status = 200, description = "The cancelled order", body = OrderDto),
        (status = 401, description = "No valid token", body = Problem),
        (status = 404, description = "No such order", body = Problem),
        (status = 409, description = "It has shipped, or was never confirmed", body = Problem),
    )
)]
pub async fn cancel_order(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<Json<OrderDto>, ApiError> {
    let order = state.clients.cancel_order(&user.token, &id).await.map_err(not_found)?;
    Ok(Json(OrderDto::from(&order)))
}

/// Filters of the admin order list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminOrdersParams {
    /// Only orders in this status.
    #[param(
        pattern = "^(pending|rejected|payment_failed|confirmed|shipped|delivered|cancelled)?$"
    )]
    pub status: Option<String>,
    /// 1-based page number.
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: Option<String>,
    /// Items per page, 1 to 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub page_size: Option<String>,
}

/// Reads an order status filter (empty means all).
///
/// # Errors
/// 400 for an unknown status.
pub fn parse_status(text: &str) -> Result<OrderStatus, AppError> {
    Ok(match text.trim() {
        "" => OrderStatus::Unspecified,
        "pending" => OrderStatus::Pending,
        "rejected" => OrderStatus::Rejected,
        "payment_failed" => OrderStatus::PaymentFailed,
        "confirmed" => OrderStatus::Confirmed,
        "shipped" => OrderStatus::Shipped,
        "delivered" => OrderStatus::Delivered,
        "cancelled" => OrderStatus::Cancelled,
        _ => {
            return Err(AppError::invalid(
                "status",
                "must be one of pending, rejected, payment_failed, confirmed, shipped, delivered, cancelled",
            ));
        }
    })
}

/// Lists every order, newest first (admin).
///
/// # Errors
/// 400 for a bad filter, 401 without a token, 403 for a customer.
#[utoipa::path(
    get,
    path = "/api/v1/admin/orders",
    tag = "admin",
    security(("bearer" = [])),
    params(AdminOrdersParams),
    responses(
        (status = 200, description = "A page of orders", body = OrderList),
        (status = 400, description = "Bad filter", body = Problem),
        (status = 401, description = "No valid token", body = Problem),
        (status = 403, description = "Not an admin", body = Problem),
    )
)]
pub async fn all_orders(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiQuery(params): ApiQuery<AdminOrdersParams>,
) -> Result<Json<OrderList>, ApiError> {
    let status = parse_status(params.status.as_deref().unwrap_or(""))?;
    let page =
        ListParams { page: params.page, page_size: params.page_size, ..ListParams::default() }
            .page()?;
    let response = state.clients.all_orders(&admin.token, page.into(), status).await?;
    Ok(Json(order_list(&response.orders, response.page)))
}

/// The country to quote shipping to.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteParams {
    /// ISO 3166-1 alpha-2 code, e.g. `US`.
    #[param(required = true, pattern = "^[A-Za-z]{2}$", example = "US")]
    pub country: Option<String>,
}

/// A shipping option and its price.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteDto {
    /// `standard` or `express`.
    pub option: &'static str,
    /// Price for the caller's cart (or one item when the cart is empty).
    pub price: MoneyDto,
    /// `domestic`, `north_america`, `europe` or `world`.
    pub zone: String,
    /// Fewest business days.
    pub min_days: u32,
    /// Most business days.
    pub max_days: u32,
}

/// Shipping options.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteList {
    /// Standard, then express.
    pub items: Vec<QuoteDto>,
}

/// Quotes shipping of the caller's cart to a country.
///
/// # Errors
/// 400 for a missing or unknown country.
#[utoipa::path(
    get,
    path = "/api/v1/shipping/quotes",
    tag = "orders",
    security((), ("bearer" = [])),
    params(QuoteParams),
    responses(
        (status = 200, description = "Every option", body = QuoteList),
        (status = 400, description = "Unknown country", body = Problem),
    )
)]
pub async fn quotes(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiQuery(params): ApiQuery<QuoteParams>,
) -> Result<Json<QuoteList>, ApiError> {
    let country = params.country.unwrap_or_default();
    if country.trim().is_empty() {
        return Err(AppError::invalid("country", "is required, e.g. country=US").into());
    }
    let cart = if visitor.has_cart() { state.clients.cart(&visitor).await.ok() } else { None };
    let (count, total) = cart.map_or((1, None), |cart| (cart.item_count.max(1), cart.subtotal));
    let total = total.unwrap_or_else(|| bazaar_contracts::common::Money {
        amount_minor: 0,
        currency: "USD".to_owned(),
    });
    let quotes = state.clients.quotes(&country, count, total).await?;
    Ok(Json(QuoteList {
        items: quotes
            .iter()
            .map(|quote| QuoteDto {
                option: if quote.option() == ShippingOption::Express {
                    "express"
                } else {
                    "standard"
                },
                price: MoneyDto::from(quote.price.as_ref()),
                zone: quote.zone.clone(),
                min_days: quote.min_days,
                max_days: quote.max_days,
            })
            .collect(),
    }))
}

/// The products to recommend for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecommendationParams {
    /// A product UUID.
    #[param(
        required = true,
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub product_id: Option<String>,
}

/// A recommended product.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationDto {
    /// The product.
    pub product: ProductDto,
    /// `bought_together` or `same_category`.
    pub reason: String,
}

/// Recommendations.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationList {
    /// Best first.
    pub items: Vec<RecommendationDto>,
}

/// Recommends products bought together with a product, then products of its category. When the
/// recommendation service is down the list is empty.
///
/// # Errors
/// 400 without a product id.
#[utoipa::path(
    get,
    path = "/api/v1/recommendations",
    tag = "catalog",
    params(RecommendationParams),
    responses(
        (status = 200, description = "Recommended products", body = RecommendationList),
        (status = 400, description = "Missing or malformed product id", body = Problem),
    )
)]
pub async fn recommendations(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<RecommendationParams>,
) -> Result<Json<RecommendationList>, ApiError> {
    let id = params.product_id.unwrap_or_default();
    if uuid::Uuid::try_parse(&id).is_err() {
        return Err(AppError::invalid("product_id", "must be a product UUID").into());
    }
    let recommended = state.clients.recommendations(vec![id], 4).await;
    Ok(Json(RecommendationList {
        items: recommended
            .into_iter()
            .map(|(product, reason)| RecommendationDto {
                product: ProductDto::from(&product),
                reason,
            })
            .collect(),
    }))
}
