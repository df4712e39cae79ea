//! The cart page and the forms that change the cart. Every form works without JavaScript (a post
//! and a redirect); with htmx, adding to the cart updates the page in place.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{Path, State},
    http::HeaderMap,
    response::{Html, IntoResponse, Redirect, Response},
};
use axum_extra::extract::PrivateCookieJar;
use bazaar_contracts::cart as cart_pb;
use bazaar_types::Quantity;
use serde::Deserialize;
use tonic::Code;

use crate::{
    error::{AppError, PageError},
    session::{self, CART_COOKIE, Visitor},
    state::AppState,
    view::{Layout, StockBadge, money},
};

/// A line of the cart page.
#[derive(Debug, Clone)]
pub struct CartLineView {
    /// Product id.
    pub product_id: String,
    /// Slug, for the link.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Image URL.
    pub image_url: String,
    /// Formatted unit price.
    pub unit_price: String,
    /// Units.
    pub quantity: i64,
    /// Formatted line total.
    pub line_total: String,
    /// Stock badge, when known.
    pub stock: Option<StockBadge>,
    /// Whether the quantity is more than is available.
    pub short: bool,
}

impl From<&cart_pb::CartLine> for CartLineView {
    fn from(line: &cart_pb::CartLine) -> Self {
        Self {
            product_id: line.product_id.clone(),
            slug: line.slug.clone(),
            name: line.name.clone(),
            image_url: format!("/media/products/{}.svg", line.product_id),
            unit_price: money(line.unit_price.as_ref()),
            quantity: line.quantity,
            line_total: money(line.line_total.as_ref()),
            stock: line.available.map(StockBadge::from_available),
            short: line.available.is_some_and(|available| available < line.quantity),
        }
    }
}

/// The cart page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/cart.html")]
pub struct CartPage {
    layout: Layout,
    lines: Vec<CartLineView>,
    subtotal: String,
    item_count: i64,
    has_short_lines: bool,
    recommended: Vec<crate::view::ProductCard>,
    recommended_title: &'static str,
}

/// `GET /cart`.
///
/// # Errors
/// 503 when the cart service is down.
pub async fn cart(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
) -> Result<CartPage, PageError> {
    let cart = if visitor.has_cart() {
        state.clients.cart(&visitor).await?
    } else {
        cart_pb::Cart::default()
    };
    let lines: Vec<CartLineView> = cart.lines.iter().map(CartLineView::from).collect();
    let recommended = state
        .clients
        .recommendations(cart.lines.iter().map(|line| line.product_id.clone()).collect(), 4)
        .await
        .iter()
        .map(|(product, _)| crate::view::ProductCard::from(product))
        .collect();
    let recommended = super::shop::with_stock(&state, recommended).await;
    Ok(CartPage {
        recommended,
        recommended_title: "You might also like",
        layout,
        has_short_lines: lines.iter().any(|line| line.short),
        lines,
        subtotal: money(cart.subtotal.as_ref()),
        item_count: cart.item_count,
    })
}

/// The add-to-cart form.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    product_id: Option<String>,
    quantity: Option<String>,
}

fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// Gives an anonymous visitor a cart id (and its cookie) when they have none.
fn ensure_cart_id(
    state: &AppState,
    visitor: &mut Visitor,
    jar: PrivateCookieJar,
) -> PrivateCookieJar {
    if visitor.user.is_some() || visitor.anonymous_id.is_some() {
        return jar;
    }
    let id = uuid::Uuid::new_v4().to_string();
    visitor.anonymous_id = Some(id.clone());
    jar.add(session::cookie(CART_COOKIE, id, state.secure_cookies))
}

fn parse_quantity(text: Option<&str>) -> Result<i64, AppError> {
    Quantity::parse_str(text.unwrap_or("1"))
        .map(Quantity::get)
        .map_err(|error| AppError::invalid("quantity", error.to_string()))
}

/// `POST /cart/items`: adds a product (from product pages and cards).
///
/// # Errors
/// 400 for a bad quantity, 404 for an unknown product, 503 when the cart is down.
pub async fn add(
    State(state): State<AppState>,
    mut visitor: Visitor,
    jar: PrivateCookieJar,
    headers: HeaderMap,
    Form(form): Form<AddForm>,
) -> Result<Response, PageError> {
    let htmx = is_htmx(&headers);
    let result = async {
        let quantity = parse_quantity(form.quantity.as_deref())?;
        let product_id = form.product_id.unwrap_or_default();
        let jar = ensure_cart_id(&state, &mut visitor, jar);
        let cart =
            state.clients.add_to_cart(&visitor, &product_id, quantity).await.map_err(|status| {
                if status.code() == Code::NotFound {
                    AppError::NotFound("that product no longer exists".to_owned())
                } else {
                    status.into()
                }
            })?;
        Ok::<_, AppError>((jar, cart))
    }
    .await;
    match (result, htmx) {
        (Ok((jar, cart)), true) => Ok((
            jar,
            Html(format!(
                "<p class=\"alert alert-ok\" role=\"status\">Added to your cart. <a href=\"/cart\">View cart ({} items)</a></p>\
                 <span id=\"cart-count\" class=\"cart-count\" hx-swap-oob=\"true\">{}</span>",
                cart.item_count, cart.item_count
            )),
        )
            .into_response()),
        (Ok((jar, _)), false) => Ok((jar, Redirect::to("/cart?notice=added")).into_response()),
        // htmx only swaps successful responses: the message goes in a 200 fragment.
        (Err(error), true) if error.status().is_client_error() => Ok(Html(format!(
            "<p class=\"alert alert-error\" role=\"alert\">{}</p>",
            crate::view::escape_html(&error.message())
        ))
        .into_response()),
        (Err(error), _) => Err(PageError(error)),
    }
}

/// The quantity form of a cart line.
#[derive(Debug, Deserialize)]
pub struct QuantityForm {
    quantity: Option<String>,
}

fn not_in_cart(status: tonic::Status) -> PageError {
    match status.code() {
        Code::NotFound | Code::InvalidArgument => {
            PageError(AppError::NotFound("that product is not in your cart".to_owned()))
        }
        _ => status.into(),
    }
}

/// `POST /cart/items/{product_id}`: sets a line's quantity.
///
/// # Errors
/// 400 for a bad quantity, 404 when the product is not in the cart.
pub async fn update(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(product_id): Path<String>,
    Form(form): Form<QuantityForm>,
) -> Result<Response, PageError> {
    let quantity = parse_quantity(form.quantity.as_deref())?;
    if !visitor.has_cart() {
        return Err(PageError(AppError::NotFound("your cart is empty".to_owned())));
    }
    state.clients.set_cart_quantity(&visitor, &product_id, quantity).await.map_err(not_in_cart)?;
    Ok(Redirect::to("/cart?notice=updated").into_response())
}

/// `POST /cart/items/{product_id}/remove`: removes a line.
///
/// # Errors
/// 404 when the product is not in the cart.
pub async fn remove(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(product_id): Path<String>,
) -> Result<Response, PageError> {
    if !visitor.has_cart() {
        return Err(PageError(AppError::NotFound("your cart is empty".to_owned())));
    }
    state.clients.remove_from_cart(&visitor, &product_id).await.map_err(not_in_cart)?;
    Ok(Redirect::to("/cart?notice=removed").into_response())
}
