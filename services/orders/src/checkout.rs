//! Turns a place-order request into a pending order: checks the input, reads the caller's cart,
//! prices every line from the catalog (never from the client), quotes shipping, and checks the
//! card, before anything is stored. A failure here leaves nothing behind.

use std::time::Duration;

use bazaar_contracts::{
    cart as cart_pb, catalog as catalog_pb, identity as identity_pb,
    orders::{self as pb, place_order_request::Destination},
    payment as payment_pb,
    shipping::{self as shipping_pb, ShippingOption},
};
use bazaar_platform::{auth::Principal, db::Db, grpc::with_bearer};
use bazaar_types::{Address, Currency, FieldErrors, Money, OrderId, ProductId};
use tonic::Code;

use crate::{
    domain::{Line, Order, Status, Step, idempotency_key},
    error::Error,
    saga::LEASE_MS,
    store,
    upstream::Upstream,
};

/// Builds pending orders.
#[derive(Debug, Clone)]
pub struct Checkout {
    db: Db,
    upstream: Upstream,
    saga_timeout: Duration,
}

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::Invalid(FieldErrors::single(field, message))
}

/// Field errors of another service, passed through; anything else is an upstream failure.
fn refused(status: tonic::Status) -> Error {
    if status.code() == Code::InvalidArgument {
        Error::Invalid(bazaar_platform::grpc::field_errors(&status))
    } else {
        Error::Upstream(status)
    }
}

impl Checkout {
    /// Builds the checkout.
    pub fn new(db: Db, upstream: Upstream, saga_timeout: Duration) -> Self {
        Self { db, upstream, saga_timeout }
    }

