//! Prices a cart at read time: names and prices from the catalog, availability from inventory,
//! asked at once. Without inventory the cart still shows, with availability unknown.

use bazaar_contracts::{
    cart as pb,
    catalog::{self as catalog_pb, catalog_service_client::CatalogServiceClient},
    inventory::{self as inventory_pb, inventory_service_client::InventoryServiceClient},
};
use bazaar_platform::grpc::{Channel, retry_idempotent};
use bazaar_types::{Currency, Money, ProductId};
use tonic::Code;

use crate::{domain::Line, error::Error};

/// Clients of the services that price a cart.
#[derive(Debug, Clone)]
pub struct Pricer {
    catalog: CatalogServiceClient<Channel>,
    inventory: InventoryServiceClient<Channel>,
}

impl Pricer {
    /// Builds the pricer.
    pub fn new(
        catalog: CatalogServiceClient<Channel>,
        inventory: InventoryServiceClient<Channel>,
    ) -> Self {
        Self { catalog, inventory }
    }

    /// Tells whether a product exists.
    ///
    /// # Errors
    /// [`Error::Upstream`] when the catalog fails.
    pub async fn exists(&self, product_id: &ProductId) -> Result<bool, Error> {
        let request = catalog_pb::GetProductRequest {
            key: Some(catalog_pb::get_product_request::Key::Id(product_id.to_string())),
        };
        let result = retry_idempotent(|| {
            let mut catalog = self.catalog.clone();
            let request = request.clone();
            async move { catalog.get_product(request).await }
        })
        .await;
        match result {
            Ok(_) => Ok(true),
            Err(status) if status.code() == Code::NotFound => Ok(false),
            Err(status) => Err(Error::Upstream(status)),
        }
    }

    /// Prices the lines of a cart. Lines of products that no longer exist are left out.
    ///
    /// # Errors
    /// [`Error::Upstream`] when the catalog fails.
    pub async fn price(&self, lines: &[Line]) -> Result<pb::Cart, Error> {
        if lines.is_empty() {
            return Ok(pb::Cart {
                lines: Vec::new(),
                subtotal: Some(Money::zero(Currency::USD).into()),
                item_count: 0,
            });
        }
        let ids: Vec<String> = lines.iter().map(|line| line.product_id.to_string()).collect();
        let products = retry_idempotent(|| {
            let mut catalog = self.catalog.clone();
            let ids = ids.clone();
            async move { catalog.batch_get_products(catalog_pb::BatchGetProductsRequest { ids }).await }
        });
        let stock = retry_idempotent(|| {
            let mut inventory = self.inventory.clone();
            let product_ids = ids.clone();
            async move { inventory.get_stock(inventory_pb::GetStockRequest { product_ids }).await }
        });
        let (products, stock) = tokio::join!(products, stock);
        let products = products.map_err(Error::Upstream)?.into_inner().products;
        let stock = match stock {
            Ok(response) => Some(response.into_inner().levels),
            Err(status) => {
                tracing::warn!(%status, "inventory unavailable; showing the cart without stock");
                None
            }
        };
        let mut subtotal = Money::zero(Currency::USD);
        let mut item_count = 0;
        let mut priced = Vec::with_capacity(lines.len());
        for line in lines {
            let Some(product) =
                products.iter().find(|product| product.id == line.product_id.as_str())
            else {
                continue;
            };
            let unit_price = product
                .price
                .as_ref()
                .and_then(|price| Money::try_from(price).ok())
                .ok_or_else(|| {
                Error::Internal(anyhow::anyhow!("product {} has no valid price", product.id))
            })?;
            let line_total = unit_price
                .checked_mul(line.quantity)
                .map_err(|error| Error::Internal(error.into()))?;
            subtotal =
                subtotal.checked_add(line_total).map_err(|error| Error::Internal(error.into()))?;
            item_count += line.quantity;
            let available = stock.as_ref().map(|levels| {
                levels
                    .iter()
                    .find(|level| level.product_id == product.id)
                    .map_or(0, |level| level.available)
            });
            priced.push(pb::CartLine {
                product_id: product.id.clone(),
                slug: product.slug.clone(),
                name: product.name.clone(),
                unit_price: Some(unit_price.into()),
                quantity: line.quantity,
                line_total: Some(line_total.into()),
                available,
            });
        }
        Ok(pb::Cart { lines: priced, subtotal: Some(subtotal.into()), item_count })
    }
}
