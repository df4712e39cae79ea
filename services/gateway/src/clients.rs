//! Typed calls to the services. Reads are idempotent and retried while an upstream is briefly
//! unavailable; writes are not retried (they carry idempotency keys where a retry could double).

use std::{sync::Arc, time::Duration};

use bazaar_contracts::catalog::{self as catalog_pb, catalog_service_client::CatalogServiceClient};
use bazaar_platform::grpc::{Channel, connect, retry_idempotent};
use tonic::{Response, Status};

use crate::{Config, state::Cached};

/// Clients of every service the gateway calls.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Catalog.
    pub catalog: CatalogServiceClient<Channel>,
    categories: Arc<Cached<Vec<catalog_pb::Category>>>,
}

impl Clients {
    /// Builds lazily connected clients; nothing is contacted yet.
    ///
    /// # Errors
    /// When a URL does not parse.
    pub fn connect(config: &Config) -> anyhow::Result<Self> {
        let timeout = config.common.request_timeout;
        Ok(Self {
            catalog: CatalogServiceClient::new(connect(&config.catalog_url, timeout)?),
            categories: Arc::new(Cached::new(Duration::from_secs(30))),
        })
    }
}

/// Runs an idempotent call with retries and unwraps the response.
async fn read<C, T, F, Fut>(client: &C, call: F) -> Result<T, Status>
where
    C: Clone,
    F: Fn(C) -> Fut,
    Fut: Future<Output = Result<Response<T>, Status>>,
{
    retry_idempotent(|| call(client.clone())).await.map(Response::into_inner)
}

impl Clients {
    /// Returns every category (cached for 30 seconds; a stale list is used while catalog is down).
    ///
    /// # Errors
    /// The catalog's status when it fails and nothing was cached.
    pub async fn categories(&self) -> Result<Arc<Vec<catalog_pb::Category>>, Status> {
        if let Some(categories) = self.categories.get() {
            return Ok(categories);
        }
        match read(&self.catalog, |mut c| async move {
            c.list_categories(catalog_pb::ListCategoriesRequest {}).await
        })
        .await
        {
            Ok(response) => Ok(self.categories.put(response.categories)),
            Err(status) => self.categories.get_stale().ok_or(status),
        }
    }

    /// Lists products.
    ///
    /// # Errors
    /// The catalog's status.
    pub async fn list_products(
        &self,
        request: catalog_pb::ListProductsRequest,
    ) -> Result<catalog_pb::ListProductsResponse, Status> {
        read(&self.catalog, |mut c| {
            let request = request.clone();
            async move { c.list_products(request).await }
        })
        .await
    }

    /// Searches products.
    ///
    /// # Errors
    /// The catalog's status.
    pub async fn search_products(
        &self,
        request: catalog_pb::SearchProductsRequest,
    ) -> Result<catalog_pb::SearchProductsResponse, Status> {
        read(&self.catalog, |mut c| {
            let request = request.clone();
            async move { c.search_products(request).await }
        })
        .await
    }

    /// Returns one product by id or slug (whichever `key` looks like).
    ///
    /// # Errors
    /// `NOT_FOUND` when there is none; the catalog's status otherwise.
    pub async fn product(&self, key: &str) -> Result<catalog_pb::Product, Status> {
        let key = if uuid::Uuid::try_parse(key).is_ok() {
            catalog_pb::get_product_request::Key::Id(key.to_owned())
        } else {
            catalog_pb::get_product_request::Key::Slug(key.to_owned())
        };
        let response = read(&self.catalog, |mut c| {
            let key = key.clone();
            async move { c.get_product(catalog_pb::GetProductRequest { key: Some(key) }).await }
        })
        .await?;
        response.product.ok_or_else(|| Status::internal("catalog returned no product"))
    }

    /// Returns the products with these ids that exist, in order.
    ///
    /// # Errors
    /// The catalog's status.
    pub async fn products_by_id(
        &self,
        ids: Vec<String>,
    ) -> Result<Vec<catalog_pb::Product>, Status> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let response = read(&self.catalog, |mut c| {
            let ids = ids.clone();
            async move { c.batch_get_products(catalog_pb::BatchGetProductsRequest { ids }).await }
        })
        .await?;
        Ok(response.products)
    }

    /// Returns a product's image.
    ///
    /// # Errors
    /// The catalog's status.
    pub async fn product_image(
        &self,
        product_id: &str,
    ) -> Result<catalog_pb::GetProductImageResponse, Status> {
        read(&self.catalog, |mut c| {
            let product_id = product_id.to_owned();
            async move { c.get_product_image(catalog_pb::GetProductImageRequest { product_id }).await }
        })
        .await
    }
}
