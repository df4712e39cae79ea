//! The checkout page: address, shipping option with its price, and card. The form keeps what was
//! typed and shows each field's error beside it. A hidden idempotency key makes a double submit
//! (or a refresh) return the same order instead of placing a second one.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use bazaar_contracts::{
    cart as cart_pb,
    orders::{self as orders_pb, place_order_request::Destination},
    payment as payment_pb,
    shipping::{self as shipping_pb, ShippingOption},
};
use bazaar_types::FieldErrors;
use serde::Deserialize;
use tonic::Code;

use crate::{
    error::PageError,
    params::PageQuery,
    routes::{
        account::{AddressForm, AddressView, countries, sign_in_redirect},
        cart::CartLineView,
    },
    session::Visitor,
    state::AppState,
    view::{Layout, money, usd},
};

/// A shipping option as offered.
#[derive(Debug, Clone)]
pub struct QuoteView {
    /// `standard` or `express`.
    pub option: &'static str,
    /// `Standard` or `Express`.
    pub label: &'static str,
    /// Formatted price ("Free" at zero).
    pub price: String,
    /// e.g. "3–5 business days".
    pub days: String,
}

/// The checkout page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/checkout.html")]
pub struct CheckoutPage {
    layout: Layout,
    idempotency_key: String,
    lines: Vec<CartLineView>,
    subtotal: String,
    quotes: Vec<QuoteView>,
    shipping_option: String,
    saved: Vec<AddressView>,
    address_id: String,
    address: AddressForm,
    quoted_country: String,
    quoted_country_name: &'static str,
    countries: Vec<(&'static str, &'static str)>,
    card_number: String,
    exp_month: String,
    exp_year: String,
    errors: FieldErrors,
    problem: Option<String>,
}

/// The delivery choices for one destination: what htmx swaps in when the country changes.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "partials/delivery.html")]
pub struct DeliveryPartial {
    quotes: Vec<QuoteView>,
    shipping_option: String,
    quoted_country: String,
    quoted_country_name: &'static str,
}

/// Returns a country's name for display.
fn country_name(code: &str) -> &'static str {
    countries().into_iter().find(|(c, _)| *c == code).map_or("your country", |(_, name)| name)
}

/// What the form sent.
#[derive(Debug, Default, Deserialize)]
pub struct CheckoutForm {
    /// The country the shown shipping prices are for.
    #[serde(default)]
    quoted_country: String,
    #[serde(default)]
    idempotency_key: String,
    #[serde(default)]
    address_id: String,
    #[serde(flatten)]
    address: AddressForm,
    #[serde(default)]
    shipping_option: String,
    #[serde(default)]
    card_number: String,
    #[serde(default)]
    exp_month: String,
    #[serde(default)]
    exp_year: String,
    #[serde(default)]
    cvc: String,
}

fn quote_view(quote: &shipping_pb::ShippingQuote) -> QuoteView {
    let express = quote.option() == ShippingOption::Express;
    let price = quote.price.as_ref().map_or(0, |price| price.amount_minor);
    QuoteView {
        option: if express { "express" } else { "standard" },
        label: if express { "Express" } else { "Standard" },
        price: if price == 0 { "Free".to_owned() } else { money(quote.price.as_ref()) },
        days: format!("{}–{} business days", quote.min_days, quote.max_days),
    }
}

