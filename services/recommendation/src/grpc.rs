//! `RecommendFor`: bought together first, then the same categories.

use bazaar_contracts::{
    catalog::{self as catalog_pb, catalog_service_client::CatalogServiceClient},
    recommendation::{self as pb, recommendation_service_server::RecommendationService},
};
use bazaar_platform::{
    db::Db,
    grpc::{Channel, retry_idempotent},
};
use bazaar_types::{FieldErrors, ProductId};
use tonic::{Request, Response, Status};

use crate::store;

/// Most products one call may ask about, and most recommendations it returns.
const MAX: usize = 50;

/// The `RecommendationService` implementation.
#[derive(Debug, Clone)]
pub struct RecommendationGrpc {
    db: Db,
    catalog: CatalogServiceClient<Channel>,
}

impl RecommendationGrpc {
    /// Builds the handlers.
    pub fn new(db: Db, catalog: CatalogServiceClient<Channel>) -> Self {
        Self { db, catalog }
    }

    /// Products of the same categories as `given`, excluding `skip`.
    async fn same_category(
        &self,
        given: &[ProductId],
        skip: &[String],
        wanted: usize,
    ) -> Result<Vec<String>, Status> {
        let ids: Vec<String> = given.iter().map(ToString::to_string).collect();
        let products =
            retry_idempotent(|| {
                let mut catalog = self.catalog.clone();
                let ids = ids.clone();
                async move {
                    catalog.batch_get_products(catalog_pb::BatchGetProductsRequest { ids }).await
                }
            })
            .await?
            .into_inner()
            .products;
        let mut categories: Vec<String> =
            products.into_iter().map(|product| product.category).collect();
        categories.dedup();
        let mut found = Vec::new();
        for category in categories {
            let request = catalog_pb::ListProductsRequest {
                category,
                sort: catalog_pb::ProductSort::Name.into(),
                page: Some(bazaar_contracts::common::PageRequest { page: 1, page_size: 20 }),
                ..Default::default()
            };
            let listed = retry_idempotent(|| {
                let mut catalog = self.catalog.clone();
                let request = request.clone();
                async move { catalog.list_products(request).await }
            })
            .await?
            .into_inner()
            .products;
            for product in listed {
                if found.len() >= wanted {
                    return Ok(found);
                }
                if !skip.contains(&product.id) && !found.contains(&product.id) {
                    found.push(product.id);
                }
            }
        }
        Ok(found)
    }
}

#[tonic::async_trait]
impl RecommendationService for RecommendationGrpc {
    async fn recommend_for(
        &self,
        request: Request<pb::RecommendForRequest>,
    ) -> Result<Response<pb::RecommendForResponse>, Status> {
        let request = request.into_inner();
        if request.product_ids.len() > MAX {
            return Err(bazaar_platform::grpc::invalid_argument(&FieldErrors::single(
                "product_ids",
                format!("must hold at most {MAX} ids"),
            )));
        }
        let mut given = Vec::with_capacity(request.product_ids.len());
        for (index, id) in request.product_ids.iter().enumerate() {
            let id = ProductId::parse(id).map_err(|error| {
                bazaar_platform::grpc::invalid_argument(&FieldErrors::single(
                    format!("product_ids[{index}]"),
                    error.to_string(),
                ))
            })?;
            if !given.contains(&id) {
                given.push(id);
            }
        }
        let limit = match request.limit {
            0 => 4,
            n => usize::try_from(n).unwrap_or(MAX).min(MAX),
        };
        let together = store::bought_with(&self.db, &given, i64::try_from(limit).unwrap_or(4))
            .await
            .map_err(|error| bazaar_platform::grpc::internal(&error))?;
        let mut recommendations: Vec<pb::Recommendation> = together
            .into_iter()
            .map(|(product_id, score)| pb::Recommendation {
                product_id,
                score,
                reason: "bought_together".to_owned(),
            })
            .collect();
        if recommendations.len() < limit && !given.is_empty() {
            let mut skip: Vec<String> = given.iter().map(ToString::to_string).collect();
            skip.extend(
                recommendations.iter().map(|recommendation| recommendation.product_id.clone()),
            );
            let more = self.same_category(&given, &skip, limit - recommendations.len()).await?;
            recommendations.extend(more.into_iter().map(|product_id| pb::Recommendation {
                product_id,
                score: 0,
                reason: "same_category".to_owned(),
            }));
        }
        Ok(Response::new(pb::RecommendForResponse { recommendations }))
    }
}
