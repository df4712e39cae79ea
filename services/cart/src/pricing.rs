//! Prices a cart at read time: names and prices from the catalog, availability from inventory,
//! asked at once. Without inventory the cart still shows, with availability unknown.

use bazaar_contracts::{
    cart as pb,
    catalog::{self as catalog_pb, catalog_service_client::CatalogServiceClient},
    inventory::{self as inventory_pb, inventory_service_client::InventoryServiceClient},
};
use bazaar_platform::grpc::{Channel, retry_idempotent};
use bazaar_types::{Currency, Money, ProductId};

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

    /// Asks the catalog for the products and inventory for their stock, at once. Without
    /// inventory, stock is unknown.
    ///
    /// # Errors
    /// [`Error::Upstream`] when the catalog fails.
    pub async fn facts(&self, ids: Vec<String>) -> Result<Facts, Error> {
        if ids.is_empty() {
            return Ok(Facts { products: Vec::new(), stock: Some(Vec::new()) });
        }
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
        Ok(Facts { products, stock })
    }

    /// Prices the lines of a cart. Lines of products that no longer exist are left out.
    ///
    /// # Errors
    /// [`Error::Upstream`] when the catalog fails.
    pub async fn price(&self, lines: &[Line]) -> Result<pb::Cart, Error> {
        let ids = lines.iter().map(|line| line.product_id.to_string()).collect();
        self.facts(ids).await?.price(lines)
    }
}

/// What the catalog and inventory said about some products.
#[derive(Debug)]
pub struct Facts {
    products: Vec<catalog_pb::Product>,
    stock: Option<Vec<inventory_pb::StockLevel>>,
}

impl Facts {
    /// Tells whether the catalog knows the product.
    pub fn has(&self, product_id: &ProductId) -> bool {
        self.products.iter().any(|product| product.id == product_id.as_str())
    }

    /// Prices lines with these facts. Lines of products that no longer exist are left out.
    ///
    /// # Errors
    /// [`Error::Internal`] when the catalog sent an invalid price.
    pub fn price(&self, lines: &[Line]) -> Result<pb::Cart, Error> {
        let Self { products, stock } = self;
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
