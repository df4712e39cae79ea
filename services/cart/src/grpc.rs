//! The cart's RPC handlers. Each resolves the cart's owner first: the user of a verified token,
//! or else the anonymous id in the request.

use bazaar_contracts::cart::{self as pb, cart_service_server::CartService};
use bazaar_platform::{auth::TokenVerifier, db::Db};
use bazaar_types::{FieldErrors, ProductId, Quantity};
use tonic::{Request, Response, Status};

use crate::{
    domain::{Owner, uuid_like::AnonymousId},
    error::Error,
    pricing::Pricer,
    store,
};

/// The `CartService` implementation.
#[derive(Debug, Clone)]
pub struct CartGrpc {
    db: Db,
    verifier: TokenVerifier,
    pricer: Pricer,
}

impl CartGrpc {
    /// Builds the handlers.
    pub fn new(db: Db, verifier: TokenVerifier, pricer: Pricer) -> Self {
        Self { db, verifier, pricer }
    }

    /// Returns the cart's owner: the token's user, else the anonymous id.
    async fn owner<T>(&self, request: &Request<T>, anonymous_id: &str) -> Result<Owner, Status> {
        if let Some(principal) = self.verifier.authenticate(request).await? {
            return Ok(Owner::User(principal.user_id));
        }
        anonymous(anonymous_id)
    }

    async fn priced(&self, owner: &Owner) -> Result<pb::Cart, Status> {
        let lines = store::lines(&self.db, owner).await.map_err(Error::from)?;
        Ok(self.pricer.price(&lines).await?)
    }
}

/// The stored lines alone, for callers that price them themselves.
fn unpriced(lines: &[crate::domain::Line]) -> pb::Cart {
    pb::Cart {
        lines: lines
            .iter()
            .map(|line| pb::CartLine {
                product_id: line.product_id.to_string(),
                quantity: line.quantity,
                ..pb::CartLine::default()
            })
            .collect(),
        subtotal: None,
        item_count: lines.iter().map(|line| line.quantity).sum(),
    }
}

fn anonymous(anonymous_id: &str) -> Result<Owner, Status> {
    AnonymousId::parse(anonymous_id).map(Owner::Anonymous).map_err(|_| {
        bazaar_platform::grpc::invalid_argument(&FieldErrors::single(
            "anonymous_id",
            "a bearer token or an anonymous cart id (a UUID) is required",
        ))
    })
}

fn product_id(text: &str) -> Result<ProductId, Status> {
    ProductId::parse(text).map_err(|error| {
        bazaar_platform::grpc::invalid_argument(&FieldErrors::single(
            "product_id",
            error.to_string(),
        ))
    })
}

fn quantity(value: i64) -> Result<i64, Status> {
    Quantity::parse(value).map(Quantity::get).map_err(|error| {
        bazaar_platform::grpc::invalid_argument(&FieldErrors::single("quantity", error.to_string()))
    })
}

#[tonic::async_trait]
impl CartService for CartGrpc {
    async fn get_cart(
        &self,
        request: Request<pb::GetCartRequest>,
    ) -> Result<Response<pb::GetCartResponse>, Status> {
        let owner = self.owner(&request, &request.get_ref().anonymous_id).await?;
        let cart = if request.get_ref().unpriced {
            let lines = store::lines(&self.db, &owner).await.map_err(Error::from)?;
            unpriced(&lines)
        } else {
            self.priced(&owner).await?
        };
        Ok(Response::new(pb::GetCartResponse { cart: Some(cart) }))
    }

    async fn add_item(
        &self,
        request: Request<pb::AddItemRequest>,
    ) -> Result<Response<pb::AddItemResponse>, Status> {
        let owner = self.owner(&request, &request.get_ref().anonymous_id).await?;
        let request = request.into_inner();
        let id = product_id(&request.product_id)?;
        let quantity = quantity(request.quantity)?;
        // One question to catalog and inventory covers both the check that the product exists
        // and the pricing of the cart after the change.
        let before = store::lines(&self.db, &owner).await.map_err(Error::from)?;
        let mut ids: Vec<String> = before.iter().map(|line| line.product_id.to_string()).collect();
        if !before.iter().any(|line| line.product_id == id) {
            ids.push(id.to_string());
        }
        let facts = self.pricer.facts(ids).await?;
        if !facts.has(&id) {
            return Err(Error::ProductNotFound.into());
        }
        store::add(&self.db, &owner, &id, quantity).await?;
        let after = store::lines(&self.db, &owner).await.map_err(Error::from)?;
        // A line added meanwhile by another request is priced afresh rather than left out.
        let cart = if after.iter().all(|line| {
            line.product_id == id || before.iter().any(|old| old.product_id == line.product_id)
        }) {
            facts.price(&after)?
        } else {
            self.pricer.price(&after).await?
        };
        Ok(Response::new(pb::AddItemResponse { cart: Some(cart) }))
    }

    async fn set_item_quantity(
        &self,
        request: Request<pb::SetItemQuantityRequest>,
    ) -> Result<Response<pb::SetItemQuantityResponse>, Status> {
        let owner = self.owner(&request, &request.get_ref().anonymous_id).await?;
        let request = request.into_inner();
        let id = product_id(&request.product_id)?;
        let quantity = quantity(request.quantity)?;
        store::set(&self.db, &owner, &id, quantity).await?;
        Ok(Response::new(pb::SetItemQuantityResponse { cart: Some(self.priced(&owner).await?) }))
    }

    async fn remove_item(
        &self,
        request: Request<pb::RemoveItemRequest>,
    ) -> Result<Response<pb::RemoveItemResponse>, Status> {
        let owner = self.owner(&request, &request.get_ref().anonymous_id).await?;
        let id = product_id(&request.get_ref().product_id)?;
        store::remove(&self.db, &owner, &id).await?;
        Ok(Response::new(pb::RemoveItemResponse { cart: Some(self.priced(&owner).await?) }))
    }

    async fn clear_cart(
        &self,
        request: Request<pb::ClearCartRequest>,
    ) -> Result<Response<pb::ClearCartResponse>, Status> {
        let owner = self.owner(&request, &request.get_ref().anonymous_id).await?;
        store::clear(&self.db, &owner).await.map_err(Error::from)?;
        Ok(Response::new(pb::ClearCartResponse {}))
    }

    async fn merge_cart(
        &self,
        request: Request<pb::MergeCartRequest>,
    ) -> Result<Response<pb::MergeCartResponse>, Status> {
        let principal = self.verifier.require_user(&request).await?;
        let from = anonymous(&request.get_ref().anonymous_id)?;
        let into = Owner::User(principal.user_id);
        store::merge(&self.db, &from, &into).await.map_err(Error::from)?;
        Ok(Response::new(pb::MergeCartResponse { cart: Some(self.priced(&into).await?) }))
    }

    async fn count_items(
        &self,
        request: Request<pb::CountItemsRequest>,
    ) -> Result<Response<pb::CountItemsResponse>, Status> {
        let owner = self.owner(&request, &request.get_ref().anonymous_id).await?;
        let (item_count, line_count) = store::count(&self.db, &owner).await.map_err(Error::from)?;
        Ok(Response::new(pb::CountItemsResponse { item_count, line_count }))
    }
}