    /// Stores a pending order for the caller, or finds the one their idempotency key already
    /// placed. Returns the order and whether it is new.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming each bad field (address, shipping option, card, an empty cart).
    pub async fn place(
        &self,
        caller: &Principal,
        request: pb::PlaceOrderRequest,
    ) -> Result<(Order, bool), Error> {
        let key = idempotency_key(&request.idempotency_key)?;
        if let Some(existing) = store::by_key(&self.db, &caller.user_id, &key).await? {
            return Ok((existing, false));
        }
        let option = match request.shipping_option() {
            ShippingOption::Standard => "standard",
            ShippingOption::Express => "express",
            ShippingOption::Unspecified => {
                return Err(invalid("shipping_option", "must be standard or express"));
            }
        };
        let card = request.card.ok_or_else(|| invalid("card", "is required"))?;
        let address = self.address(caller, request.destination).await?;

        let token = Some(caller.token.as_str());
        let (mut cart_client, mut payment_client) =
            (self.upstream.cart.clone(), self.upstream.payment.clone());
        // Only the lines: the prices come from the catalog below.
        let cart = cart_client.get_cart(with_bearer(
            cart_pb::GetCartRequest { unpriced: true, ..cart_pb::GetCartRequest::default() },
            token,
        ));
        let method = payment_client
            .create_payment_method(payment_pb::CreatePaymentMethodRequest { card: Some(card) });
        let (cart, method) = tokio::join!(cart, method);
        let method = method.map_err(refused)?.into_inner().payment_method.unwrap_or_default();
        let cart = cart.map_err(Error::Upstream)?.into_inner().cart.unwrap_or_default();
        let lines = self.price(&cart).await?;
        if lines.is_empty() {
            return Err(invalid("cart", "is empty; add something before checking out"));
        }
        let items_total: i64 = lines.iter().map(|line| line.line_total).sum();
        let item_count: i64 = lines.iter().map(|line| line.quantity).sum();
        let quotes = self
            .upstream
            .shipping
            .clone()
            .quote_shipping(shipping_pb::QuoteShippingRequest {
                country: address.country.code().to_owned(),
                item_count,
                items_total: Some(Money::new(items_total, Currency::USD).into()),
            })
            .await
            .map_err(refused)?
            .into_inner()
            .quotes;
        let shipping_total = quotes
            .iter()
            .find(|quote| quote.option() == request_option(option))
            .and_then(|quote| quote.price.as_ref())
            .map(|price| price.amount_minor)
            .ok_or_else(|| {
                Error::Internal(anyhow::anyhow!("shipping returned no {option} quote"))
            })?;

        let now = bazaar_types::now_ms();
        let order = Order {
            id: OrderId::generate(),
            user_id: caller.user_id.clone(),
            email: caller.email.clone(),
            customer_name: caller.name.clone(),
            idempotency_key: key.clone(),
            status: Status::Pending,
            step: Step::Created,
            status_reason: String::new(),
            items_total,
            shipping_total,
            total: items_total + shipping_total,
            shipping_option: option.to_owned(),
            address,
            payment_method_id: method.id,
            card_brand: method.brand,
            card_last4: method.last4,
            payment_id: String::new(),
            tracking_number: String::new(),
            lines,
            attempts: 0,
            deadline_at_ms: now + i64::try_from(self.saga_timeout.as_millis()).unwrap_or(30_000),
            created_at_ms: now,
            updated_at_ms: now,
        };
        match store::insert(&self.db, &order, LEASE_MS).await {
            Ok(()) => {
                tracing::info!(order_id = %order.id, total = order.total, "order placed");
                Ok((order, true))
            }
            // The same key placed concurrently: the first one wins, and this call returns it.
            Err(error) if bazaar_platform::db::is_unique_violation(&error) => {
                let existing = store::by_key(&self.db, &caller.user_id, &key)
                    .await?
                    .ok_or(Error::OrderNotFound)?;
                Ok((existing, false))
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn address(
        &self,
        caller: &Principal,
        destination: Option<Destination>,
    ) -> Result<Address, Error> {
        match destination {
            Some(Destination::Address(address)) => Address::try_from(&address).map_err(|errors| {
                let mut prefixed = FieldErrors::new();
                prefixed.extend_prefixed("address", errors);
                Error::Invalid(prefixed)
            }),
            Some(Destination::AddressId(id)) => {
                let request = with_bearer(
                    identity_pb::GetAddressRequest { address_id: id },
                    Some(&caller.token),
                );
                match self.upstream.identity.clone().get_address(request).await {
                    Ok(response) => {
                        let stored = response.into_inner().address.unwrap_or_default();
                        Address::try_from(&stored.address.unwrap_or_default()).map_err(|errors| {
                            Error::Internal(anyhow::anyhow!("saved address is invalid: {errors}"))
                        })
                    }
                    Err(status)
                        if matches!(status.code(), Code::NotFound | Code::InvalidArgument) =>
                    {
                        Err(invalid("address_id", "is not one of your saved addresses"))
                    }
                    Err(status) => Err(Error::Upstream(status)),
                }
            }
            None => {
                Err(invalid("address", "a shipping address (or the id of a saved one) is required"))
            }
        }
    }

    /// Prices the cart's lines from the catalog. Lines of products no longer sold are left out,
    /// as the cart itself shows them.
    async fn price(&self, cart: &cart_pb::Cart) -> Result<Vec<Line>, Error> {
        if cart.lines.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = cart.lines.iter().map(|line| line.product_id.clone()).collect();
        let products = self
            .upstream
            .catalog
            .clone()
            .batch_get_products(catalog_pb::BatchGetProductsRequest { ids })
            .await
            .map_err(Error::Upstream)?
            .into_inner()
            .products;
        let mut lines = Vec::with_capacity(cart.lines.len());
        for cart_line in &cart.lines {
            let Some(product) = products.iter().find(|product| product.id == cart_line.product_id)
            else {
                continue;
            };
            let unit_price = product.price.as_ref().map_or(0, |price| price.amount_minor);
            lines.push(Line {
                product_id: ProductId::parse(&product.id)
                    .map_err(|error| Error::Internal(error.into()))?,
                name: product.name.clone(),
                slug: product.slug.clone(),
                quantity: cart_line.quantity,
                unit_price,
                line_total: unit_price * cart_line.quantity,
            });
        }
        Ok(lines)
    }
}

fn request_option(option: &str) -> ShippingOption {
    if option == "express" { ShippingOption::Express } else { ShippingOption::Standard }
}