/// Builds the page around a priced cart, with whatever the visitor typed.
async fn page(
    state: &AppState,
    layout: Layout,
    token: &str,
    cart: &cart_pb::Cart,
    form: CheckoutForm,
    errors: FieldErrors,
    problem: Option<String>,
) -> Result<CheckoutPage, PageError> {
    let saved = state.clients.addresses(token).await?;
    let address_id = if form.address_id.is_empty() {
        saved.first().map_or_else(|| "new".to_owned(), |address| address.id.clone())
    } else {
        form.address_id.clone()
    };
    let country = destination_country(&saved, &address_id, &form.address.country);
    let subtotal = subtotal(cart);
    let quotes = state
        .clients
        .quotes(&country, cart.item_count.max(1), subtotal.clone())
        .await
        .unwrap_or_default();
    let address = AddressForm {
        country: if form.address.country.is_empty() {
            "US".to_owned()
        } else {
            form.address.country.clone()
        },
        ..form.address
    };
    Ok(CheckoutPage {
        layout,
        idempotency_key: if form.idempotency_key.is_empty() {
            uuid::Uuid::new_v4().to_string()
        } else {
            form.idempotency_key
        },
        lines: cart.lines.iter().map(CartLineView::from).collect(),
        subtotal: money(Some(&subtotal)),
        quotes: quotes.iter().map(quote_view).collect(),
        shipping_option: if form.shipping_option == "express" {
            "express".to_owned()
        } else {
            "standard".to_owned()
        },
        saved: saved.iter().map(AddressView::from).collect(),
        address_id,
        address,
        quoted_country_name: country_name(&country),
        quoted_country: country,
        countries: countries(),
        card_number: String::new(),
        exp_month: form.exp_month,
        exp_year: form.exp_year,
        errors,
        problem,
    })
}

/// The country an order goes to: the chosen saved address's, or the typed one (US by default).
fn destination_country(
    saved: &[bazaar_contracts::identity::StoredAddress],
    address_id: &str,
    typed: &str,
) -> String {
    saved
        .iter()
        .find(|address| address.id == address_id)
        .and_then(|address| address.address.as_ref().map(|a| a.country.clone()))
        .unwrap_or_else(|| if typed.is_empty() { "US".to_owned() } else { typed.to_owned() })
}

fn subtotal(cart: &cart_pb::Cart) -> bazaar_contracts::common::Money {
    cart.subtotal.clone().unwrap_or_else(|| bazaar_contracts::common::Money {
        amount_minor: 0,
        currency: "USD".to_owned(),
    })
}

/// What the delivery partial is asked for.
#[derive(Debug, Deserialize)]
pub struct DeliveryQuery {
    #[serde(default)]
    country: String,
    #[serde(default)]
    address_id: String,
    #[serde(default)]
    shipping_option: String,
}

/// `GET /checkout/delivery`: the delivery options and prices for the chosen address (htmx swaps
/// it in when the country or the saved address changes).
///
/// # Errors
/// 503 when the cart or shipping is down.
pub async fn delivery(
    State(state): State<AppState>,
    visitor: Visitor,
    PageQuery(query): PageQuery<DeliveryQuery>,
) -> Result<Response, PageError> {
    let Some(user) = &visitor.user else { return Ok(sign_in_redirect("/checkout")) };
    let saved = state.clients.addresses(&user.token).await?;
    let country = destination_country(&saved, &query.address_id, &query.country);
    let cart = state.clients.cart(&visitor).await?;
    let quotes = state.clients.quotes(&country, cart.item_count.max(1), subtotal(&cart)).await?;
    Ok(DeliveryPartial {
        quotes: quotes.iter().map(quote_view).collect(),
        shipping_option: if query.shipping_option == "express" { "express" } else { "standard" }
            .to_owned(),
        quoted_country_name: country_name(&country),
        quoted_country: country,
    }
    .into_response())
}

/// `GET /checkout`.
///
/// # Errors
/// 503 when a service the page needs is down.
pub async fn form(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
) -> Result<Response, PageError> {
    let Some(user) = &visitor.user else { return Ok(sign_in_redirect("/checkout")) };
    let cart = state.clients.cart(&visitor).await?;
    if cart.lines.is_empty() {
        return Ok(Redirect::to("/cart").into_response());
    }
    Ok(page(&state, layout, &user.token, &cart, CheckoutForm::default(), FieldErrors::new(), None)
        .await?
        .into_response())
}

/// Maps the orders service's field names onto the form's.
fn form_errors(errors: &FieldErrors) -> (FieldErrors, Option<String>) {
    let mut mapped = FieldErrors::new();
    let mut problems = Vec::new();
    for error in errors.errors() {
        let field = match error.field.as_str() {
            "card.number" => "card_number".to_owned(),
            "card.exp_month" => "exp_month".to_owned(),
            "card.exp_year" => "exp_year".to_owned(),
            "card.cvc" => "cvc".to_owned(),
            "card" => "card_number".to_owned(),
            field if field.starts_with("address.") => {
                field.trim_start_matches("address.").to_owned()
            }
            "shipping_option" => "shipping_option".to_owned(),
            _ => {
                problems.push(capitalised(&error.message, &error.field));
                continue;
            }
        };
        mapped.push(field, error.message.clone());
    }
    (mapped, (!problems.is_empty()).then(|| problems.join(" ")))
}

