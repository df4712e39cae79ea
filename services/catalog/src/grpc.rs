//! The catalog's RPC handlers: wire types in, domain types through the store, wire types out.
//! This is the only module that knows the generated contract types.

use bazaar_contracts::{
    catalog::{self as pb, catalog_service_server::CatalogService},
    convert,
    events::{ProductChange, ProductChanged},
};
use bazaar_platform::{auth::TokenVerifier, db::Db, events::Publisher};
use bazaar_types::{FieldErrors, ProductId, Slug};
use tonic::{Request, Response, Status};

use crate::{
    domain::{Product, ProductDraft, ProductInput, ProductKey, SearchQuery, Sort, render_image},
    error::Error,
    store::{self, WriteError},
};

/// Most ids one `BatchGetProducts` call may ask for.
const MAX_BATCH: usize = 200;

/// The `CatalogService` implementation.
#[derive(Debug, Clone)]
pub struct CatalogGrpc {
    db: Db,
    verifier: TokenVerifier,
    publisher: Publisher,
}

impl CatalogGrpc {
    /// Builds the handlers.
    pub fn new(db: Db, verifier: TokenVerifier, publisher: Publisher) -> Self {
        Self { db, verifier, publisher }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> Status {
    bazaar_platform::grpc::invalid_argument(&FieldErrors::single(field, message))
}

fn optional_slug(field: &str, text: &str) -> Result<Option<Slug>, Status> {
    if text.is_empty() {
        Ok(None)
    } else {
        Slug::parse(text).map(Some).map_err(|error| invalid(field, error.to_string()))
    }
}

fn page(
    request: Option<&bazaar_contracts::common::PageRequest>,
) -> Result<bazaar_types::Page, Status> {
    convert::page(request)
        .map_err(|error| invalid(&format!("page.{}", error.field()), error.to_string()))
}

fn sort(value: i32) -> Result<Sort, Status> {
    match pb::ProductSort::try_from(value) {
        Ok(pb::ProductSort::Unspecified | pb::ProductSort::Name) => Ok(Sort::Name),
        Ok(pb::ProductSort::PriceAsc) => Ok(Sort::PriceAsc),
        Ok(pb::ProductSort::PriceDesc) => Ok(Sort::PriceDesc),
        Ok(pb::ProductSort::Newest) => Ok(Sort::Newest),
        Err(_) => Err(invalid("sort", "is not a known sort order")),
    }
}

fn product_id(field: &str, text: &str) -> Result<ProductId, Status> {
    ProductId::parse(text).map_err(|error| invalid(field, error.to_string()))
}

/// Converts a domain product to its wire form.
pub fn to_proto(product: &Product) -> pb::Product {
    pb::Product {
        id: product.id.to_string(),
        slug: product.slug.to_string(),
        name: product.name.clone(),
        description: product.description.clone(),
        category: product.category.to_string(),
        price: Some(product.price.into()),
        attributes: product
            .attributes
            .iter()
            .map(|attribute| pb::Attribute {
                name: attribute.name.clone(),
                value: attribute.value.clone(),
            })
            .collect(),
        featured: product.featured,
        created_at_ms: product.created_at_ms,
        updated_at_ms: product.updated_at_ms,
    }
}

fn input(product: Option<pb::ProductInput>) -> Result<ProductDraft, Status> {
    let product = product.ok_or_else(|| invalid("product", "is required"))?;
    let input = ProductInput {
        slug: product.slug,
        name: product.name,
        description: product.description,
        category: product.category,
        price_minor: product.price.as_ref().map(|price| price.amount_minor),
        currency: product.price.map(|price| price.currency).unwrap_or_default(),
        attributes: product
            .attributes
            .into_iter()
            .map(|attribute| (attribute.name, attribute.value))
            .collect(),
        featured: product.featured,
    };
    ProductDraft::parse(&input).map_err(|errors| bazaar_platform::grpc::invalid_argument(&errors))
}

fn changed(product: &Product, change: ProductChange) -> ProductChanged {
    ProductChanged {
        product_id: product.id.to_string(),
        change: change.into(),
        slug: product.slug.to_string(),
        name: product.name.clone(),
        category: product.category.to_string(),
        price: Some(product.price.into()),
    }
}

impl CatalogGrpc {
    /// Checks that the draft's category exists, inside the write transaction.
    async fn check_category(
        &self,
        connection: &mut sqlx::AnyConnection,
        draft: &ProductDraft,
    ) -> Result<(), Error> {
        if store::category_exists(connection, &draft.category).await? {
            Ok(())
        } else {
            Err(Error::Invalid(FieldErrors::single(
                "category",
                format!("{} is not a category", draft.category),
            )))
        }
    }
}

fn write_error(error: WriteError, slug: &Slug) -> Error {
    match error {
        WriteError::SlugTaken => Error::SlugTaken(slug.to_string()),
        WriteError::Other(error) => Error::Internal(error),
    }
}

#[tonic::async_trait]
impl CatalogService for CatalogGrpc {
    async fn list_products(
        &self,
        request: Request<pb::ListProductsRequest>,
    ) -> Result<Response<pb::ListProductsResponse>, Status> {
        let request = request.into_inner();
        let category = optional_slug("category", &request.category)?;
        let page = page(request.page.as_ref())?;
        let sort = sort(request.sort)?;
        let (products, total) =
            store::list_products(&self.db, category.as_ref(), request.featured_only, sort, page)
                .await
                .map_err(Error::from)?;
        Ok(Response::new(pb::ListProductsResponse {
            products: products.iter().map(to_proto).collect(),
            page: Some(page.info(total).into()),
        }))
    }

    async fn search_products(
        &self,
        request: Request<pb::SearchProductsRequest>,
    ) -> Result<Response<pb::SearchProductsResponse>, Status> {
        let request = request.into_inner();
        let query = SearchQuery::parse(&request.query)
            .map_err(|errors| bazaar_platform::grpc::invalid_argument(&errors))?;
        let category = optional_slug("category", &request.category)?;
        let page = page(request.page.as_ref())?;
        let (products, total) = store::search_products(&self.db, &query, category.as_ref(), page)
            .await
            .map_err(Error::from)?;
        Ok(Response::new(pb::SearchProductsResponse {
            products: products.iter().map(to_proto).collect(),
            page: Some(page.info(total).into()),
        }))
    }

    async fn get_product(
        &self,
        request: Request<pb::GetProductRequest>,
    ) -> Result<Response<pb::GetProductResponse>, Status> {
        let key = match request.into_inner().key {
            Some(pb::get_product_request::Key::Id(id)) => ProductKey::Id(product_id("id", &id)?),
            Some(pb::get_product_request::Key::Slug(slug)) => ProductKey::Slug(
                Slug::parse(&slug).map_err(|error| invalid("slug", error.to_string()))?,
            ),
            None => return Err(invalid("key", "an id or a slug is required")),
        };
        let product = store::get_product(&self.db, &key)
            .await
            .map_err(Error::from)?
            .ok_or(Error::ProductNotFound)?;
        Ok(Response::new(pb::GetProductResponse { product: Some(to_proto(&product)) }))
    }

    async fn batch_get_products(
        &self,
        request: Request<pb::BatchGetProductsRequest>,
    ) -> Result<Response<pb::BatchGetProductsResponse>, Status> {
        let request = request.into_inner();
        if request.ids.len() > MAX_BATCH {
            return Err(invalid("ids", format!("must hold at most {MAX_BATCH} ids")));
        }
        let mut ids = Vec::with_capacity(request.ids.len());
        for (index, id) in request.ids.iter().enumerate() {
            let id = product_id(&format!("ids[{index}]"), id)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let products = store::get_products(&self.db, &ids).await.map_err(Error::from)?;
        Ok(Response::new(pb::BatchGetProductsResponse {
            products: products.iter().map(to_proto).collect(),
        }))
    }

    async fn list_categories(
        &self,
        _: Request<pb::ListCategoriesRequest>,
    ) -> Result<Response<pb::ListCategoriesResponse>, Status> {
        let categories = store::list_categories(&self.db).await.map_err(Error::from)?;
        Ok(Response::new(pb::ListCategoriesResponse {
            categories: categories
                .into_iter()
                .map(|category| pb::Category {
                    slug: category.slug.to_string(),
                    name: category.name,
                    description: category.description,
                    product_count: category.product_count,
                })
                .collect(),
        }))
    }

    async fn get_product_image(
        &self,
        request: Request<pb::GetProductImageRequest>,
    ) -> Result<Response<pb::GetProductImageResponse>, Status> {
        let id = product_id("product_id", &request.into_inner().product_id)?;
        let image = store::get_image(&self.db, &id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::ProductNotFound)?;
        Ok(Response::new(pb::GetProductImageResponse {
            content_type: image.content_type,
            data: image.data,
            etag: image.etag,
        }))
    }

    async fn create_product(
        &self,
        request: Request<pb::CreateProductRequest>,
    ) -> Result<Response<pb::CreateProductResponse>, Status> {
        self.verifier.require_admin(&request).await?;
        let draft = input(request.into_inner().product)?;
        let id = ProductId::generate();
        let image = render_image(draft.slug.as_str(), &draft.name, draft.category.as_str());
        let mut tx = self.db.begin().await.map_err(Error::from)?;
        self.check_category(&mut tx, &draft).await?;
        let product = store::insert_product(&mut tx, &id, &draft, bazaar_types::now_ms(), &image)
            .await
            .map_err(|error| write_error(error, &draft.slug))?;
        self.publisher
            .emit(&mut tx, product.id.as_str(), &changed(&product, ProductChange::Created))
            .await
            .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        self.publisher.wake();
        tracing::info!(product_id = %product.id, slug = %product.slug, "product created");
        Ok(Response::new(pb::CreateProductResponse { product: Some(to_proto(&product)) }))
    }

    async fn update_product(
        &self,
        request: Request<pb::UpdateProductRequest>,
    ) -> Result<Response<pb::UpdateProductResponse>, Status> {
        self.verifier.require_admin(&request).await?;
        let request = request.into_inner();
        let id = product_id("id", &request.id)?;
        let draft = input(request.product)?;
        let image = render_image(draft.slug.as_str(), &draft.name, draft.category.as_str());
        let mut tx = self.db.begin().await.map_err(Error::from)?;
        self.check_category(&mut tx, &draft).await?;
        let product = store::update_product(&mut tx, &id, &draft, bazaar_types::now_ms(), &image)
            .await
            .map_err(|error| write_error(error, &draft.slug))?
            .ok_or(Error::ProductNotFound)?;
        self.publisher
            .emit(&mut tx, product.id.as_str(), &changed(&product, ProductChange::Updated))
            .await
            .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        self.publisher.wake();
        Ok(Response::new(pb::UpdateProductResponse { product: Some(to_proto(&product)) }))
    }

    async fn delete_product(
        &self,
        request: Request<pb::DeleteProductRequest>,
    ) -> Result<Response<pb::DeleteProductResponse>, Status> {
        self.verifier.require_admin(&request).await?;
        let id = product_id("id", &request.into_inner().id)?;
        let mut tx = self.db.begin().await.map_err(Error::from)?;
        let product = store::delete_product(&mut tx, &id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::ProductNotFound)?;
        self.publisher
            .emit(&mut tx, product.id.as_str(), &changed(&product, ProductChange::Deleted))
            .await
            .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        self.publisher.wake();
        tracing::info!(product_id = %product.id, "product deleted");
        Ok(Response::new(pb::DeleteProductResponse {}))
    }
}
