//! The REST API under `/api/v1`, described by an OpenAPI document built from the same handlers
//! (so no route can escape the document), served at `/api/openapi.json` with a docs page.

pub mod accounts;
pub mod cart;
pub mod catalog;
pub mod dto;
pub mod json;
pub mod orders;
pub mod stock;

use axum::Router;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};
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
        (name = "catalog", description = "Products, categories and stock"),
        (name = "accounts", description = "Sign-up, sign-in, profile and addresses"),
        (name = "cart", description = "The cart of the signed-in user, or of the anonymous visitor's cookie"),
        (name = "orders", description = "Checkout, order history, cancellation and shipping quotes"),
        (name = "admin", description = "Shop administration (admin role)"),
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme: `Authorization: Bearer <token>` from `POST /api/v1/sessions`.
#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Returns the API routes together with their OpenAPI document.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(catalog::list_products))
        .routes(routes!(catalog::get_product))
        .routes(routes!(catalog::list_categories))
        .routes(routes!(stock::product_stock))
        .routes(routes!(accounts::sign_up))
        .routes(routes!(accounts::sign_in))
        .routes(routes!(accounts::sign_out))
        .routes(routes!(accounts::me, accounts::update_me))
        .routes(routes!(accounts::addresses, accounts::add_address))
        .routes(routes!(accounts::delete_address))
        .routes(routes!(cart::get_cart))
        .routes(routes!(cart::add_item))
        .routes(routes!(cart::set_quantity, cart::remove_item))
        .routes(routes!(stock::set_stock))
        .routes(routes!(orders::place_order, orders::list_orders))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::cancel_order))
        .routes(routes!(orders::all_orders))
        .routes(routes!(orders::quotes))
        .routes(routes!(orders::recommendations))
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
