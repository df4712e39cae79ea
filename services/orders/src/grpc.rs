//! Orders' RPC handlers. Every call carries the user's token; a user only ever sees their own
//! orders (another user's id answers `NOT_FOUND`), admins see all.

use bazaar_contracts::{
    common, convert,
    orders::{self as pb, orders_service_server::OrdersService},
    shipping::ShippingOption,
};
use bazaar_platform::{
    auth::{Principal, TokenVerifier},
    db::Db,
};
use bazaar_types::{Currency, FieldErrors, Money, OrderId};
use tonic::{Request, Response, Status};

use crate::{
    checkout::Checkout,
    domain::{self, Order},
    error::Error,
    saga::Saga,
    store,
};

/// The `OrdersService` implementation.
#[derive(Debug, Clone)]
pub struct OrdersGrpc {
    db: Db,
    verifier: TokenVerifier,
    checkout: Checkout,
    saga: Saga,
}

impl OrdersGrpc {
    /// Builds the handlers.
    pub fn new(db: Db, verifier: TokenVerifier, checkout: Checkout, saga: Saga) -> Self {
        Self { db, verifier, checkout, saga }
    }

    /// Returns an order the caller may see.
    async fn visible_order(&self, caller: &Principal, id: &str) -> Result<Order, Error> {
        let id = OrderId::parse(id).map_err(|_| Error::OrderNotFound)?;
        let order = store::by_id(&self.db, &id).await?.ok_or(Error::OrderNotFound)?;
        if order.user_id == caller.user_id || caller.is_admin() {
            Ok(order)
        } else {
            Err(Error::OrderNotFound)
        }
    }
}

fn money(amount_minor: i64) -> Option<common::Money> {
    Some(Money::new(amount_minor, Currency::USD).into())
}

fn status_to_proto(status: domain::Status) -> pb::OrderStatus {
    match status {
        domain::Status::Pending => pb::OrderStatus::Pending,
        domain::Status::Rejected => pb::OrderStatus::Rejected,
        domain::Status::PaymentFailed => pb::OrderStatus::PaymentFailed,
        domain::Status::Confirmed => pb::OrderStatus::Confirmed,
        domain::Status::Shipped => pb::OrderStatus::Shipped,
        domain::Status::Delivered => pb::OrderStatus::Delivered,
        domain::Status::Cancelled => pb::OrderStatus::Cancelled,
    }
}

/// Converts an order to its wire form.
pub fn to_proto(order: &Order) -> pb::Order {
    pb::Order {
        id: order.id.to_string(),
        user_id: order.user_id.to_string(),
        status: status_to_proto(order.status).into(),
        lines: order
            .lines
            .iter()
            .map(|line| pb::OrderLine {
                product_id: line.product_id.to_string(),
                name: line.name.clone(),
                slug: line.slug.clone(),
                quantity: line.quantity,
                unit_price: money(line.unit_price),
                line_total: money(line.line_total),
            })
            .collect(),
        items_total: money(order.items_total),
        shipping_total: money(order.shipping_total),
        total: money(order.total),
        shipping_option: if order.shipping_option == "express" {
            ShippingOption::Express
        } else {
            ShippingOption::Standard
        }
        .into(),
        address: Some(common::Address::from(&order.address)),
        card_brand: order.card_brand.clone(),
        card_last4: order.card_last4.clone(),
        payment_id: order.payment_id.clone(),
        tracking_number: order.tracking_number.clone(),
        status_reason: order.status_reason.clone(),
        cancellable: order.cancellable(),
        created_at_ms: order.created_at_ms,
        updated_at_ms: order.updated_at_ms,
        email: order.email.clone(),
    }
}

fn page(request: Option<&common::PageRequest>) -> Result<bazaar_types::Page, Status> {
    convert::page(request).map_err(|error| {
        bazaar_platform::grpc::invalid_argument(&FieldErrors::single(
            format!("page.{}", error.field()),
            error.to_string(),
        ))
    })
}

