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
    let mut openapi = routes().into_openapi();
    document_common_errors(&mut openapi);
    openapi
}

/// Returns the API router with `/api/openapi.json` and the docs page at `/api/docs`.
pub fn router() -> Router<AppState> {
    let (router, mut openapi) = routes().split_for_parts();
    document_common_errors(&mut openapi);
    router.merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
}

/// Adds to every operation the errors that the layers around the handlers can answer, so that a
/// client generated from the document knows every status it may see: a bad, expired or revoked
/// bearer token (401), an unavailable service or an overloaded gateway (503), a body that is too
/// large (413) or not JSON (415), and invalid query parameters or body fields (400).
fn document_common_errors(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, path::ParameterIn};
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
            )
            .build()
    };
    for item in openapi.paths.paths.values_mut() {
        let operations =
            [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            let has_query = operation.parameters.iter().flatten().any(|parameter| {
                matches!(parameter, utoipa::openapi::RefOr::T(p) if p.parameter_in == ParameterIn::Query)
            });
            let has_body = operation.request_body.is_some();
            let mut common = vec![
                ("401", "The bearer token or session cookie is invalid, expired or revoked"),
                (
                    "503",
                    "A service it needs is unavailable, or the shop is overloaded; retry later (see `Retry-After`)",
                ),
            ];
            if has_query || has_body {
                common.push(("400", "Invalid query parameters or fields"));
            }
            if has_body {
                common.push(("413", "The body is larger than the limit"));
                common.push(("415", "The body is not JSON (`Content-Type: application/json`)"));
            }
            for (status, description) in common {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description).into());
            }
        }
    }
}
