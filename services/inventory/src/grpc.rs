//! Inventory's RPC handlers.

use bazaar_contracts::{
    convert,
    inventory::{self as pb, inventory_service_server::InventoryService},
};
use bazaar_platform::{auth::TokenVerifier, db::Db};
use bazaar_types::{FieldErrors, OrderId, ProductId};
use tonic::{Request, Response, Status};

use crate::{
    domain::{Level, Reservation, ReservationState, parse_lines},
    error::Error,
    store,
};

/// Longest hold a reservation may ask for (a day).
const MAX_TTL_MS: i64 = 24 * 3600 * 1000;
/// Most products one `GetStock` call may ask about.
const MAX_IDS: usize = 200;

/// The `InventoryService` implementation.
#[derive(Debug, Clone)]
pub struct InventoryGrpc {
    db: Db,
    verifier: TokenVerifier,
}

impl InventoryGrpc {
    /// Builds the handlers.
    pub fn new(db: Db, verifier: TokenVerifier) -> Self {
        Self { db, verifier }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> Status {
    bazaar_platform::grpc::invalid_argument(&FieldErrors::single(field, message))
}

fn product_id(field: &str, text: &str) -> Result<ProductId, Status> {
    ProductId::parse(text).map_err(|error| invalid(field, error.to_string()))
}

fn reservation_id(text: &str) -> Result<String, Status> {
    OrderId::parse(text)
        .map(OrderId::into_string)
        .map_err(|error| invalid("reservation_id", error.to_string()))
}

fn to_level(product_id: &ProductId, level: Level) -> pb::StockLevel {
    pb::StockLevel {
        product_id: product_id.to_string(),
        on_hand: level.on_hand,
        reserved: level.reserved,
        available: level.available(),
    }
}

fn to_proto(reservation: &Reservation) -> pb::Reservation {
    pb::Reservation {
        id: reservation.id.clone(),
        state: match reservation.state {
            ReservationState::Held => pb::ReservationState::Held,
            ReservationState::Committed => pb::ReservationState::Committed,
            ReservationState::Released => pb::ReservationState::Released,
            ReservationState::Expired => pb::ReservationState::Expired,
            ReservationState::Rejected => pb::ReservationState::Rejected,
        }
        .into(),
        lines: reservation
            .lines
            .iter()
            .map(|line| pb::ReservationLine {
                product_id: line.product_id.to_string(),
                quantity: line.quantity,
            })
            .collect(),
        expires_at_ms: reservation.expires_at_ms,
        short_product_ids: reservation.short.iter().map(ToString::to_string).collect(),
    }
}

#[tonic::async_trait]
impl InventoryService for InventoryGrpc {
    async fn get_stock(
        &self,
        request: Request<pb::GetStockRequest>,
    ) -> Result<Response<pb::GetStockResponse>, Status> {
        let request = request.into_inner();
        if request.product_ids.len() > MAX_IDS {
            return Err(invalid("product_ids", format!("must hold at most {MAX_IDS} ids")));
        }
        let mut ids = Vec::with_capacity(request.product_ids.len());
        for (index, id) in request.product_ids.iter().enumerate() {
            let id = product_id(&format!("product_ids[{index}]"), id)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let levels = store::levels(&self.db, &ids).await.map_err(Error::from)?;
        Ok(Response::new(pb::GetStockResponse {
            levels: levels.iter().map(|(id, level)| to_level(id, *level)).collect(),
        }))
    }

    async fn list_stock(
        &self,
        request: Request<pb::ListStockRequest>,
    ) -> Result<Response<pb::ListStockResponse>, Status> {
        self.verifier.require_admin(&request).await?;
        let page = convert::page(request.get_ref().page.as_ref())
            .map_err(|error| invalid("page", error.to_string()))?;
        let (levels, total) = store::list_levels(&self.db, page).await.map_err(Error::from)?;
        Ok(Response::new(pb::ListStockResponse {
            levels: levels.iter().map(|(id, level)| to_level(id, *level)).collect(),
            page: Some(page.info(total).into()),
        }))
    }

    async fn set_stock(
        &self,
        request: Request<pb::SetStockRequest>,
    ) -> Result<Response<pb::SetStockResponse>, Status> {
        let admin = self.verifier.require_admin(&request).await?;
        let request = request.into_inner();
        let id = product_id("product_id", &request.product_id)?;
        if !(0..=crate::domain::MAX_QUANTITY).contains(&request.on_hand) {
            return Err(invalid(
                "on_hand",
                format!("must be a whole number from 0 to {}", crate::domain::MAX_QUANTITY),
            ));
        }
        let reason = format!("set by {}", admin.email);
        let level = store::set_on_hand(&self.db, &id, request.on_hand, &reason).await?;
        tracing::info!(product_id = %id, on_hand = request.on_hand, "stock set");
        Ok(Response::new(pb::SetStockResponse { level: Some(to_level(&id, level)) }))
    }

    async fn reserve(
        &self,
        request: Request<pb::ReserveRequest>,
    ) -> Result<Response<pb::ReserveResponse>, Status> {
        let request = request.into_inner();
        let id = reservation_id(&request.reservation_id)?;
        let lines: Vec<(String, i64)> =
            request.lines.into_iter().map(|line| (line.product_id, line.quantity)).collect();
        let lines = parse_lines(&lines).map_err(Error::from)?;
        if !(1..=MAX_TTL_MS).contains(&request.ttl_ms) {
            return Err(invalid("ttl_ms", format!("must be from 1 to {MAX_TTL_MS}")));
        }
        let reservation = store::reserve(&self.db, &id, &lines, request.ttl_ms).await?;
        Ok(Response::new(pb::ReserveResponse { reservation: Some(to_proto(&reservation)) }))
    }

    async fn commit_reservation(
        &self,
        request: Request<pb::CommitReservationRequest>,
    ) -> Result<Response<pb::CommitReservationResponse>, Status> {
        let id = reservation_id(&request.into_inner().reservation_id)?;
        let reservation = store::commit(&self.db, &id).await?;
        Ok(Response::new(pb::CommitReservationResponse {
            reservation: Some(to_proto(&reservation)),
        }))
    }

    async fn release_reservation(
        &self,
        request: Request<pb::ReleaseReservationRequest>,
    ) -> Result<Response<pb::ReleaseReservationResponse>, Status> {
        let id = reservation_id(&request.into_inner().reservation_id)?;
        let reservation = store::release(&self.db, &id).await?;
        Ok(Response::new(pb::ReleaseReservationResponse {
            reservation: Some(to_proto(&reservation)),
        }))
    }

    async fn get_reservation(
        &self,
        request: Request<pb::GetReservationRequest>,
    ) -> Result<Response<pb::GetReservationResponse>, Status> {
        let id = reservation_id(&request.into_inner().reservation_id)?;
        let reservation =
            store::reservation(&self.db, &id).await?.ok_or(Error::ReservationNotFound)?;
        Ok(Response::new(pb::GetReservationResponse { reservation: Some(to_proto(&reservation)) }))
    }

    async fn audit_stock(
        &self,
        request: Request<pb::AuditStockRequest>,
    ) -> Result<Response<pb::AuditStockResponse>, Status> {
        self.verifier.require_admin(&request).await?;
        let products = store::audit(&self.db).await.map_err(Error::from)?;
        Ok(Response::new(pb::AuditStockResponse {
            products: products
                .into_iter()
                .map(|audit| pb::StockAudit {
                    product_id: audit.product_id,
                    initial: audit.initial,
                    on_hand: audit.on_hand,
                    reserved: audit.reserved,
                    committed: audit.committed,
                    held: audit.held,
                })
                .collect(),
        }))
    }
}