#[tonic::async_trait]
impl OrdersService for OrdersGrpc {
    async fn place_order(
        &self,
        request: Request<pb::PlaceOrderRequest>,
    ) -> Result<Response<pb::PlaceOrderResponse>, Status> {
        let caller = self.verifier.require_user(&request).await?;
        let (order, created) = self.checkout.place(&caller, request.into_inner()).await?;
        let order = if created { self.saga.run(order).await? } else { order };
        Ok(Response::new(pb::PlaceOrderResponse { order: Some(to_proto(&order)), created }))
    }

    async fn get_order(
        &self,
        request: Request<pb::GetOrderRequest>,
    ) -> Result<Response<pb::GetOrderResponse>, Status> {
        let caller = self.verifier.require_user(&request).await?;
        let order = self.visible_order(&caller, &request.get_ref().order_id).await?;
        Ok(Response::new(pb::GetOrderResponse { order: Some(to_proto(&order)) }))
    }

    async fn list_orders(
        &self,
        request: Request<pb::ListOrdersRequest>,
    ) -> Result<Response<pb::ListOrdersResponse>, Status> {
        let caller = self.verifier.require_user(&request).await?;
        let page = page(request.get_ref().page.as_ref())?;
        let (orders, total) =
            store::list_for_user(&self.db, &caller.user_id, page).await.map_err(Error::from)?;
        Ok(Response::new(pb::ListOrdersResponse {
            orders: orders.iter().map(to_proto).collect(),
            page: Some(page.info(total).into()),
        }))
    }

    async fn list_all_orders(
        &self,
        request: Request<pb::ListAllOrdersRequest>,
    ) -> Result<Response<pb::ListAllOrdersResponse>, Status> {
        self.verifier.require_admin(&request).await?;
        let request = request.into_inner();
        let page = page(request.page.as_ref())?;
        let status = match request.status() {
            pb::OrderStatus::Unspecified => None,
            pb::OrderStatus::Pending => Some(domain::Status::Pending),
            pb::OrderStatus::Rejected => Some(domain::Status::Rejected),
            pb::OrderStatus::PaymentFailed => Some(domain::Status::PaymentFailed),
            pb::OrderStatus::Confirmed => Some(domain::Status::Confirmed),
            pb::OrderStatus::Shipped => Some(domain::Status::Shipped),
            pb::OrderStatus::Delivered => Some(domain::Status::Delivered),
            pb::OrderStatus::Cancelled => Some(domain::Status::Cancelled),
        };
        let (orders, total) =
            store::list_all(&self.db, status, page, false).await.map_err(Error::from)?;
        Ok(Response::new(pb::ListAllOrdersResponse {
            orders: orders.iter().map(to_proto).collect(),
            page: Some(page.info(total).into()),
        }))
    }

    async fn cancel_order(
        &self,
        request: Request<pb::CancelOrderRequest>,
    ) -> Result<Response<pb::CancelOrderResponse>, Status> {
        let caller = self.verifier.require_user(&request).await?;
        let order = self.visible_order(&caller, &request.get_ref().order_id).await?;
        let order = self.saga.cancel(&order).await?;
        Ok(Response::new(pb::CancelOrderResponse { order: Some(to_proto(&order)) }))
    }

    async fn audit_orders(
        &self,
        request: Request<pb::AuditOrdersRequest>,
    ) -> Result<Response<pb::AuditOrdersResponse>, Status> {
        self.verifier.require_admin(&request).await?;
        let page = page(request.get_ref().page.as_ref())?;
        let (orders, total) =
            store::list_all(&self.db, None, page, true).await.map_err(Error::from)?;
        Ok(Response::new(pb::AuditOrdersResponse {
            orders: orders.iter().map(to_proto).collect(),
            page: Some(page.info(total).into()),
        }))
    }
}
