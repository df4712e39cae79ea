//! Order history, order detail (with status, tracking and a cancel button where allowed), and
//! cancellation.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use bazaar_contracts::orders::{self as orders_pb, OrderStatus};
use bazaar_types::Country;
use serde::Deserialize;
use tonic::Code;

use crate::{
    error::{AppError, PageError},
    params::{ListParams, PageQuery},
    routes::account::sign_in_redirect,
    session::Visitor,
    state::AppState,
    view::{Layout, Pager, money},
};

/// An order, for display.
#[derive(Debug, Clone)]
pub struct OrderView {
    /// Id.
    pub id: String,
    /// Short number shown to customers.
    pub number: String,
    /// Status code (`confirmed`, ...).
    pub status: &'static str,
    /// Status in words.
    pub status_label: &'static str,
    /// Badge modifier.
    pub badge: &'static str,
    /// Why it failed or was cancelled.
    pub reason: String,
    /// When it was placed.
    pub placed_at: String,
    /// Lines.
    pub lines: Vec<OrderLineView>,
    /// Units.
    pub item_count: i64,
    /// Formatted items total.
    pub items_total: String,
    /// Formatted shipping price.
    pub shipping_total: String,
    /// Formatted total.
    pub total: String,
    /// `Standard` or `Express`.
    pub shipping_option: &'static str,
    /// Address lines.
    pub address: Vec<String>,
    /// e.g. "visa ending 4242".
    pub card: String,
    /// Tracking number, once there is one.
    pub tracking_number: String,
    /// Whether the customer may cancel it.
    pub cancellable: bool,
    /// Customer's e-mail address (admin view).
    pub email: String,
    /// Progress steps: label and whether reached.
    pub progress: Vec<(&'static str, bool)>,
}

/// A line of an order, for display.
#[derive(Debug, Clone)]
pub struct OrderLineView {
    /// Slug, for the link.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Units.
    pub quantity: i64,
    /// Formatted unit price.
    pub unit_price: String,
    /// Formatted line total.
    pub line_total: String,
}

/// Returns the code, label and badge of an order status.
pub fn status_words(status: OrderStatus) -> (&'static str, &'static str, &'static str) {
    match status {
        OrderStatus::Pending | OrderStatus::Unspecified => ("pending", "Processing", "neutral"),
        OrderStatus::Rejected => ("rejected", "Out of stock", "out"),
        OrderStatus::PaymentFailed => ("payment_failed", "Payment failed", "out"),
        OrderStatus::Confirmed => ("confirmed", "Confirmed", "in"),
        OrderStatus::Shipped => ("shipped", "Shipped", "in"),
        OrderStatus::Delivered => ("delivered", "Delivered", "in"),
        OrderStatus::Cancelled => ("cancelled", "Cancelled", "neutral"),
    }
}

/// The short form of an order id: its last eight hex digits.
pub fn order_number(id: &str) -> String {
    let digits: Vec<char> = id.chars().filter(char::is_ascii_hexdigit).collect();
    digits[digits.len().saturating_sub(8)..].iter().collect::<String>().to_uppercase()
}

impl From<&orders_pb::Order> for OrderView {
    fn from(order: &orders_pb::Order) -> Self {
        let (status, status_label, badge) = status_words(order.status());
        let address = order.address.clone().unwrap_or_default();
        let mut address_lines = vec![address.name, address.line1];
        if !address.line2.is_empty() {
            address_lines.push(address.line2);
        }
        address_lines.push(format!("{} {}", address.postal_code, address.city));
        address_lines.push(
            Country::parse(&address.country).map_or(address.country, |c| c.name().to_owned()),
        );
        let reached = |step: usize| match order.status() {
            OrderStatus::Confirmed => step <= 1,
            OrderStatus::Shipped => step <= 2,
            OrderStatus::Delivered => true,
            _ => step == 0,
        };
        Self {
            id: order.id.clone(),
            number: order_number(&order.id),
            status,
            status_label,
            badge,
            reason: order.status_reason.clone(),
            placed_at: crate::api::dto::rfc3339(order.created_at_ms)
                .replace('T', " ")
                .chars()
                .take(16)
                .collect(),
            item_count: order.lines.iter().map(|line| line.quantity).sum(),
            lines: order
                .lines
                .iter()
                .map(|line| OrderLineView {
                    slug: line.slug.clone(),
                    name: line.name.clone(),
                    quantity: line.quantity,
                    unit_price: money(line.unit_price.as_ref()),
                    line_total: money(line.line_total.as_ref()),
                })
                .collect(),
            items_total: money(order.items_total.as_ref()),
            shipping_total: money(order.shipping_total.as_ref()),
            total: money(order.total.as_ref()),
            shipping_option: if order.shipping_option()
                == bazaar_contracts::shipping::ShippingOption::Express
            {
                "Express"
            } else {
                "Standard"
            },
            address: address_lines,
            card: format!("{} ending {}", order.card_brand, order.card_last4),
            tracking_number: order.tracking_number.clone(),
            cancellable: order.cancellable,
            email: order.email.clone(),
            progress: ["Placed", "Confirmed", "Shipped", "Delivered"]
                .iter()
                .enumerate()
                .map(|(index, label)| (*label, reached(index)))
                .collect(),
        }
    }
}

/// The order history page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/orders.html")]
pub struct OrdersPage {
    layout: Layout,
    orders: Vec<OrderView>,
    pager: Pager,
}

/// `GET /orders`: the signed-in customer's orders, newest first.
///
/// # Errors
/// 400 for a bad page, 503 when orders is down.
pub async fn history(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
    PageQuery(params): PageQuery<ListParams>,
) -> Result<Response, PageError> {
    let Some(user) = &visitor.user else { return Ok(sign_in_redirect("/orders")) };
    let page = ListParams { page_size: Some("20".to_owned()), ..params }.page()?;
    let response = state.clients.orders(&user.token, page.into()).await?;
    let info = response.page.unwrap_or_default();
    Ok(OrdersPage {
        layout,
        orders: response.orders.iter().map(OrderView::from).collect(),
        pager: Pager::new(info.page, info.total_pages, |number| format!("/orders?page={number}")),
    }
    .into_response())
}

/// The order detail page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/order.html")]
pub struct OrderPage {
    layout: Layout,
    order: OrderView,
    just_placed: bool,
}

/// The `placed` flag set after checkout.
#[derive(Debug, Deserialize)]
pub struct OrderQuery {
    placed: Option<String>,
}

fn order_not_found(status: tonic::Status) -> PageError {
    match status.code() {
        Code::NotFound | Code::InvalidArgument => {
            PageError(AppError::NotFound("no such order".to_owned()))
        }
        _ => status.into(),
    }
}

/// `GET /orders/{id}`: one of the customer's orders (404 for anyone else's).
///
/// # Errors
/// 404 for an unknown or foreign order, 503 when orders is down.
pub async fn detail(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<OrderQuery>,
) -> Result<Response, PageError> {
    let Some(user) = &visitor.user else { return Ok(sign_in_redirect(&format!("/orders/{id}"))) };
    let order = state.clients.order(&user.token, &id).await.map_err(order_not_found)?;
    Ok(OrderPage { layout, order: OrderView::from(&order), just_placed: query.placed.is_some() }
        .into_response())
}

/// `POST /orders/{id}/cancel`: cancels an order that has not shipped.
///
/// # Errors
/// 404 for a foreign order, 409 when it can no longer be cancelled.
pub async fn cancel(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Some(user) = &visitor.user else { return Ok(sign_in_redirect(&format!("/orders/{id}"))) };
    state.clients.cancel_order(&user.token, &id).await.map_err(order_not_found)?;
    Ok(Redirect::to(&format!("/orders/{id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_are_the_last_eight_hex_digits() {
        assert_eq!(order_number("0190a5c4-0e2b-7c3d-8e4f-5a6b7c8d9e0f"), "7C8D9E0F");
        assert_eq!(order_number("ab"), "AB");
    }
}