fn capitalised(message: &str, field: &str) -> String {
    let text = if field == "cart" {
        format!("Your cart {message}.")
    } else {
        format!("{field}: {message}.")
    };
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `POST /checkout`: places the order, then shows it (confirmed, or why not).
///
/// # Errors
/// 503 when a service the checkout needs is down; bad fields re-render the form.
pub async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
    Form(form): Form<CheckoutForm>,
) -> Result<Response, PageError> {
    let Some(user) = &visitor.user else { return Ok(sign_in_redirect("/checkout")) };
    // The prices on the page were for another country (the address changed without the page
    // updating, e.g. without JavaScript): show the right ones before charging anything.
    if !form.quoted_country.is_empty() {
        let saved = state.clients.addresses(&user.token).await?;
        let country = destination_country(&saved, &form.address_id, &form.address.country);
        if country != form.quoted_country {
            let cart = state.clients.cart(&visitor).await?;
            let notice =
                "Shipping prices changed with the address; check them and place the order again.";
            let page = page(
                &state,
                layout,
                &user.token,
                &cart,
                form,
                FieldErrors::new(),
                Some(notice.to_owned()),
            )
            .await?;
            return Ok(page.into_response());
        }
    }
    let mut errors = FieldErrors::new();
    let exp_month = errors.check(
        "exp_month",
        form.exp_month.trim().parse::<u32>().map_err(|_| "must be a month from 1 to 12"),
    );
    let exp_year = errors.check(
        "exp_year",
        form.exp_year.trim().parse::<u32>().map_err(|_| "must be a year like 2030"),
    );
    let destination = if form.address_id.is_empty() || form.address_id == "new" {
        Destination::Address(form.address.to_proto())
    } else {
        Destination::AddressId(form.address_id.clone())
    };
    let result = match (exp_month, exp_year) {
        (Some(exp_month), Some(exp_year)) => {
            let request = orders_pb::PlaceOrderRequest {
                idempotency_key: form.idempotency_key.clone(),
                destination: Some(destination),
                shipping_option: if form.shipping_option == "express" {
                    ShippingOption::Express
                } else {
                    ShippingOption::Standard
                }
                .into(),
                card: Some(payment_pb::Card {
                    number: form.card_number.clone(),
                    exp_month,
                    exp_year,
                    cvc: form.cvc.clone(),
                }),
            };
            Some(state.clients.place_order(&user.token, request).await)
        }
        _ => None,
    };
    let problem = match result {
        Some(Ok(response)) => {
            let id = response.order.map(|order| order.id).unwrap_or_default();
            return Ok(Redirect::to(&format!("/orders/{id}?placed=1")).into_response());
        }
        Some(Err(status)) if status.code() == Code::InvalidArgument => {
            let (mapped, problem) = form_errors(&bazaar_platform::grpc::field_errors(&status));
            errors = mapped;
            problem
        }
        Some(Err(status)) => return Err(status.into()),
        None => None,
    };
    let cart = state.clients.cart(&visitor).await?;
    let page = page(&state, layout, &user.token, &cart, form, errors, problem).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

/// Free standard shipping threshold, shown on the page.
pub fn free_shipping_from() -> String {
    usd(7_500)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_field_names_map_onto_the_form() {
        let mut errors = FieldErrors::new();
        errors.push("card.number", "is not a valid card number");
        errors.push("address.city", "must not be empty");
        errors.push("cart", "is empty; add something before checking out");
        let (mapped, problem) = form_errors(&errors);
        assert_eq!(mapped.message_for("card_number"), Some("is not a valid card number"));
        assert_eq!(mapped.message_for("city"), Some("must not be empty"));
        assert_eq!(
            problem.as_deref(),
            Some("Your cart is empty; add something before checking out.")
        );
    }
}
