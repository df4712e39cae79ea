//! `GET /api/v1/products`, `GET /api/v1/products/{id_or_slug}`, `GET /api/v1/categories`.

use axum::{
    Json,
    extract::{Path, State},
};
use bazaar_contracts::catalog as catalog_pb;
use tonic::Code;

use super::dto::{CategoryDto, CategoryList, ProductDto, ProductList};
use crate::{
    error::{ApiError, AppError, Problem},
    params::{ApiQuery, ListParams},
    state::AppState,
};

/// Lists products: filtered by category, searched with `q`, sorted and paginated.
///
/// # Errors
/// 400 for malformed parameters, 503 when the catalog is down.
#[utoipa::path(
    get,
    path = "/api/v1/products",
    tag = "catalog",
    params(ListParams),
    responses(
        (status = 200, description = "A page of products", body = ProductList),
        (status = 400, description = "Malformed parameters", body = Problem),
        (status = 503, description = "The catalog is unavailable", body = Problem),
    )
)]
pub async fn list_products(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<ProductList>, ApiError> {
    let page = params.page()?;
    let sort = params.sort()?;
    let category = params.category()?.unwrap_or_default();
    let (products, info) = match params.query() {
        Some(query) => {
            let response = state
                .clients
                .search_products(catalog_pb::SearchProductsRequest {
                    query: query.to_owned(),
                    category,
                    page: Some(page.into()),
                })
                .await
                .map_err(|status| rename_field(status, "q"))?;
            (response.products, response.page.unwrap_or_default())
        }
        None => {
            let response = state
                .clients
                .list_products(catalog_pb::ListProductsRequest {
                    category,
                    featured_only: false,
                    sort: sort.into(),
                    page: Some(page.into()),
                })
                .await?;
            (response.products, response.page.unwrap_or_default())
        }
    };
    Ok(Json(ProductList {
        items: products.iter().map(ProductDto::from).collect(),
        page: info.page,
        page_size: info.page_size,
        total_items: info.total_items,
        total_pages: info.total_pages,
    }))
}

fn rename_field(status: tonic::Status, field: &str) -> AppError {
    if status.code() == Code::InvalidArgument {
        let fields = bazaar_platform::grpc::field_errors(&status);
        let message = fields
            .errors()
            .first()
            .map_or_else(|| status.message().to_owned(), |e| e.message.clone());
        AppError::invalid(field, message)
    } else {
        status.into()
    }
}

/// Returns one product by id or slug.
///
/// # Errors
/// 404 when there is no such product, 503 when the catalog is down.
#[utoipa::path(
    get,
    path = "/api/v1/products/{id_or_slug}",
    tag = "catalog",
    params(("id_or_slug" = String, Path, description = "The product's UUID or slug")),
    responses(
        (status = 200, description = "The product", body = ProductDto),
        (status = 404, description = "No such product", body = Problem),
        (status = 503, description = "The catalog is unavailable", body = Problem),
    )
)]
pub async fn get_product(
    State(state): State<AppState>,
    Path(id_or_slug): Path<String>,
) -> Result<Json<ProductDto>, ApiError> {
    let product =
        state.clients.product(&id_or_slug).await.map_err(|status| match status.code() {
            Code::InvalidArgument | Code::NotFound => {
                AppError::NotFound(format!("no product {id_or_slug}"))
            }
            _ => status.into(),
        })?;
    Ok(Json(ProductDto::from(&product)))
}

/// Lists every category with its product count.
///
/// # Errors
/// 503 when the catalog is down.
#[utoipa::path(
    get,
    path = "/api/v1/categories",
    tag = "catalog",
    responses(
        (status = 200, description = "Every category", body = CategoryList),
        (status = 503, description = "The catalog is unavailable", body = Problem),
    )
)]
pub async fn list_categories(
    State(state): State<AppState>,
) -> Result<Json<CategoryList>, ApiError> {
    let categories = state.clients.categories().await?;
    Ok(Json(CategoryList {
        items: categories
            .iter()
            .map(|category| CategoryDto {
                slug: category.slug.clone(),
                name: category.name.clone(),
                description: category.description.clone(),
                product_count: category.product_count,
            })
            .collect(),
    }))
}
