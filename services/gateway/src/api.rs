//! The REST API under `/api/v1`, described by an OpenAPI document built from the same handlers
//! (so no route can escape the document), served at `/api/openapi.json` with a docs page.

pub mod catalog;
pub mod dto;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;

/// The document's fixed parts; paths are added by the router.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Bazaar REST API",
        version = "1.0.0",
        description = "Browse the catalogue, manage an account and a cart, and place orders. \
            Errors are JSON problem documents with a stable `code`, a human `message` and, for \
            invalid input, the offending `fields`."
    ),
    tags(
        (name = "catalog", description = "Products and categories"),
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField))
)]
pub struct ApiDoc;

/// Returns the API routes together with their OpenAPI document.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(catalog::list_products))
        .routes(routes!(catalog::get_product))
        .routes(routes!(catalog::list_categories))
}

/// Returns the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

/// Returns the API router with `/api/openapi.json` and the docs page at `/api/docs`.
pub fn router() -> Router<AppState> {
    let (router, openapi) = routes().split_for_parts();
    router.merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
}
