//! The admin side: a dashboard and stock management. Only admins get in; others are sent to
//! sign in or shown 403.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use bazaar_contracts::catalog as catalog_pb;
use bazaar_platform::auth::Principal;
use serde::Deserialize;
use tonic::Code;

use crate::{
    error::{AppError, PageError},
    params::{ListParams, PageQuery},
    routes::account::sign_in_redirect,
    session::Visitor,
    state::AppState,
    view::{Layout, Pager, StockBadge, money},
};

/// Lets admins through; sends anonymous visitors to sign in and refuses customers.
///
/// # Errors
/// A redirect or a 403 page.
pub fn require_admin<'a>(visitor: &'a Visitor, here: &str) -> Result<&'a Principal, Box<Response>> {
    match &visitor.user {
        None => Err(Box::new(sign_in_redirect(here))),
        Some(user) if visitor.is_admin() => Ok(user),
        Some(_) => Err(Box::new(
            PageError(AppError::Forbidden("this page is for shop administrators".to_owned()))
                .into_response(),
        )),
    }
}

/// The admin dashboard.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/admin.html")]
pub struct AdminPage {
    layout: Layout,
}

/// `GET /admin`.
pub async fn dashboard(visitor: Visitor, layout: Layout) -> Response {
    match require_admin(&visitor, "/admin") {
        Ok(_) => AdminPage { layout }.into_response(),
        Err(response) => *response,
    }
}

/// A row of the stock table.
#[derive(Debug, Clone)]
pub struct StockRow {
    /// Product id.
    pub product_id: String,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Formatted price.
    pub price: String,
    /// Units on hand.
    pub on_hand: i64,
    /// Units reserved by orders in progress.
    pub reserved: i64,
    /// Badge.
    pub stock: StockBadge,
}

/// The stock page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/admin_stock.html")]
pub struct StockPage {
    layout: Layout,
    rows: Vec<StockRow>,
    page: u32,
    pager: Pager,
}

/// `GET /admin/stock?page=`: every product with its stock and a form to set it.
///
/// # Errors
/// 400 for a bad page, 503 when catalog or inventory is down.
pub async fn stock(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
    PageQuery(params): PageQuery<ListParams>,
) -> Result<Response, PageError> {
    if let Err(response) = require_admin(&visitor, "/admin/stock") {
        return Ok(*response);
    }
    let page = ListParams { page_size: Some("25".to_owned()), ..params }.page()?;
    let products = state
        .clients
        .list_products(catalog_pb::ListProductsRequest {
            page: Some(page.into()),
            ..Default::default()
        })
        .await?;
    let levels =
        state.clients.stock(products.products.iter().map(|p| p.id.clone()).collect()).await?;
    let rows = products
        .products
        .iter()
        .map(|product| {
            let level = levels.get(&product.id).cloned().unwrap_or_default();
            StockRow {
                product_id: product.id.clone(),
                slug: product.slug.clone(),
                name: product.name.clone(),
                price: money(product.price.as_ref()),
                on_hand: level.on_hand,
                reserved: level.reserved,
                stock: StockBadge::from_available(level.available),
            }
        })
        .collect();
    let info = products.page.unwrap_or_default();
    let pager =
        Pager::new(info.page, info.total_pages, |number| format!("/admin/stock?page={number}"));
    Ok(StockPage { layout, rows, page: info.page, pager }.into_response())
}

/// The set-stock form.
#[derive(Debug, Deserialize)]
pub struct SetStockForm {
    on_hand: Option<String>,
    page: Option<String>,
}

/// `POST /admin/stock/{product_id}`: sets a product's stock on hand.
///
/// # Errors
/// 400 for a bad number, 409 when it is below what is reserved, 503 when inventory is down.
pub async fn set_stock(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(product_id): Path<String>,
    Form(form): Form<SetStockForm>,
) -> Result<Response, PageError> {
    let admin = match require_admin(&visitor, "/admin/stock") {
        Ok(admin) => admin,
        Err(response) => return Ok(*response),
    };
    let on_hand = form
        .on_hand
        .as_deref()
        .and_then(|text| text.trim().parse::<i64>().ok())
        .filter(|value| *value >= 0)
        .ok_or_else(|| AppError::invalid("on_hand", "must be a whole number of at least 0"))?;
    state.clients.set_stock(&admin.token, &product_id, on_hand).await.map_err(
        |status| match status.code() {
            Code::InvalidArgument
                if bazaar_platform::grpc::field_errors(&status)
                    .message_for("product_id")
                    .is_some() =>
            {
                PageError(AppError::NotFound("no such product".to_owned()))
            }
            _ => status.into(),
        },
    )?;
    let page = form.page.as_deref().and_then(|page| page.parse::<u32>().ok()).unwrap_or(1);
    Ok(Redirect::to(&format!("/admin/stock?page={page}&notice=stock-saved")).into_response())
}

/// The admin orders page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/admin_orders.html")]
pub struct OrdersPage {
    layout: Layout,
    orders: Vec<crate::routes::orders::OrderView>,
    status: String,
    filters: [(&'static str, &'static str); 8],
    pager: Pager,
}

const FILTERS: [(&str, &str); 8] = [
    ("", "All"),
    ("pending", "Processing"),
    ("confirmed", "Confirmed"),
    ("shipped", "Shipped"),
    ("delivered", "Delivered"),
    ("cancelled", "Cancelled"),
    ("payment_failed", "Payment failed"),
    ("rejected", "Out of stock"),
];

/// The filters of the admin orders page.
#[derive(Debug, Deserialize)]
pub struct OrdersQuery {
    status: Option<String>,
    page: Option<String>,
}

/// `GET /admin/orders?status=&page=`: every order, newest first.
///
/// # Errors
/// 400 for an unknown status or bad page, 503 when orders is down.
pub async fn orders(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
    PageQuery(query): PageQuery<OrdersQuery>,
) -> Result<Response, PageError> {
    let admin = match require_admin(&visitor, "/admin/orders") {
        Ok(admin) => admin,
        Err(response) => return Ok(*response),
    };
    let status_text = query.status.unwrap_or_default();
    let status = crate::api::orders::parse_status(&status_text)?;
    let page = bazaar_types::Page::from_query(query.page.as_deref(), Some("25"))
        .map_err(|error| AppError::invalid(error.field(), error.to_string()))?;
    let response = state.clients.all_orders(&admin.token, page.into(), status).await?;
    let info = response.page.unwrap_or_default();
    let filter = status_text.clone();
    Ok(OrdersPage {
        layout,
        orders: response.orders.iter().map(crate::routes::orders::OrderView::from).collect(),
        status: status_text,
        filters: FILTERS,
        pager: Pager::new(info.page, info.total_pages, |number| {
            format!("/admin/orders?status={filter}&page={number}")
        }),
    }
    .into_response())
}
