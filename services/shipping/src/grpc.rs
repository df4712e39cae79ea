//! Shipping's RPC handlers.

use bazaar_contracts::{
    common,
    shipping::{self as pb, shipping_service_server::ShippingService},
};
use bazaar_platform::db::Db;
use bazaar_types::{Address, Country, Currency, FieldErrors, Money, OrderId, ShipmentId};
use tonic::{Request, Response, Status};

use crate::{
    domain::{self, ShippingOption},
    error::Error,
    store::{self, Shipment},
};

/// The `ShippingService` implementation.
#[derive(Debug, Clone)]
pub struct ShippingGrpc {
    db: Db,
}

impl ShippingGrpc {
    /// Builds the handlers.
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> Status {
    bazaar_platform::grpc::invalid_argument(&FieldErrors::single(field, message))
}

fn option_from_wire(value: i32) -> Result<ShippingOption, Status> {
    match pb::ShippingOption::try_from(value) {
        Ok(pb::ShippingOption::Standard) => Ok(ShippingOption::Standard),
        Ok(pb::ShippingOption::Express) => Ok(ShippingOption::Express),
        _ => Err(invalid("option", "must be standard or express")),
    }
}

fn option_to_wire(option: ShippingOption) -> pb::ShippingOption {
    match option {
        ShippingOption::Standard => pb::ShippingOption::Standard,
        ShippingOption::Express => pb::ShippingOption::Express,
    }
}

fn item_count(value: i64) -> Result<i64, Status> {
    if (1..=10_000).contains(&value) {
        Ok(value)
    } else {
        Err(invalid("item_count", "must be from 1 to 10000"))
    }
}

fn order_id(text: &str) -> Result<String, Status> {
    OrderId::parse(text)
        .map(OrderId::into_string)
        .map_err(|error| invalid("order_id", error.to_string()))
}

fn to_proto(shipment: &Shipment) -> pb::Shipment {
    pb::Shipment {
        id: shipment.id.clone(),
        order_id: shipment.order_id.clone(),
        option: ShippingOption::parse(&shipment.option)
            .map_or(pb::ShippingOption::Unspecified, option_to_wire)
            .into(),
        tracking_number: shipment.tracking_number.clone(),
        status: match shipment.status.as_str() {
            "label_created" => pb::ShipmentStatus::LabelCreated,
            "dispatched" => pb::ShipmentStatus::Dispatched,
            "in_transit" => pb::ShipmentStatus::InTransit,
            "delivered" => pb::ShipmentStatus::Delivered,
            "cancelled" => pb::ShipmentStatus::Cancelled,
            _ => pb::ShipmentStatus::Unspecified,
        }
        .into(),
        address: Some(common::Address {
            name: shipment.name.clone(),
            line1: shipment.line1.clone(),
            line2: shipment.line2.clone(),
            city: shipment.city.clone(),
            postal_code: shipment.postal_code.clone(),
            country: shipment.country.clone(),
        }),
        created_at_ms: shipment.created_at,
        updated_at_ms: shipment.updated_at,
    }
}

#[tonic::async_trait]
impl ShippingService for ShippingGrpc {
    async fn quote_shipping(
        &self,
        request: Request<pb::QuoteShippingRequest>,
    ) -> Result<Response<pb::QuoteShippingResponse>, Status> {
        let request = request.into_inner();
        let country = Country::parse(&request.country)
            .map_err(|error| invalid("country", error.to_string()))?;
        let items = item_count(request.item_count)?;
        let items_total = match &request.items_total {
            Some(total) => {
                Money::try_from(total).map_err(|error| invalid("items_total", error.to_string()))?
            }
            None => Money::zero(Currency::USD),
        };
        let quotes = [ShippingOption::Standard, ShippingOption::Express]
            .into_iter()
            .map(|option| {
                let quote = domain::quote(option, country, items, items_total);
                pb::ShippingQuote {
                    option: option_to_wire(option).into(),
                    price: Some(quote.price.into()),
                    zone: quote.zone.as_str().to_owned(),
                    min_days: quote.min_days,
                    max_days: quote.max_days,
                }
            })
            .collect();
        Ok(Response::new(pb::QuoteShippingResponse { quotes }))
    }

    async fn create_shipment(
        &self,
        request: Request<pb::CreateShipmentRequest>,
    ) -> Result<Response<pb::CreateShipmentResponse>, Status> {
        let request = request.into_inner();
        let order_id = order_id(&request.order_id)?;
        let option = option_from_wire(request.option)?;
        let address =
            Address::try_from(&request.address.unwrap_or_default()).map_err(|errors| {
                let mut prefixed = FieldErrors::new();
                prefixed.extend_prefixed("address", errors);
                Error::Invalid(prefixed)
            })?;
        let items = item_count(request.item_count)?;
        let now = bazaar_types::now_ms();
        let shipment = Shipment {
            id: ShipmentId::generate().into_string(),
            tracking_number: domain::tracking_number(&order_id),
            order_id,
            option: option.as_str().to_owned(),
            status: "label_created".to_owned(),
            name: address.name,
            line1: address.line1,
            line2: address.line2.unwrap_or_default(),
            city: address.city,
            postal_code: address.postal_code,
            country: address.country.code().to_owned(),
            item_count: items,
            recipient_email: request.recipient_email,
            created_at: now,
            updated_at: now,
        };
        let stored = store::create(&self.db, &shipment).await?;
        Ok(Response::new(pb::CreateShipmentResponse { shipment: Some(to_proto(&stored)) }))
    }

    async fn get_shipment(
        &self,
        request: Request<pb::GetShipmentRequest>,
    ) -> Result<Response<pb::GetShipmentResponse>, Status> {
        let order_id = order_id(&request.into_inner().order_id)?;
        let mut connection = self.db.reader().await.map_err(Error::from)?;
        let shipment = store::by_order(&mut connection, &order_id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::NotFound)?;
        Ok(Response::new(pb::GetShipmentResponse { shipment: Some(to_proto(&shipment)) }))
    }

    async fn cancel_shipment(
        &self,
        request: Request<pb::CancelShipmentRequest>,
    ) -> Result<Response<pb::CancelShipmentResponse>, Status> {
        let order_id = order_id(&request.into_inner().order_id)?;
        let shipment = store::cancel(&self.db, &order_id).await?;
        Ok(Response::new(pb::CancelShipmentResponse { shipment: Some(to_proto(&shipment)) }))
    }
}
